package io.integrationhub.hub.pubsub;

import java.io.IOException;
import java.time.Duration;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JetStream streams of pub/sub: the orders and their dead letters. */
final class Streams {

    private static final Logger LOG = LoggerFactory.getLogger(Streams.class);
    private static final int STREAM_NOT_FOUND = 10059;

    private Streams() {
    }

    /**
     * Makes sure stream {@code stream} stores {@code subject}: creates it when missing (file storage,
     * {@code maxAge}), adds the subject to it when it was made for another one. A stream made for
     * another subject (by hand, or by a hub with another setting) stored nothing published here:
     * every publish then waited for a PubAck that never came (found by the benchmark harness).
     */
    static void ensure(JetStreamManagement management, String stream, String subject, Duration maxAge)
            throws IOException, JetStreamApiException {
        StreamInfo info;
        try {
            info = management.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw e;
            }
            management.addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                    .storageType(StorageType.File).maxAge(maxAge).build());
            LOG.info("Created JetStream stream {} for subject {} (file storage, max age {})", stream, subject, maxAge);
            return;
        }
        if (!management.getStreamNames(subject).contains(stream)) {
            management.updateStream(StreamConfiguration.builder(info.getConfiguration()).addSubjects(subject).build());
            LOG.info("Added subject {} to JetStream stream {}", subject, stream);
        }
    }
}
