package io.integrationhub.hub.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the hub logs of a URL keeps where it points and loses its password. */
class RedactTest {

    @Test
    void shouldMaskPasswordParameters() {
        assertThat(Redact.url("jdbc:postgresql://db:5432/hub?user=hub&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/hub?user=hub&password=****&ssl=true");
        assertThat(Redact.url("jdbc:h2:file:./data/hub;USER=sa;PASSWORD=s3cret;MODE=PostgreSQL"))
                .isEqualTo("jdbc:h2:file:./data/hub;USER=sa;PASSWORD=****;MODE=PostgreSQL");
        assertThat(Redact.url("jdbc:mariadb://db/hub?pwd=s3cret")).isEqualTo("jdbc:mariadb://db/hub?pwd=****");
    }

    @Test
    void shouldMaskThePasswordOfTheAuthority() {
        assertThat(Redact.url("jdbc:mysql://hub:s3cret@db:3306/hub")).isEqualTo("jdbc:mysql://hub:****@db:3306/hub");
        assertThat(Redact.url("amqp://guest:guest@127.0.0.1:5672")).isEqualTo("amqp://guest:****@127.0.0.1:5672");
    }

    @Test
    void shouldLeaveAUrlWithoutPasswordAsItIs() {
        String url = "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=hub";
        assertThat(Redact.url(url)).isEqualTo(url);
        assertThat(Redact.url("localhost:9092")).isEqualTo("localhost:9092");
        assertThat(Redact.url(null)).isNull();
    }
}
