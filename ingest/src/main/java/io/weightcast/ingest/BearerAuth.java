package io.weightcast.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/** Static bearer tokens ({@code Authorization: Bearer <token>}); no tokens means auth is disabled. */
public final class BearerAuth {
    private static final String PREFIX = "bearer ";

    private final List<byte[]> tokens;

    private BearerAuth(List<byte[]> tokens) {
        this.tokens = tokens;
    }

    /** From a comma-separated list; blanks are ignored. */
    public static BearerAuth of(String commaSeparated) {
        List<byte[]> tokens = commaSeparated == null ? List.of() : Arrays.stream(commaSeparated.split(","))
                .map(String::strip)
                .filter(t -> !t.isEmpty())
                .map(t -> t.getBytes(StandardCharsets.UTF_8))
                .toList();
        return new BearerAuth(tokens);
    }

    public boolean enabled() {
        return !tokens.isEmpty();
    }

    /** Null when the header grants access, otherwise the reason for the 401. */
    public String deny(String authorizationHeader) {
        if (!enabled()) {
            return null;
        }
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return "missing bearer token (Authorization: Bearer <token>)";
        }
        if (authorizationHeader.length() <= PREFIX.length()
                || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return "Authorization header is not a bearer token";
        }
        byte[] presented = authorizationHeader.substring(PREFIX.length()).strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] token : tokens) {
            match |= MessageDigest.isEqual(token, presented); // constant time per token, and no early exit
        }
        return match ? null : "invalid bearer token";
    }
}
