package io.integrationhub.hub;

import io.integrationhub.hub.infra.HubRuntime;

/** Entry point of the runnable jar: builds the hub's Camel Main and runs it until SIGTERM. */
public final class HubApplication {

    private HubApplication() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(HubRuntime.create(args).runHub());
    }
}
