package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BearerAuthTest {

    @Test
    void noTokensMeansEveryoneIsAllowed() {
        BearerAuth auth = BearerAuth.of(" , ");
        assertThat(auth.enabled()).isFalse();
        assertThat(auth.deny(null)).isNull();
    }

    @Test
    void acceptsAnyConfiguredTokenAndRefusesTheRest() {
        BearerAuth auth = BearerAuth.of("alpha, beta");
        assertThat(auth.deny("Bearer alpha")).isNull();
        assertThat(auth.deny("bearer beta")).isNull();
        assertThat(auth.deny(null)).contains("missing bearer token");
        assertThat(auth.deny("Basic YWxhZGRpbjpvcGVuc2VzYW1l")).contains("not a bearer token");
        assertThat(auth.deny("Bearer alph")).isEqualTo("invalid bearer token");
        assertThat(auth.deny("Bearer alpha,beta")).isEqualTo("invalid bearer token");
        assertThat(auth.deny("Bearer ")).contains("not a bearer token");
    }
}
