package io.integrationhub.hub.testkit;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import static org.awaitility.Awaitility.await;

/** The saga's order API and the stand-in services as a client sees them, over HTTP. */
public final class OrderApi {

    private final Function<String, HttpResponse<String>> get;
    private final Function<HttpRequest, HttpResponse<String>> send;
    private final Function<String, java.net.URI> uri;

    public OrderApi(RunningHub hub) {
        this.get = hub::get;
        this.send = hub::send;
        this.uri = hub::uri;
    }

    public OrderApi(HubProcess hub) {
        this.get = path -> hub.send(HttpRequest.newBuilder(hub.uri(path)).build());
        this.send = hub::send;
        this.uri = hub::uri;
    }

    public static String order(String userId, String sku, int quantity, String amount) {
        return "{\"userId\":\"" + userId + "\",\"items\":[{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}],"
                + "\"amount\":" + amount + "}";
    }

    public HttpResponse<String> place(String json) {
        return send.apply(HttpRequest.newBuilder(uri.apply("/api/orders")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** Places the order, which must be accepted (202); returns its id. */
    public String placeAccepted(String json) {
        HttpResponse<String> response = place(json);
        if (response.statusCode() != 202) {
            throw new AssertionError("order not accepted: " + response.statusCode() + " " + response.body());
        }
        return UserApi.read(response.body()).get("orderId").asText();
    }

    public JsonNode status(String orderId) {
        return UserApi.read(get.apply("/api/orders/" + orderId).body());
    }

    /** Waits until the order is CONFIRMED or CANCELLED; returns its status document. */
    public JsonNode awaitEnded(String orderId, Duration within) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(within).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = status(orderId);
            return !"PENDING".equals(last[0].path("status").asText());
        });
        return last[0];
    }

    public int stock(String sku) {
        HttpResponse<String> response = get.apply("/samples/inventory/stock/" + sku);
        if (response.statusCode() != 200) {
            throw new AssertionError("stock of " + sku + ": " + response.statusCode() + " " + response.body());
        }
        return UserApi.read(response.body()).get("available").asInt();
    }

    /** The stand-in payment service's reservation of the order: RESERVED, CANCELLED, or null if none. */
    public String payment(String orderId) {
        HttpResponse<String> response = get.apply("/samples/payment/reservations/" + orderId);
        return response.statusCode() == 404 ? null : UserApi.read(response.body()).get("status").asText();
    }
}
