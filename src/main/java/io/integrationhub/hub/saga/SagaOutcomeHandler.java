package io.integrationhub.hub.saga;

import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exception handler of the saga queue's consumer: a saga whose step failed ends with its exchange
 * failed (so Camel's saga compensates), which the consumer would log as an error with a stack
 * trace. The outcome is in the saga log and logged by {@code saga-order-cancel}; here only at DEBUG.
 */
public class SagaOutcomeHandler implements ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(SagaOutcomeHandler.class);

    @Override
    public void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        LOG.debug("Saga of order {} failed: {}", exchange == null ? null : exchange.getIn().getHeader(SagaRoutes.ORDER_ID),
                String.valueOf(exception));
    }
}
