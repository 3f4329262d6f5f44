package io.weightcast.core.config;

/** A setting that is missing, does not parse or breaks its rule; the message names the key and says what it must be. */
public final class InvalidSettingException extends IllegalArgumentException {
    public InvalidSettingException(String message) {
        super(message);
    }

    public InvalidSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
