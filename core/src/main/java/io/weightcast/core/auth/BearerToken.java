package io.weightcast.core.auth;

import java.nio.charset.StandardCharsets;

/**
 * One accepted bearer token: a name for logs and answers (the secret itself is never logged nor printed), its bytes
 * and its {@link TokenScope}.
 */
public final class BearerToken {
    private final String name;
    private final byte[] secret;
    private final TokenScope scope;

    public BearerToken(String name, String secret, TokenScope scope) {
        this.name = name;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.scope = scope;
    }

    public String name() {
        return name;
    }

    public TokenScope scope() {
        return scope;
    }

    byte[] secret() {
        return secret;
    }

    /** Never the secret. */
    @Override
    public String toString() {
        return "BearerToken[" + name + ", " + scope + "]";
    }
}
