package io.integrationhub.hub.testkit;

import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserts that an HTTP answer is the hub's RFC 9457 problem document with the given status. */
public final class ProblemAssert {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemAssert() {
    }

    /** Checks status, media type, {@code status} and {@code instance} (unless null); returns the document. */
    public static JsonNode assertProblem(HttpResponse<String> response, int status, String instance) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        try {
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.get("status").asInt()).isEqualTo(status);
            if (instance != null) {
                assertThat(problem.get("instance").asText()).isEqualTo(instance);
            }
            assertThat(problem.get("title").asText()).isNotBlank();
            assertThat(problem.get("detail").asText()).isNotBlank();
            return problem;
        } catch (java.io.IOException e) {
            throw new AssertionError("not a JSON problem document: " + response.body(), e);
        }
    }
}
