package io.integrationhub.hub.infra;

import java.util.Map;

import io.integrationhub.hub.common.TraceIds;
import org.apache.logging.log4j.core.util.ContextDataProvider;

/**
 * The trace id of the work a log line belongs to, as log4j2 context data {@code CAMEL_TRACE_ID}
 * (the log pattern prints it as {@code trace=…}): the span Camel made current on the logging thread,
 * when it is a recording one. Looked up only when a line is logged; camel-mdc, tried first, copied
 * six MDC entries around every processor of every exchange, a cost paid by each request whether it
 * logged or not. Found by log4j2 through META-INF/services.
 */
public final class TraceIdContextData implements ContextDataProvider {

    @Override
    public Map<String, String> supplyContextData() {
        String traceId = TraceIds.current();
        return traceId == null ? Map.of() : Map.of(TraceIds.EXCHANGE_HEADER, traceId);
    }
}
