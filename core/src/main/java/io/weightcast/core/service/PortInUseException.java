package io.weightcast.core.service;

import java.net.BindException;
import java.util.Optional;

/**
 * A service could not listen because its port is taken: the user's to fix by moving the port, so the command line
 * prints {@link #getMessage()} as one line (naming the port and the setting that moves it) instead of a stack trace.
 */
public final class PortInUseException extends RuntimeException {
    private final String host;
    private final int port;
    private final String setting;

    public PortInUseException(String host, int port, String setting, Throwable cause) {
        super("port " + port + " on " + host + " is already in use (setting " + setting + ")", cause);
        this.host = host;
        this.port = port;
        this.setting = setting;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The setting that moves the port, e.g. {@code ingest.port}. */
    public String setting() {
        return setting;
    }

    /** Whether {@code failure} or one of its causes is a bind failure (JDK or Netty's native transport). */
    public static boolean isBindFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BindException || t.getMessage() != null && t.getMessage().contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    /** The first {@link PortInUseException} in {@code failure}'s cause chain. */
    public static Optional<PortInUseException> in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PortInUseException p) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
