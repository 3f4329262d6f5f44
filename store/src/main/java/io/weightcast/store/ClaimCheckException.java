package io.weightcast.store;

import java.util.Locale;

/** A reference that cannot be honoured; {@link Problem#label()} is the dead letter's reason category. */
public final class ClaimCheckException extends RuntimeException {
    /** Why. */
    public enum Problem {
        /** Outside every configured root, an unsupported URI, or a symlink out of the root: never read. */
        REFUSED,
        /** No such file or object. */
        MISSING,
        /** The size or the SHA-256 differs from the reference's: tampered with, truncated or overwritten. */
        MISMATCH,
        /** The store failed (I/O, S3 error): possibly transient. */
        UNREADABLE;

        /** {@code ref_refused}, {@code ref_missing}, ... */
        public String label() {
            return "ref_" + name().toLowerCase(Locale.ROOT);
        }
    }

    private final Problem problem;

    public ClaimCheckException(Problem problem, String message) {
        this(problem, message, null);
    }

    public ClaimCheckException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
