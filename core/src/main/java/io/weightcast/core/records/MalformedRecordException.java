package io.weightcast.core.records;

/** A record that cannot be decoded into its contract type; the message is the reason a dead-letter carries. */
public class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
