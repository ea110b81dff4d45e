package io.integrationhub.hub.infra;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The guard's check of a raw path or query (the HTTP answers: it.HostileInputTest). */
class RequestLineGuardTest {

    @Test
    void shouldPassPlainAndEscapedPrintableText() {
        assertThat(RequestLineGuard.problem("/api/p2p/data", "path")).isNull();
        assertThat(RequestLineGuard.problem("topic=orders&from=0", "query")).isNull();
        assertThat(RequestLineGuard.problem("/api/users/J%C3%BCrgen%20M", "path")).isNull();
        assertThat(RequestLineGuard.problem("/api/users/Jürgen", "path")).isNull();
    }

    @Test
    void shouldNameWhatIsWrongWithARefusedOne() {
        assertThat(RequestLineGuard.problem("/api/users/a%00b", "path")).isEqualTo("the path holds a control character (U+0000)");
        assertThat(RequestLineGuard.problem("/api/users/a\u001Bb", "path")).isEqualTo("the path holds a control character (U+001B)");
        assertThat(RequestLineGuard.problem("q=%7F", "query")).isEqualTo("the query holds a control character (U+007F)");
        assertThat(RequestLineGuard.problem("/api/users/%C3%28", "path")).isEqualTo("the path is not valid UTF-8");
        assertThat(RequestLineGuard.problem("/api/users/%2", "path")).isEqualTo("the path has a malformed percent-escape");
    }
}
