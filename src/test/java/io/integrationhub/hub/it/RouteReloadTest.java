package io.integrationhub.hub.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.infra.HubRouteReloadStrategy;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live reload of YAML route files in a running hub, over real HTTP: added, changed and deleted files
 * take effect within 5 s; a broken file, a duplicate id or a file whose routes cannot start is
 * rejected while every running route (YAML and Java) keeps serving.
 */
@ExtendWith(KafkaTestKit.class)
class RouteReloadTest {

    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    static Path workDir;

    // one hub for the class (a boot and a stop per test cost more than the tests): each test's files
    // are taken away after it and the hub is back to its first routes before the next test starts
    private static Path routes;
    private static RunningHub hub;
    private static Map<Path, String> originalFiles;
    private static Set<String> originalRouteIds;
    private static String originalP2pAnswer;

    @BeforeAll
    static void startHubOnACopyOfTheRoutes() throws Exception {
        routes = RunningHub.copyRoutes(workDir.resolve("routes"));
        originalFiles = contents(routes);
        hub = RunningHub.start(workDir, Map.of(
                "camel.main.routesIncludePattern",
                "file:" + routes + "/*.yaml,file:" + routes + "/samples/*.yaml,file:" + routes + "/pubsub/*.yaml",
                "hub.routes.reload.enabled", "true",
                "hub.routes.reload.directory", routes.toString()),
                new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("platform-http:/test/java-route").routeId("test-java-route")
                                .setBody(constant("java"));
                    }
                });
        originalRouteIds = routeIds();
        originalP2pAnswer = hub.get("/api/p2p/data").body();
    }

    @AfterEach
    void putBackTheFirstRoutes() throws Exception {
        Map<Path, String> now = contents(routes);
        for (Path file : now.keySet()) {
            if (!originalFiles.containsKey(file)) {
                Files.delete(file);
            }
        }
        for (Map.Entry<Path, String> file : originalFiles.entrySet()) {
            if (!file.getValue().equals(now.get(file.getKey()))) {
                Files.writeString(file.getKey(), file.getValue());
            }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(routeIds()).isEqualTo(originalRouteIds);
            assertThat(hub.get("/api/p2p/data").body()).isEqualTo(originalP2pAnswer);
        });
    }

    @AfterAll
    static void stopHub() {
        hub.close();
    }

    private static Set<String> routeIds() {
        return hub.context().getRoutes().stream().map(org.apache.camel.Route::getRouteId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<Path, String> contents(Path dir) throws Exception {
        Map<Path, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(file, Files.readString(file));
            }
        }
        return files;
    }

    @Test
    void shouldSubscribeAPubSubSubscriberAddedAsAFileAndStopItWhenTheFileIsDeleted() throws Exception {
        // a new subscriber: a copy of routes/pubsub/audit.camel.yaml named billing, nothing else
        Path billing = routes.resolve("pubsub/billing.camel.yaml");
        Files.writeString(billing, Files.readString(routes.resolve("pubsub/audit.camel.yaml")).replace("audit", "billing"));
        await().atMost(Duration.ofSeconds(20)).until(() -> hub.context().getRoute("pubsub-billing") != null
                && hub.context().getRouteController().getRouteStatus("pubsub-billing").isStarted());

        String orderId = "reload-" + java.util.UUID.randomUUID();
        java.net.http.HttpResponse<String> published = hub.send(java.net.http.HttpRequest.newBuilder(hub.uri("/api/pubsub/orders"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"orderId\":\"" + orderId + "\"}")).build());
        assertThat(published.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                hub.get("/api/pubsub/orders/" + orderId + "/deliveries").body()).contains("\"billing\"").contains("\"audit\""));

        Files.delete(billing);
        await().atMost(Duration.ofSeconds(20)).until(() -> hub.context().getRoute("pubsub-billing") == null);
        assertThat(hub.context().getRoute("pubsub-audit")).as("the others keep subscribing").isNotNull();
    }

    @Test
    void shouldServeANewFileWithinSeconds() throws Exception {
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v1");

        awaitBody("/test/hello", "hello v1");
        assertUntouched();
    }

    @Test
    void shouldServeAFileNamedPlainYamlToo() throws Exception {
        writeRoute("plain.yaml", "reload-plain", "/test/plain", "plain yaml");

        awaitBody("/test/plain", "plain yaml");
        assertThat(hub.context().getRoute("reload-plain").getSourceResource().getLocation()).endsWith("plain.yaml");
    }

    @Test
    void shouldServeAChangedFileWithinSeconds() throws Exception {
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v1");
        awaitBody("/test/hello", "hello v1");

        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v2");

        awaitBody("/test/hello", "hello v2");
        assertUntouched();
    }

    @Test
    void shouldRemoveTheRoutesOfADeletedFile() throws Exception {
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v1");
        awaitBody("/test/hello", "hello v1");

        Files.delete(routes.resolve("hello.camel.yaml"));

        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(hub.context().getRoute("reload-hello")).isNull();
            assertThat(hub.get("/test/hello").statusCode()).isEqualTo(404);
        });
        assertUntouched();
    }

    @Test
    void shouldRemoveARouteDeletedFromAFileThatStays() throws Exception {
        Files.writeString(routes.resolve("two.camel.yaml"),
                route("two-a", "/test/two-a", "a") + route("two-b", "/test/two-b", "b"));
        awaitBody("/test/two-b", "b");

        Files.writeString(routes.resolve("two.camel.yaml"), route("two-a", "/test/two-a", "a2"));

        awaitBody("/test/two-a", "a2");
        await().atMost(WITHIN).untilAsserted(() -> assertThat(hub.get("/test/two-b").statusCode()).isEqualTo(404));
    }

    @Test
    void shouldRejectAFileThatDoesNotParseAndKeepItsRoutesServing() throws Exception {
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v1");
        awaitBody("/test/hello", "hello v1");
        long rejectedBefore = reloader().rejectedCount();

        Files.writeString(routes.resolve("hello.camel.yaml"), "- route:\n    id: reload-hello\n   from: [broken\n");

        await().atMost(WITHIN).until(() -> reloader().rejectedCount() > rejectedBefore);
        assertThat(reloader().lastRejection()).contains("hello.camel.yaml");
        assertThat(hub.get("/test/hello").body()).isEqualTo("hello v1");
        assertUntouched();

        // fixing the file is picked up as usual
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello fixed");
        awaitBody("/test/hello", "hello fixed");

        // the console's reload history tells both, newest first: applied, then rejected with its reason
        JsonNode reloads = UserApi.read(hub.send(hub.adminRequest("/observe/console/overview").GET().build()).body())
                .get("reloads");
        assertThat(reloads.get(0).get("file").asText()).isEqualTo("hello.camel.yaml");
        assertThat(reloads.get(0).get("outcome").asText()).isEqualTo("applied");
        assertThat(reloads.get(1).get("outcome").asText()).isEqualTo("rejected");
        assertThat(reloads.get(1).get("reason").asText()).isNotBlank();
        assertThat(reloads.get(1).get("routes").toString()).contains("reload-hello");
    }

    @Test
    void shouldRejectANewFileThatReusesTheIdOfAnotherFilesRoute() throws Exception {
        long rejectedBefore = reloader().rejectedCount();

        writeRoute("copy.camel.yaml", "p2p-data", "/test/copy", "impostor");

        await().atMost(WITHIN).until(() -> reloader().rejectedCount() > rejectedBefore);
        assertThat(reloader().lastRejection()).contains("copy.camel.yaml").contains("p2p-data").contains("p2p.camel.yaml");
        assertThat(hub.get("/test/copy").statusCode()).isEqualTo(404);
        assertUntouched();
    }

    @Test
    void shouldRejectAFileThatReusesTheIdOfAJavaRoute() throws Exception {
        long rejectedBefore = reloader().rejectedCount();

        writeRoute("clash.camel.yaml", "test-java-route", "/test/clash", "clash");

        await().atMost(WITHIN).until(() -> reloader().rejectedCount() > rejectedBefore);
        assertThat(reloader().lastRejection()).contains("Java route");
        assertUntouched();
    }

    @Test
    void shouldPutBackTheLastGoodVersionWhenAChangedFileCannotStart() throws Exception {
        writeRoute("hello.camel.yaml", "reload-hello", "/test/hello", "hello v1");
        awaitBody("/test/hello", "hello v1");
        long rejectedBefore = reloader().rejectedCount();

        // parses, but its endpoint cannot be created
        Files.writeString(routes.resolve("hello.camel.yaml"), """
                - route:
                    id: reload-hello
                    from:
                      uri: no-such-component:foo
                      steps:
                        - log: never
                """);

        await().atMost(WITHIN).until(() -> reloader().rejectedCount() > rejectedBefore);
        assertThat(reloader().lastRejection()).contains("no-such-component");
        awaitBody("/test/hello", "hello v1");
        assertUntouched();
    }

    @Test
    void shouldRejectARouteWithoutId() throws Exception {
        long rejectedBefore = reloader().rejectedCount();

        Files.writeString(routes.resolve("anonymous.camel.yaml"), """
                - route:
                    from:
                      uri: platform-http:/test/anonymous
                      steps:
                        - setBody:
                            constant: anonymous
                """);

        await().atMost(WITHIN).until(() -> reloader().rejectedCount() > rejectedBefore);
        assertThat(reloader().lastRejection()).contains("has no id");
        assertThat(hub.get("/test/anonymous").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldReloadFilesInTheSamplesFolder() throws Exception {
        Path sample = routes.resolve("samples/service-b.camel.yaml");
        Files.writeString(sample, Files.readString(sample).replace("\"alpha\"", "\"gamma\""));

        await().atMost(WITHIN).untilAsserted(() ->
                assertThat(hub.get("/api/p2p/data").body()).contains("gamma"));
    }

    /** The Java route and the routes of untouched files still serve. */
    private void assertUntouched() {
        assertThat(hub.get("/test/java-route").body()).isEqualTo("java");
        assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        assertThat(hub.context().getRoute("p2p-data").getSourceResource().getLocation()).endsWith("p2p.camel.yaml");
    }

    private HubRouteReloadStrategy reloader() {
        return hub.context().getRegistry().lookupByNameAndType("routeReloadStrategy", HubRouteReloadStrategy.class);
    }

    private void awaitBody(String path, String body) {
        await().atMost(WITHIN).untilAsserted(() -> assertThat(hub.get(path).body()).isEqualTo(body));
    }

    private void writeRoute(String file, String id, String path, String body) throws Exception {
        Files.writeString(routes.resolve(file), route(id, path, body));
    }

    private static String route(String id, String path, String body) {
        return """
                - route:
                    id: %s
                    from:
                      uri: platform-http:%s
                      steps:
                        - setBody:
                            constant: "%s"
                """.formatted(id, path, body);
    }
}
