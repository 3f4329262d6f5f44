package io.weightcast.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of accepted bearer tokens ({@code Authorization: Bearer <token>}). Checking a presented token
 * compares it with every token in constant time and without an early exit, so the answer's timing tells nothing
 * about which token or how many bytes of one matched.
 */
public final class BearerTokens {
    public static final BearerTokens NONE = new BearerTokens(List.of());
    private static final String PREFIX = "bearer ";

    private final List<BearerToken> tokens;

    public BearerTokens(List<BearerToken> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /** Unscoped tokens from a comma-separated setting (blanks ignored), named {@code <setting>#1}, {@code #2}... */
    public static BearerTokens commaSeparated(String setting, String commaSeparated) {
        List<String> secrets = commaSeparated == null ? List.of() : Arrays.stream(commaSeparated.split(","))
                .map(String::strip).filter(t -> !t.isEmpty()).toList();
        List<BearerToken> out = new ArrayList<>();
        for (int i = 0; i < secrets.size(); i++) {
            out.add(new BearerToken(setting + "#" + (i + 1), secrets.get(i), TokenScope.UNSCOPED));
        }
        return new BearerTokens(out);
    }

    public BearerTokens plus(BearerTokens more) {
        List<BearerToken> all = new ArrayList<>(tokens);
        all.addAll(more.tokens);
        return new BearerTokens(all);
    }

    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    public int size() {
        return tokens.size();
    }

    public List<BearerToken> tokens() {
        return tokens;
    }

    /** What an {@code Authorization} header (null when absent) is worth. */
    public Check check(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return new Denied("missing bearer token (Authorization: Bearer <token>)");
        }
        if (authorizationHeader.length() <= PREFIX.length()
                || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return new Denied("Authorization header is not a bearer token");
        }
        return checkToken(authorizationHeader.substring(PREFIX.length()));
    }

    /** What a token presented without the header is worth ({@code ?access_token=}; null when absent). */
    public Check checkToken(String presented) {
        if (presented == null || presented.isBlank()) {
            return new Denied("missing bearer token (Authorization: Bearer <token>)");
        }
        byte[] bytes = presented.strip().getBytes(StandardCharsets.UTF_8);
        BearerToken match = null;
        for (BearerToken token : tokens) {
            if (MessageDigest.isEqual(token.secret(), bytes) && match == null) { // every token compared: no early exit
                match = token;
            }
        }
        return match == null ? new Denied("invalid bearer token") : new Granted(match);
    }

    /** The outcome of a check: {@link Granted} or {@link Denied}. */
    public sealed interface Check permits Granted, Denied {
    }

    /** The token matched. */
    public record Granted(BearerToken token) implements Check {
    }

    /** No token matched; {@code reason} is the answer for the 401 (never contains the presented token). */
    public record Denied(String reason) implements Check {
    }
}
