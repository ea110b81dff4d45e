package io.integrationhub.hub.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every file under routes/ parses and names each of its routes, so a typo fails the build, not production. */
class RouteFilesTest {

    static Stream<Path> routeFiles() throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(Path.of("routes"))) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("routeFiles")
    void shouldParseAndGiveEveryRouteAnId(Path file) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            var builders = PluginHelper.getRoutesLoader(context).findRoutesBuilders(
                    List.of(ResourceHelper.fromString("file:" + file, Files.readString(file))));
            int routes = 0;
            for (RoutesBuilder builder : builders) {
                for (RouteDefinition route : ((RouteBuilder) builder).configureRoutes(context).getRoutes()) {
                    routes++;
                    assertThat(route.getRouteId()).as("id of a route in %s", file).isNotBlank();
                    assertThat(route.getDescription()).as("description of route %s", route.getRouteId()).isNotBlank();
                }
            }
            assertThat(routes).as("routes in %s", file).isPositive();
        }
    }
}
