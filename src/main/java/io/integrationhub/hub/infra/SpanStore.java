package io.integrationhub.hub.infra;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The hub's own trace store, so that tracing works with nothing else installed: every finished span,
 * grouped by trace, at most {@code hub.tracing.max-spans} of them (when one more arrives, the oldest
 * trace is dropped whole). Memory is capped with it: the tracer keeps at most {@value #MAX_ATTRIBUTES}
 * attributes of at most {@value #MAX_VALUE_CHARS} characters a span (the SDK's span limits, set by
 * {@link TracingConfiguration}), about 1 KB a span, so the default 5,000 spans take about 5 MB. Spans
 * are kept as the SDK gives them and converted only when read, so recording one costs a list add. Written by hand because OpenTelemetry's {@code InMemorySpanExporter} is
 * a test utility that grows without bound and cannot be searched.
 */
public final class SpanStore implements SpanExporter {

    static final int MAX_ATTRIBUTES = 24;
    static final int MAX_VALUE_CHARS = 256;

    /** One finished span as the console shows it (times in epoch microseconds). */
    public record StoredSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
            long startMicros, long endMicros, boolean error, Map<String, String> attributes) {
    }

    /** A trace at a glance: its root (or earliest) span, how many spans, when, and whether one failed. */
    public record TraceSummary(String traceId, String root, int spans, long startMicros, long durationMicros, boolean error) {
    }

    private final int maxSpans;
    // the SDK's own immutable span data, converted only when read: exporting costs a list add
    private final LinkedHashMap<String, List<SpanData>> traces = new LinkedHashMap<>();
    private int size;

    public SpanStore(int maxSpans) {
        this.maxSpans = maxSpans;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData span : spans) {
            traces.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>(8)).add(span);
            size++;
        }
        Iterator<List<SpanData>> oldest = traces.values().iterator();
        while (size > maxSpans && oldest.hasNext()) {
            size -= oldest.next().size();
            oldest.remove();
        }
        return CompletableResultCode.ofSuccess();
    }

    /** The spans of a trace, earliest first; empty when the store does not (or no longer) hold it. */
    public synchronized List<StoredSpan> trace(String traceId) {
        List<StoredSpan> spans = new ArrayList<>();
        for (SpanData span : traces.getOrDefault(traceId.toLowerCase(Locale.ROOT), List.of())) {
            spans.add(stored(span));
        }
        spans.sort(Comparator.comparingLong(StoredSpan::startMicros));
        return spans;
    }

    /**
     * The newest traces (at most {@code limit}) that {@code text} names: their trace id, or a span's
     * name or attribute value containing it (an order id, a task id, a user id, a topic). Empty text: the newest traces.
     */
    public synchronized List<TraceSummary> find(String text, int limit) {
        List<TraceSummary> found = new ArrayList<>();
        List<String> ids = new ArrayList<>(traces.keySet());
        for (int i = ids.size() - 1; i >= 0 && found.size() < limit; i--) {
            List<SpanData> spans = traces.get(ids.get(i));
            if (text == null || text.isBlank() || ids.get(i).equals(text) || mentions(spans, text)) {
                found.add(summary(ids.get(i), spans.stream().map(SpanStore::stored).toList()));
            }
        }
        return found;
    }

    public synchronized int size() {
        return size;
    }

    private static boolean mentions(List<SpanData> spans, String text) {
        for (SpanData span : spans) {
            if (span.getName().contains(text)) {
                return true;
            }
            for (Object value : span.getAttributes().asMap().values()) {
                if (String.valueOf(value).contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static TraceSummary summary(String traceId, List<StoredSpan> spans) {
        StoredSpan root = spans.stream().filter(s -> s.parentSpanId() == null).findFirst()
                .orElseGet(() -> spans.stream().min(Comparator.comparingLong(StoredSpan::startMicros)).orElseThrow());
        long start = spans.stream().mapToLong(StoredSpan::startMicros).min().orElse(0);
        long end = spans.stream().mapToLong(StoredSpan::endMicros).max().orElse(start);
        return new TraceSummary(traceId, root.name(), spans.size(), start, end - start,
                spans.stream().anyMatch(StoredSpan::error));
    }

    private static StoredSpan stored(SpanData span) {
        Map<String, String> attributes = new TreeMap<>();
        span.getAttributes().forEach((key, value) -> {
            attributes.put(key.getKey(), String.valueOf(value));
        });
        String parent = span.getParentSpanContext().isValid() ? span.getParentSpanId() : null;
        return new StoredSpan(span.getTraceId(), span.getSpanId(), parent, span.getName(), span.getKind().name(),
                span.getStartEpochNanos() / 1000, span.getEndEpochNanos() / 1000,
                span.getStatus().getStatusCode() == io.opentelemetry.api.trace.StatusCode.ERROR, attributes);
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
