package io.integrationhub.hub.common;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The compatibility rules of the event schemas (docs/event-schemas.md), checked at every build:
 * <ol>
 *   <li>a published version never changes: its file's SHA-256 is in {@code src/test/resources/events-published.sha256}
 *       (a change is a new version, and a new version is added to that list on purpose);</li>
 *   <li>every version from 1 to the current one exists, and its own examples match it;</li>
 *   <li>an event of every older version, upcast ({@link EventSchemas#UPCASTERS}), matches the current
 *       version: a required field removed, renamed or retyped is a new version with its upcaster, or the build fails.</li>
 * </ol>
 */
class EventSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventSchemas schemas = EventSchemas.shared();

    @Test
    void shouldNeverChangeAPublishedVersion() throws Exception {
        Map<String, String> published = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/events-published.sha256"))) {
            if (!line.isBlank()) {
                String[] parts = line.trim().split("\\s+");
                published.put(parts[1], parts[0]);
            }
        }
        for (var e : schemas.events().entrySet()) {
            for (int v = 1; v <= e.getValue(); v++) {
                String path = EventSchemas.path(e.getKey(), v);
                assertThat(published).as(path + " is published: add its SHA-256 to events-published.sha256").containsKey(path);
                assertThat(sha256(path)).as(path + " changed after it was published: make it a new version instead")
                        .isEqualTo(published.get(path));
            }
        }
    }

    @Test
    void shouldHaveEveryVersionWithExamplesThatMatchIt() {
        assertThat(schemas.events()).containsKeys("UserCreated", "UserUpdated", "UserDeleted", "OrderPlaced",
                "OrderConfirmed", "OrderCancelled", "StockReserved", "StockRejected", "StockReleased",
                "PaymentReserved", "PaymentRejected");
        schemas.events().forEach((event, current) -> {
            for (int v = 1; v <= current; v++) {
                JsonNode document = schemas.document(event, v).orElseThrow();
                assertThat(document.path("examples").size()).as(event + " v" + v + " has examples").isPositive();
                for (JsonNode example : document.path("examples")) {
                    assertThat(schemas.errors(event, v, example)).as(event + " v" + v + " example").isEmpty();
                }
            }
        });
    }

    @Test
    void shouldUpcastAnEventOfEveryOlderVersionIntoAValidCurrentOne() throws Exception {
        for (var e : schemas.events().entrySet()) {
            for (int v = 1; v < e.getValue(); v++) {
                assertThat(EventSchemas.UPCASTERS).as(e.getKey() + " v" + v + " → v" + (v + 1) + " needs an upcaster")
                        .containsKey(e.getKey() + ":" + v);
                for (JsonNode example : schemas.document(e.getKey(), v).orElseThrow().path("examples")) {
                    EventEnvelope current = schemas.read(new EventEnvelope("e-1", e.getKey(), v, "2026-11-29T10:00:00Z", example));
                    assertThat(current.schemaVersion()).isEqualTo(e.getValue());
                    assertThat(schemas.errors(e.getKey(), e.getValue(), current.data())).isEmpty();
                }
            }
        }
    }

    @Test
    void shouldStampAValidEventAndRefuseAnInvalidOneNamingWhatIsWrong() {
        JsonNode user = example("UserCreated");
        EventEnvelope stamped = schemas.stamp(new EventEnvelope("e-1", "UserCreated", "2026-11-29T10:00:00Z", user));
        assertThat(stamped.schemaVersion()).isEqualTo(1);

        ObjectNode noEmail = user.deepCopy();
        noEmail.remove("email");
        assertThatThrownBy(() -> schemas.stamp(new EventEnvelope("e-2", "UserCreated", "2026-11-29T10:00:00Z", noEmail)))
                .isInstanceOf(DomainException.Invalid.class).hasMessageContaining("UserCreated").hasMessageContaining("email");
        ObjectNode wrongType = user.deepCopy();
        wrongType.put("version", "one");
        assertThatThrownBy(() -> schemas.stamp(new EventEnvelope("e-3", "UserCreated", "2026-11-29T10:00:00Z", wrongType)))
                .isInstanceOf(DomainException.Invalid.class).hasMessageContaining("version");
        // an event type without a schema is the event log's own business
        assertThat(schemas.stamp(new EventEnvelope("e-4", "ShipmentDispatched", "2026-11-29T10:00:00Z", JSON.createObjectNode()))
                .schemaVersion()).isNull();
    }

    @Test
    void shouldReadAnEventWithoutVersionAsTheFirstAndRefuseAVersionItDoesNotKnow() throws Exception {
        JsonNode user = example("UserCreated");
        assertThat(schemas.read(new EventEnvelope("e-1", "UserCreated", null, "2026-11-29T10:00:00Z", user)).schemaVersion())
                .isEqualTo(schemas.events().get("UserCreated"));
        assertThatThrownBy(() -> schemas.read(new EventEnvelope("e-2", "UserCreated", 42, "2026-11-29T10:00:00Z", user)))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("schemaVersion 42");
        assertThatThrownBy(() -> schemas.read(new EventEnvelope("e-3", "UserDeleted", 1, "2026-11-29T10:00:00Z", user)))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("does not match its schema v1");
    }

    private JsonNode example(String event) {
        return schemas.document(event, schemas.events().get(event)).orElseThrow().path("examples").get(0);
    }

    private static String sha256(String resource) throws Exception {
        try (InputStream in = EventSchemasTest.class.getClassLoader().getResourceAsStream(resource)) {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        }
    }
}
