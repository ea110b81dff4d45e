package io.integrationhub.hub.common;

import java.nio.ByteBuffer;

import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.converter.stream.InputStreamCache;

/**
 * An HTTP answer held in memory, handed to the HTTP server as a {@link ByteBuffer}. camel-platform-http-vertx
 * 4.17 writes a {@code String}, a Vert.x {@code Buffer} or a {@code ByteBuffer} body at once (with its
 * Content-Length), but tries any other body (a downstream's {@code byte[]} as camel-http gives it) as an
 * {@code InputStream} first and pumps it through its {@code AsyncInputStream}, whose reads run as
 * {@code executeBlocking} tasks on Vert.x's worker pool: thread hand-offs and a chunked answer for every call
 * (13 % of point-to-point's CPU samples, docs/benchmarks-tuning.md). A {@code Buffer} would not do: stream
 * caching turns it back into a stream; a {@code ByteBuffer} it leaves alone. Written by hand because no Camel
 * step or option avoids it. A stream cache spooled to a file (an answer above the spool threshold) stays a
 * stream: it is not read into the heap.
 */
public final class Bodies {

    /** The step bound under this name (YAML: {@code process: ref: answerBodyInMemory}). */
    public static final String IN_MEMORY = "answerBodyInMemory";

    private Bodies() {
    }

    /** A step that turns a {@code byte[]} body, or a stream-cached one held in memory, into a {@link ByteBuffer}. */
    public static Processor inMemoryAsByteBuffer() {
        return exchange -> {
            Message message = exchange.getMessage();
            Object body = message.getBody();
            if (body instanceof byte[] bytes) {
                message.setBody(ByteBuffer.wrap(bytes));
            } else if (body instanceof InputStreamCache cache) {
                cache.reset();
                message.setBody(ByteBuffer.wrap(cache.readAllBytes()));
            }
        };
    }
}
