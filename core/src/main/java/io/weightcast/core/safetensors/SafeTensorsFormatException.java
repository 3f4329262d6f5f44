package io.weightcast.core.safetensors;

/** A byte sequence that is not a well-formed safetensors file; the message says precisely why. */
public class SafeTensorsFormatException extends RuntimeException {
    public SafeTensorsFormatException(String message) {
        super(message);
    }

    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
