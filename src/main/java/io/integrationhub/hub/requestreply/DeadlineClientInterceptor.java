package io.integrationhub.hub.requestreply;

import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * Gives every gRPC call the hub makes a deadline when it has none: camel-grpc's producer has no
 * deadline option, but it applies every {@link ClientInterceptor} bean of the registry
 * (autoDiscoverClientInterceptors).
 */
public class DeadlineClientInterceptor implements ClientInterceptor {

    private final long deadlineMs;

    public DeadlineClientInterceptor(long deadlineMs) {
        this.deadlineMs = deadlineMs;
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        CallOptions bounded = options.getDeadline() == null ? options.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS) : options;
        return next.newCall(method, bounded);
    }
}
