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
 * trace is dropped whole). Memory is capped with it: a span keeps at most {@value #MAX_ATTRIBUTES}
 * attributes of at most {@value #MAX_VALUE_CHARS} characters, about 1 KB a span, so the default
 * 5,000 spans take about 5 MB. Written by hand because OpenTelemetry's {@code InMemorySpanExporter} is
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
    private final LinkedHashMap<String, List<StoredSpan>> traces = new LinkedHashMap<>();
    private int size;

    public SpanStore(int maxSpans) {
        this.maxSpans = maxSpans;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData span : spans) {
            traces.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(stored(span));
            size++;
        }
        Iterator<List<StoredSpan>> oldest = traces.values().iterator();
        while (size > maxSpans && oldest.hasNext()) {
            size -= oldest.next().size();
            oldest.remove();
        }
        return CompletableResultCode.ofSuccess();
    }

    /** The spans of a trace, earliest first; empty when the store does not (or no longer) hold it. */
    public synchronized List<StoredSpan> trace(String traceId) {
        List<StoredSpan> spans = new ArrayList<>(traces.getOrDefault(traceId.toLowerCase(Locale.ROOT), List.of()));
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
            List<StoredSpan> spans = traces.get(ids.get(i));
            if (text == null || text.isBlank() || ids.get(i).equals(text) || mentions(spans, text)) {
                found.add(summary(ids.get(i), spans));
            }
        }
        return found;
    }

    public synchronized int size() {
        return size;
    }

    private static boolean mentions(List<StoredSpan> spans, String text) {
        for (StoredSpan span : spans) {
            if (span.name().contains(text)) {
                return true;
            }
            for (String value : span.attributes().values()) {
                if (value.contains(text)) {
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
            if (attributes.size() < MAX_ATTRIBUTES) {
                String text = String.valueOf(value);
                attributes.put(key.getKey(), text.length() > MAX_VALUE_CHARS ? text.substring(0, MAX_VALUE_CHARS) + "…" : text);
            }
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
