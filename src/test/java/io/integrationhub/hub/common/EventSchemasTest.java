package io.integrationhub.hub.common;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

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

    /** The hub's own version 2: UserUpdated added the required changedFields; a v1 event is read with both. */
    @Test
    void shouldReadAVersionOneUserUpdatedAsVersionTwoWithBothFieldsChanged() throws Exception {
        JsonNode v1 = schemas.document("UserUpdated", 1).orElseThrow().path("examples").get(0);
        assertThat(v1.has("changedFields")).isFalse();

        EventEnvelope read = schemas.read(new EventEnvelope("e-1", "UserUpdated", 1, "2026-11-29T11:00:00Z", v1));

        assertThat(read.schemaVersion()).isEqualTo(2);
        assertThat(read.data().get("changedFields").toString()).isEqualTo("[\"name\",\"email\"]");
        assertThat(v1.has("changedFields")).as("the record's own data is left alone").isFalse();
        // a producer must say what changed now
        assertThatThrownBy(() -> schemas.stamp(new EventEnvelope("e-2", "UserUpdated", "2026-11-29T11:00:00Z", v1)))
                .isInstanceOf(DomainException.Invalid.class).hasMessageContaining("schema v2").hasMessageContaining("changedFields");
    }

    /**
     * The mechanism on a version 2, with a set of events of the test's own (src/test/resources/test-events):
     * {@code Thing} v2 renamed {@code label} to {@code name} and added a required {@code colour}; a v1 event
     * is still read, upcast to the v2 shape; a v2 event is read as it is; a v1 event that was never valid
     * is refused; a schema set whose v2 lacks its upcaster does not load.
     */
    @Test
    void shouldReadEveryOlderVersionInTheCurrentShapeThroughItsUpcaster() throws Exception {
        UnaryOperator<JsonNode> v1ToV2 = data -> {
            ObjectNode v2 = (ObjectNode) data;
            v2.set("name", v2.remove("label"));
            v2.put("colour", "unknown");
            return v2;
        };
        EventSchemas things = EventSchemas.load("test-events", Map.of("Thing:1", v1ToV2));

        EventEnvelope old = things.read(new EventEnvelope("e-1", "Thing", null, "2026-11-29T10:00:00Z",
                JSON.readTree("{\"id\":\"t-1\",\"label\":\"Lamp\"}")));
        assertThat(old.schemaVersion()).isEqualTo(2);
        assertThat(old.data().toString()).isEqualTo("{\"id\":\"t-1\",\"name\":\"Lamp\",\"colour\":\"unknown\"}");
        EventEnvelope current = things.read(new EventEnvelope("e-2", "Thing", 2, "2026-11-29T10:00:00Z",
                JSON.readTree("{\"id\":\"t-2\",\"name\":\"Desk\",\"colour\":\"oak\"}")));
        assertThat(current.data().get("colour").asText()).isEqualTo("oak");
        assertThatThrownBy(() -> things.read(new EventEnvelope("e-3", "Thing", 1, "2026-11-29T10:00:00Z",
                JSON.readTree("{\"id\":\"t-3\"}")))).isInstanceOf(InvalidEventException.class).hasMessageContaining("label");
        assertThat(things.stamp(new EventEnvelope("e-4", "Thing", "2026-11-29T10:00:00Z",
                JSON.readTree("{\"id\":\"t-4\",\"name\":\"Chair\",\"colour\":\"red\"}"))).schemaVersion()).isEqualTo(2);

        assertThatThrownBy(() -> EventSchemas.load("test-events", Map.of()))
                .hasMessageContaining("Thing has version 2 but no upcaster from version 1");
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
