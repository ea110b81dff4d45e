package io.integrationhub.hub.testkit;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The CQRS user API of a running hub as a client calls it: REST commands and GraphQL queries. */
public final class UserApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final RunningHub hub;

    public UserApi(RunningHub hub) {
        this.hub = hub;
    }

    public HttpResponse<String> create(String id, String name, String email) {
        Map<String, String> body = new LinkedHashMap<>();
        if (id != null) {
            body.put("id", id);
        }
        body.put("name", name);
        body.put("email", email);
        return send("POST", "/users", "application/json", json(body));
    }

    public HttpResponse<String> update(String id, String name, String email) {
        return send("PUT", "/users/" + id, "application/json", json(Map.of("name", name, "email", email)));
    }

    public HttpResponse<String> delete(String id) {
        return hub.send(HttpRequest.newBuilder(hub.uri("/users/" + id)).DELETE().build());
    }

    public HttpResponse<String> send(String method, String path, String contentType, String body) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** POSTs a GraphQL query; returns the raw answer. */
    public HttpResponse<String> graphQlResponse(String query) {
        return send("POST", "/graphql", "application/json", json(Map.of("query", query)));
    }

    /** POSTs a GraphQL query that must answer 200; returns the whole GraphQL response. */
    public JsonNode graphQl(String query) {
        HttpResponse<String> response = graphQlResponse(query);
        if (response.statusCode() != 200) {
            throw new AssertionError("GraphQL answered " + response.statusCode() + ": " + response.body());
        }
        return read(response.body());
    }

    /** {@code user(id)} through GraphQL: the user node, or a JSON null when the read model has none. */
    public JsonNode user(String id) {
        return graphQl("{ user(id: \"" + id + "\") { id name email createdAt updatedAt } }").path("data").path("user");
    }

    public static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
