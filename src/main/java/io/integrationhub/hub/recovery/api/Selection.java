package io.integrationhub.hub.recovery.api;

import java.util.List;

/**
 * Body of {@code POST /admin/dead-letters/{source}/redrive}: which messages (schema
 * {@code schema/dead-letter-selection.json}). Criteria combine (all must match): {@code ids},
 * {@code reason} (text the failure reason contains), {@code route} (the route that failed),
 * {@code from}/{@code to} (when it was dead-lettered, ISO-8601); or {@code all: true}.
 * {@code dryRun: true} says what would happen and changes nothing.
 */
public record Selection(List<String> ids, String reason, String route, String from, String to, Boolean all, Boolean dryRun) {
}
