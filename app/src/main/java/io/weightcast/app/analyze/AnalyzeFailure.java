package io.weightcast.app.analyze;

/**
 * Why {@code weightcast analyze} stops, as the one line the user sees, with its exit code:
 * 2 for bad input (file, model file, options), 1 when something it needs is unavailable (broker, model).
 */
final class AnalyzeFailure extends RuntimeException {
    static final int BAD_INPUT = 2;
    static final int UNAVAILABLE = 1;

    private final int exitCode;

    private AnalyzeFailure(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static AnalyzeFailure badInput(String message) {
        return new AnalyzeFailure(message, BAD_INPUT, null);
    }

    static AnalyzeFailure badInput(String message, Throwable cause) {
        return new AnalyzeFailure(message, BAD_INPUT, cause);
    }

    static AnalyzeFailure unavailable(String message, Throwable cause) {
        return new AnalyzeFailure(message, UNAVAILABLE, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
