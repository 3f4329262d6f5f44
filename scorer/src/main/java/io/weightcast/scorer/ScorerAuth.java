package io.weightcast.scorer;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.auth.BearerTokens;
import io.weightcast.core.auth.InvalidTokenFileException;
import io.weightcast.core.auth.ReloadingTokens;
import io.weightcast.core.auth.TokenFile;
import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who may read the scorer's API ({@code scorer.auth}, {@code scorer.tokens}, {@code scorer.tokens.file}): the same
 * fail-closed rule as ingest's. Without a token the scorer does not start unless {@code scorer.auth=none} is said;
 * local mode implies {@code none} only on a loopback listener nobody configured ({@link #openOnLoopback}).
 */
public final class ScorerAuth {
    private ScorerAuth() {
    }

    /**
     * Local mode's rule: {@code scorer.auth=none} is implied where nobody chose an auth mode or a token and the scorer
     * listens on a loopback address only (nothing off this machine can reach it); anywhere else the default holds.
     */
    public static boolean openOnLoopback(Settings s) {
        if (s.asMap().containsKey(ScorerKeys.AUTH.name()) || !fixed(s).isEmpty() || file(s) != null) {
            return false;
        }
        try {
            return InetAddress.getByName(s.get(ScorerKeys.HOST)).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Fails closed: with {@code scorer.auth=tokens}, a token must exist and the token file must be readable and valid. */
    static void check(Settings s) {
        String auth = ScorerKeys.AUTH.checked(s.get(ScorerKeys.AUTH));
        if (auth.equals(ScorerKeys.AUTH_NONE)) {
            return;
        }
        Path file = file(s);
        int fromFile = 0;
        if (file != null) {
            try {
                fromFile = TokenFile.parse(Files.readAllBytes(file)).size();
            } catch (IOException e) {
                throw new InvalidSettingException("setting '" + ScorerKeys.TOKENS_FILE.name() + "': " + file + " cannot be read ("
                        + e.getClass().getSimpleName() + ")");
            } catch (InvalidTokenFileException e) {
                throw new InvalidSettingException("setting '" + ScorerKeys.TOKENS_FILE.name() + "': " + file + ": " + e.getMessage());
            }
        }
        if (fromFile == 0 && fixed(s).isEmpty()) {
            throw new InvalidSettingException("setting '" + ScorerKeys.TOKENS.name() + "' is empty" + (file == null ? "" : ", so is "
                    + file) + ", and '" + ScorerKeys.AUTH.name() + "' is '" + ScorerKeys.AUTH_TOKENS + "': the scorer does not start "
                    + "without a read token. Set " + ScorerKeys.TOKENS.name() + " (env WEIGHTCAST_SCORER_TOKENS) or "
                    + ScorerKeys.TOKENS_FILE.name() + ", or " + ScorerKeys.AUTH.name() + "=" + ScorerKeys.AUTH_NONE
                    + " to let anyone who reaches " + s.get(ScorerKeys.HOST) + " read runs, scores and alerts");
        }
    }

    /**
     * The read tokens, the file polled until closed; null with {@code scorer.auth=none}. The reload counter is registered
     * in every mode, so the metric is exported (at 0) wherever the scorer runs.
     */
    static ReloadingTokens readTokens(Settings s, PrometheusRegistry registry) {
        ReloadingTokens.Reloads reloads = ReloadingTokens.Reloads.register(registry);
        if (s.get(ScorerKeys.AUTH).equals(ScorerKeys.AUTH_NONE)) {
            return null;
        }
        return new ReloadingTokens("scorer", fixed(s), file(s), reloads).start(ReloadingTokens.POLL);
    }

    private static BearerTokens fixed(Settings s) {
        return BearerTokens.commaSeparated(ScorerKeys.TOKENS.name(), s.get(ScorerKeys.TOKENS));
    }

    private static Path file(Settings s) {
        String f = s.get(ScorerKeys.TOKENS_FILE);
        return f == null || f.isBlank() ? null : Path.of(f.strip());
    }
}
