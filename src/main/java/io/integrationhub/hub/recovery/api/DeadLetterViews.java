package io.integrationhub.hub.recovery.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON answers of {@code /admin/dead-letters} (docs/recovery.md). */
public final class DeadLetterViews {

    private DeadLetterViews() {
    }

    /** One dead-letter destination: its depth, or why it could not be read. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String source, String broker, Long depth, String redrivesTo, String error) {
    }

    /** Answer of {@code GET /admin/dead-letters}. */
    public record Sources(List<Source> sources) {
    }

    /** One message, as it waits in the dead letters; {@code body} cut at the body limit. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String id, String failedAt, String reason, String failedRoute, Integer attempts,
                          int redriveCount, Map<String, String> headers, String body, int bodyBytes, boolean bodyTruncated) {
    }

    /** Answer of {@code GET /admin/dead-letters/{source}}: a page; {@code next} is the {@code after} of the next page. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Page(String source, List<Message> messages, String next) {
    }

    /** A message left in the dead letters: already redriven {@code redriveCount} times. */
    public record Refused(String id, int redriveCount, String reason) {
    }

    /**
     * Answer of a redrive: how many messages the selection matched, how many went back (with a dry
     * run: would go back), and those refused.
     */
    public record RedriveReport(String source, boolean dryRun, int matched, int redriven, List<String> ids,
                                List<Refused> refused, String redrivenTo) {
    }

    /** Answer of a discard. */
    public record Discarded(String source, String id, String outcome) {
    }
}
