package io.integrationhub.hub.infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live reload of the YAML route files, one file at a time, that never leaves the hub worse off.
 *
 * <p>Camel's {@link RouteWatcherReloadStrategy} with {@code removeAllRoutes=false} (needed so Java DSL
 * routes stay untouched) has three gaps that this class closes, each proven by a test:
 * <ul>
 *   <li>a deleted file's routes keep running: here they are stopped and removed;</li>
 *   <li>a new file that reuses a route id silently replaces the route of another file: here the
 *       file is rejected and the other route keeps serving;</li>
 *   <li>a file that parses but fails to start (unknown component, bad option) can leave its routes
 *       half-replaced: here the file's last good content is put back.</li>
 * </ul>
 * A file that does not parse is rejected with one log line naming the file and the error; nothing
 * running is touched.
 */
public final class HubRouteReloadStrategy extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(HubRouteReloadStrategy.class);

    /** Content of each route file as last loaded successfully, keyed by absolute path. */
    private final Map<Path, String> lastGood = new ConcurrentHashMap<>();
    /** Content of each file as last rejected, so one bad save is reported once, not per file event. */
    private final Map<Path, String> lastRejected = new ConcurrentHashMap<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile String lastRejection;
    /** The newest reloads, newest last, for the console: at most {@value #HISTORY} entries. */
    private final Deque<Reload> history = new ArrayDeque<>();
    static final int HISTORY = 50;

    /** One reload of a route file: when, which file, applied / removed / rejected, its routes, why rejected. */
    public record Reload(String at, String file, String outcome, List<String> routes, String reason) {
    }

    public HubRouteReloadStrategy(String directory, String pattern) {
        super(directory, true);
        setPattern(pattern);
        setRemoveAllRoutes(false);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // the files as the hub loaded them at start are the first "last good" versions
        Path root = Path.of(getFolder()).toAbsolutePath().normalize();
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile)
                        .filter(f -> getFileFilter() == null || getFileFilter().accept(f.toFile()))
                        .forEach(f -> lastGood.put(f, readQuietly(f)));
            }
        }
    }

    /** Number of file changes applied since start. */
    public long appliedCount() {
        return applied.get();
    }

    /** Number of file changes rejected since start. */
    public long rejectedCount() {
        return rejected.get();
    }

    /** Why the last rejected file was rejected, or null. */
    public String lastRejection() {
        return lastRejection;
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        if (resources == null) {
            // properties reload asks for every route to be refreshed: Camel's behaviour is right there
            super.onRouteReload(null, removeEverything);
            return;
        }
        for (Resource resource : resources) {
            reloadFile(resource);
        }
    }

    private synchronized void reloadFile(Resource resource) {
        CamelContext context = getCamelContext();
        Path file = pathOf(resource);
        List<String> oldIds = routeIdsFrom(context, file);

        if (!Files.exists(file)) {
            removeRoutes(context, oldIds);
            lastGood.remove(file);
            lastRejected.remove(file);
            applied.incrementAndGet();
            remember(file, "removed", oldIds, null);
            LOG.info("Route file {} removed: stopped and removed its routes {}", file, oldIds);
            return;
        }

        String content = readQuietly(file);
        if (content.equals(lastGood.get(file)) || content.equals(lastRejected.get(file))) {
            return; // editors fire several events for one save
        }
        if (content.isBlank()) {
            // a file being written is seen empty first; its next event carries the content
            LOG.debug("Route file {} is empty, waiting for its content", file);
            return;
        }

        Set<String> newIds;
        try {
            newIds = parse(context, resource, file, content);
        } catch (Exception e) {
            lastRejected.put(file, content);
            reject(file, oldIds, e);
            return;
        }

        RoutesLoader loader = PluginHelper.getRoutesLoader(context);
        try {
            List<String> dropped = new ArrayList<>(oldIds);
            dropped.removeAll(newIds);
            removeRoutes(context, dropped);
            loader.updateRoutes(List.of(ResourceHelper.fromString(resource.getLocation(), content)));
            lastGood.put(file, content);
            lastRejected.remove(file);
            applied.incrementAndGet();
            remember(file, "applied", new ArrayList<>(newIds), null);
            LOG.info("Route file {} reloaded: routes {} running{}", file, newIds,
                    dropped.isEmpty() ? "" : ", removed " + dropped);
        } catch (Exception e) {
            restore(context, loader, resource, file, newIds);
            lastRejected.put(file, content);
            reject(file, oldIds, e);
        }
    }

    /** Parses the file in isolation and checks its route ids; nothing is added to the context. */
    private Set<String> parse(CamelContext context, Resource resource, Path file, String content) throws Exception {
        Resource snapshot = ResourceHelper.fromString(resource.getLocation(), content);
        Collection<RoutesBuilder> builders = PluginHelper.getRoutesLoader(context)
                .findRoutesBuilders(List.of(snapshot));
        Set<String> ids = new LinkedHashSet<>();
        for (RoutesBuilder builder : builders) {
            if (!(builder instanceof RouteBuilder rb)) {
                continue;
            }
            for (RouteDefinition route : rb.configureRoutes(context).getRoutes()) {
                String id = route.getRouteId();
                if (id == null || route.getId() == null) {
                    throw new IllegalArgumentException("route from " + route.getInput().getEndpointUri()
                            + " has no id: every route needs an id so it can be reloaded safely");
                }
                if (!ids.add(id)) {
                    throw new IllegalArgumentException("route id " + id + " is used twice in the file");
                }
                Optional<Path> owner = ownerOf(context, id);
                if (owner.isPresent() && !owner.get().equals(file)) {
                    throw new IllegalArgumentException("route id " + id + " is already used by " + owner.get());
                }
                if (context.getRoute(id) != null && owner.isEmpty()) {
                    throw new IllegalArgumentException("route id " + id + " is already used by a Java route");
                }
            }
        }
        return ids;
    }

    private void restore(CamelContext context, RoutesLoader loader, Resource resource, Path file, Set<String> tried) {
        String previous = lastGood.get(file);
        try {
            List<String> leftovers = new ArrayList<>(tried);
            leftovers.removeIf(id -> context.getRoute(id) == null);
            removeRoutes(context, leftovers);
            if (previous != null) {
                loader.updateRoutes(List.of(ResourceHelper.fromString(resource.getLocation(), previous)));
            }
        } catch (Exception e) {
            LOG.error("Could not restore the last good version of route file {}: {}", file, e.getMessage(), e);
        }
    }

    private void reject(Path file, List<String> keptIds, Exception e) {
        rejected.incrementAndGet();
        String reason = rootMessage(e);
        lastRejection = file + ": " + reason;
        remember(file, "rejected", keptIds, reason);
        LOG.warn("Rejected route file {}: {}. Running routes keep serving{}", file, reason,
                keptIds.isEmpty() ? "" : " (this file's routes stay at their last good version: " + keptIds + ")");
    }

    private void remember(Path file, String outcome, List<String> routes, String reason) {
        synchronized (history) {
            history.addLast(new Reload(Instant.now().toString(), file.getFileName().toString(), outcome,
                    List.copyOf(routes), reason));
            while (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
    }

    /** The newest reloads, newest first. */
    public List<Reload> history() {
        synchronized (history) {
            List<Reload> newestFirst = new ArrayList<>(history);
            Collections.reverse(newestFirst);
            return newestFirst;
        }
    }

    private static void removeRoutes(CamelContext context, List<String> ids) {
        for (String id : ids) {
            try {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            } catch (Exception e) {
                throw new IllegalStateException("cannot remove route " + id + ": " + e.getMessage(), e);
            }
        }
    }

    private static List<String> routeIdsFrom(CamelContext context, Path file) {
        List<String> ids = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            if (route.getSourceResource() != null && file.equals(pathOf(route.getSourceResource()))) {
                ids.add(route.getRouteId());
            }
        }
        return ids;
    }

    private static Optional<Path> ownerOf(CamelContext context, String routeId) {
        Route route = context.getRoute(routeId);
        if (route == null || route.getSourceResource() == null) {
            return Optional.empty();
        }
        return Optional.of(pathOf(route.getSourceResource()));
    }

    static Path pathOf(Resource resource) {
        String location = resource.getLocation();
        int colon = location.indexOf(':');
        if (colon > 1) {
            location = location.substring(colon + 1);
        }
        return Path.of(location).toAbsolutePath().normalize();
    }

    private static String readQuietly(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !sb.toString().contains(t.getMessage())) {
                sb.append(" - caused by: ").append(t.getMessage());
            }
        }
        return sb.toString().replaceAll("\\s+", " ");
    }
}
