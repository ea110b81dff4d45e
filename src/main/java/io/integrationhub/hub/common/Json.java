package io.integrationhub.hub.common;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The hub's one Jackson {@link ObjectMapper}, with Jackson's defaults: thread-safe once configured, and
 * never configured after this line, so every class reads and writes JSON the same way (the records of
 * the {@code api} packages, event envelopes, problem documents).
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
