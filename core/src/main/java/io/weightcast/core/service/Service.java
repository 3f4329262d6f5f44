package io.weightcast.core.service;

/**
 * One Weightcast service (ingest, streams, scorer, trainer). Built from
 * {@link io.weightcast.core.config.Settings}, so {@code weightcast local} can run all four in one
 * process and a deployment can run each alone.
 */
public interface Service extends AutoCloseable {
    String name();

    /** Starts the service; returns once it is serving (or throws with a clear reason). */
    void start();

    /** True when the service is caught up enough to do its job (readiness probe). */
    boolean ready();

    /** Stops the service cleanly, committing what it processed. */
    @Override
    void close();
}
