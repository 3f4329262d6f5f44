package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.auth.TokenScope;
import java.util.List;

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

    @Test
    void theSettingsTokensAreUnscopedAndRefusalsAre401() {
        BearerAuth auth = BearerAuth.of("alpha");
        assertThat(auth.authorize("Bearer alpha", "any-run").unscoped()).isTrue();
        assertThatThrownBy(() -> auth.authorize("Bearer beta", "any-run")).isInstanceOf(IngestRejection.class)
                .extracting(e -> ((IngestRejection) e).reason()).isEqualTo(RejectReason.UNAUTHORIZED);
    }

    @Test
    void aRecordOutsideTheStudiesOfItsTokenIs403() {
        TokenScope scope = new TokenScope(List.of("mnist"), List.of());
        BearerAuth.requireStudy(scope, "mnist");
        assertThatThrownBy(() -> BearerAuth.requireStudy(scope, "cifar")).isInstanceOf(IngestRejection.class)
                .hasMessageContaining("study 'cifar'")
                .extracting(e -> ((IngestRejection) e).reason()).isEqualTo(RejectReason.FORBIDDEN);
        assertThat(RejectReason.FORBIDDEN.status()).isEqualTo(403);
    }
}
