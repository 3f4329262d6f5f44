package io.weightcast.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.auth.BearerTokens;
import io.weightcast.core.auth.ReloadingTokens;
import io.weightcast.core.auth.TokenScope;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Who may publish: bearer tokens ({@code Authorization: Bearer <token>}) from {@code ingest.tokens} (unscoped) and
 * {@code ingest.tokens.file} (reloaded while ingest runs, each token optionally scoped to studies and run ids; see
 * {@link io.weightcast.core.auth.TokenFile}). A missing or unknown token is a 401; a known one outside its scope a 403.
 * Without tokens ({@code ingest.auth=none}) everyone may write anything.
 */
public final class BearerAuth implements AutoCloseable {
    private final Supplier<BearerTokens> tokens;
    private final ReloadingTokens reloading;

    private BearerAuth(Supplier<BearerTokens> tokens, ReloadingTokens reloading) {
        this.tokens = tokens;
        this.reloading = reloading;
    }

    /** Fixed unscoped tokens from a comma-separated list; blanks are ignored; none means auth is disabled. */
    public static BearerAuth of(String commaSeparated) {
        BearerTokens fixed = BearerTokens.commaSeparated(IngestSettings.TOKENS.name(), commaSeparated);
        return new BearerAuth(() -> fixed, null);
    }

    /** The gateway's auth: none, or the settings' tokens plus the token file's, polled for changes until {@link #close}. */
    static BearerAuth from(IngestSettings settings, PrometheusRegistry registry) {
        ReloadingTokens.Reloads reloads = ReloadingTokens.Reloads.register(registry); // exported at 0 in every mode
        if (settings.auth().equals(IngestSettings.AUTH_NONE)) {
            return of("");
        }
        Path file = settings.tokensFile() == null ? null : Path.of(settings.tokensFile());
        ReloadingTokens reloading = new ReloadingTokens("ingest", BearerTokens.commaSeparated(IngestSettings.TOKENS.name(),
                settings.tokens()), file, reloads).start(ReloadingTokens.POLL);
        return new BearerAuth(reloading, reloading);
    }

    /** False only with {@code ingest.auth=none}; with a token file that lost its last token it stays true (and refuses all). */
    public boolean enabled() {
        return reloading != null || !tokens.get().isEmpty();
    }

    /** Null when the header grants access, otherwise the reason for the 401. */
    public String deny(String authorizationHeader) {
        try {
            authorize(authorizationHeader, null);
            return null;
        } catch (IngestRejection e) {
            return e.getMessage();
        }
    }

    /**
     * The scope of the token in {@code authorizationHeader}, which must be allowed to write {@code runId} (null: not
     * checked): an {@link IngestRejection} of {@link RejectReason#UNAUTHORIZED} or {@link RejectReason#FORBIDDEN} if not.
     */
    public TokenScope authorize(String authorizationHeader, String runId) {
        if (!enabled()) {
            return TokenScope.UNSCOPED;
        }
        BearerTokens.Check check = tokens.get().check(authorizationHeader);
        if (check instanceof BearerTokens.Denied denied) {
            throw new IngestRejection(RejectReason.UNAUTHORIZED, denied.reason());
        }
        BearerTokens.Granted granted = (BearerTokens.Granted) check;
        String outside = runId == null ? null : granted.token().scope().deniedRun(runId);
        if (outside != null) {
            throw new IngestRejection(RejectReason.FORBIDDEN, "token '" + granted.token().name() + "': " + outside);
        }
        return granted.token().scope();
    }

    /** Refuses (403) a record whose study ({@code null}: it names none) is outside {@code scope}. */
    public static void requireStudy(TokenScope scope, String study) {
        String outside = scope.deniedStudy(study);
        if (outside != null) {
            throw new IngestRejection(RejectReason.FORBIDDEN, outside);
        }
    }

    /** Stops polling the token file. */
    @Override
    public void close() {
        if (reloading != null) {
            reloading.close();
        }
    }
}
