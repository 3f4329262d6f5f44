package io.weightcast.core.auth;

/** A token file that cannot be used; the message says where, never what (the file holds secrets). */
public final class InvalidTokenFileException extends RuntimeException {
    public InvalidTokenFileException(String message) {
        super(message);
    }
}
