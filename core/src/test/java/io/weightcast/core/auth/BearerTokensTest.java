package io.weightcast.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BearerTokensTest {

    @Test
    void grantsTheMatchingTokenAndSaysWhyOtherwise() {
        BearerTokens tokens = BearerTokens.commaSeparated("scorer.tokens", "alpha, beta");
        assertThat(tokens.check("Bearer beta")).isEqualTo(new BearerTokens.Granted(tokens.tokens().get(1)));
        assertThat(tokens.tokens().get(1).name()).isEqualTo("scorer.tokens#2");
        assertThat(tokens.check("bearer alpha")).isInstanceOf(BearerTokens.Granted.class);
        assertThat(tokens.check(null)).isEqualTo(new BearerTokens.Denied("missing bearer token (Authorization: Bearer <token>)"));
        assertThat(tokens.check("Basic YWxhZGRpbjpvcGVuc2VzYW1l")).isEqualTo(new BearerTokens.Denied("Authorization header is not a bearer token"));
        assertThat(tokens.check("Bearer alph")).isEqualTo(new BearerTokens.Denied("invalid bearer token"));
        assertThat(tokens.checkToken("alpha")).isInstanceOf(BearerTokens.Granted.class);
        assertThat(tokens.checkToken(null)).isInstanceOf(BearerTokens.Denied.class);
        assertThat(BearerTokens.NONE.check("Bearer alpha")).isInstanceOf(BearerTokens.Denied.class);
        assertThat(tokens.tokens().get(0).toString()).doesNotContain("alpha");
    }
}
