package io.integrationhub.hub.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The versioned JSON Schemas of the events the hub produces and consumes
 * ({@code src/main/resources/events/<Event>/v<N>.json}, current versions in {@code events/index.json};
 * docs/event-schemas.md). Producers {@link #stamp} an event: its data must match the current version's
 * schema, and the envelope says which ({@code "schemaVersion"}), so a bug cannot publish a malformed
 * event. Consumers {@link #read} one: every version from 1 to the current one is accepted, checked
 * against its own schema and upcast to the current shape in one place ({@link #UPCASTERS}), so a replay
 * from offset 0 after a schema change rebuilds the same state; an event that matches no schema, or
 * of a version this hub does not know, is refused with the reason (and dead-lettered by the consumer).
 * An envelope without {@code schemaVersion} was written before versions existed: version 1. Event
 * types without a schema (anything appended through {@code POST /api/events/{topic}}) pass unchecked.
 */
public final class EventSchemas {

    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * The upcasters, the one place that knows how an event of version N becomes version N+1: key
     * {@code "<Event>:<N>"}; a new version adds its entry here (EventSchemasTest refuses a version whose
     * older events cannot be upcast into it). Each gets a copy of the data it may change.
     */
    static final Map<String, UnaryOperator<JsonNode>> UPCASTERS = Map.of(
            // UserUpdated v2 says which fields the change altered; a v1 event does not know (it carries
            // only the state after the change), so it is read as "either may have changed"
            "UserUpdated:1", data -> {
                ((ObjectNode) data).putArray("changedFields").add("name").add("email");
                return data;
            });

    /** After UPCASTERS: static fields are initialised in order. */
    private static final EventSchemas SHARED = load();

    private final String root;
    private final Map<String, Integer> current;
    private final Map<String, JsonSchema> schemas;
    private final Map<String, JsonNode> documents;
    private final Map<String, UnaryOperator<JsonNode>> upcasters;

    private EventSchemas(String root, Map<String, Integer> current, Map<String, JsonSchema> schemas,
                         Map<String, JsonNode> documents, Map<String, UnaryOperator<JsonNode>> upcasters) {
        this.root = root;
        this.current = current;
        this.schemas = schemas;
        this.documents = documents;
        this.upcasters = upcasters;
    }

    /** The hub's schemas, read from the classpath once. */
    public static EventSchemas shared() {
        return SHARED;
    }

    static EventSchemas load() {
        return load("events", UPCASTERS);
    }

    /** The schemas under classpath folder {@code root} with these upcasters (a test's own set of events). */
    static EventSchemas load(String root, Map<String, UnaryOperator<JsonNode>> upcasters) {
        JsonNode index = resource(root + "/index.json");
        Map<String, Integer> current = new TreeMap<>();
        Map<String, JsonSchema> schemas = new TreeMap<>();
        Map<String, JsonNode> documents = new TreeMap<>();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        index.path("current").fields().forEachRemaining(e -> {
            int latest = e.getValue().asInt();
            current.put(e.getKey(), latest);
            for (int v = 1; v <= latest; v++) {
                JsonNode document = resource(root + "/" + e.getKey() + "/v" + v + ".json");
                documents.put(e.getKey() + ":" + v, document);
                schemas.put(e.getKey() + ":" + v, factory.getSchema(document));
            }
        });
        for (String event : current.keySet()) {
            for (int v = 1; v < current.get(event); v++) {
                if (!upcasters.containsKey(event + ":" + v)) {
                    throw new IllegalStateException(event + " has version " + (v + 1) + " but no upcaster from version " + v);
                }
            }
        }
        return new EventSchemas(root, Collections.unmodifiableMap(current), schemas, documents, Map.copyOf(upcasters));
    }

    static String path(String event, int version) {
        return "events/" + event + "/v" + version + ".json";
    }

    private static JsonNode resource(String path) {
        try (InputStream in = EventSchemas.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the classpath (events/index.json names it)");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(path + " is not JSON", e);
        }
    }

    /** Event types with a schema and their current version, by name. */
    public Map<String, Integer> events() {
        return current;
    }

    /** The schema document of {@code event} at {@code version}, if there is one. */
    public Optional<JsonNode> document(String event, int version) {
        return Optional.ofNullable(documents.get(event + ":" + version));
    }

    /**
     * For a producer: the event with {@code schemaVersion} set to the current version of its type,
     * once its data matches that schema; an unknown type is returned as it is.
     *
     * @throws DomainException.Invalid naming each mismatch
     */
    public EventEnvelope stamp(EventEnvelope event) {
        Integer version = current.get(event.event());
        if (version == null) {
            return event;
        }
        List<String> errors = errors(event.event(), version, event.data());
        if (!errors.isEmpty()) {
            throw new DomainException.Invalid("event " + event.event() + " does not match its schema v" + version
                    + " (" + root + "/" + event.event() + "/v" + version + ".json): " + String.join("; ", errors));
        }
        return new EventEnvelope(event.eventId(), event.event(), version, event.occurredAt(), event.data());
    }

    /**
     * For a consumer: the event in the current shape of its type (checked against the schema of the
     * version it was written in, then upcast); an unknown type is returned as it is.
     *
     * @throws InvalidEventException why it cannot be read: no such version, or not matching it
     */
    public EventEnvelope read(EventEnvelope event) throws InvalidEventException {
        Integer latest = current.get(event.event());
        if (latest == null) {
            return event;
        }
        int version = event.schemaVersion() == null ? 1 : event.schemaVersion();
        if (version < 1 || version > latest) {
            throw new InvalidEventException("event " + event.event() + " has schemaVersion " + version
                    + ", this hub reads versions 1 to " + latest);
        }
        List<String> errors = errors(event.event(), version, event.data());
        if (!errors.isEmpty()) {
            throw new InvalidEventException("event " + event.event() + " does not match its schema v"
                    + version + ": " + String.join("; ", errors));
        }
        JsonNode data = event.data();
        for (int v = version; v < latest; v++) {
            data = upcasters.get(event.event() + ":" + v).apply(data.deepCopy());
        }
        return new EventEnvelope(event.eventId(), event.event(), latest, event.occurredAt(), data);
    }

    /** What is wrong with {@code data} as {@code event} at {@code version}; empty when nothing. */
    List<String> errors(String event, int version, JsonNode data) {
        JsonSchema schema = schemas.get(event + ":" + version);
        if (data == null || data.isNull() || data.isMissingNode()) {
            return List.of("the event has no data");
        }
        List<String> errors = new ArrayList<>();
        for (ValidationMessage m : schema.validate(data)) {
            errors.add(m.getMessage());
        }
        return errors;
    }
}
