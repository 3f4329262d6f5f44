package io.weightcast.app.live;

/**
 * Sends a zoo run's records to the stack as a training loop would: one of the two producer modes.
 * Thread-safe: the live phase's K runs send concurrently.
 */
public interface RunPublisher extends AutoCloseable {

    /** The {@code started} event (with the hyper-parameters). */
    void start(ZooRun run) throws Exception;

    /** Epoch {@code step}'s checkpoint and its {@code metrics} event; returns once the producer accepted them. */
    void checkpoint(ZooRun run, int step) throws Exception;

    /** The {@code finished} event with {@code final.test_accuracy}; returns once everything of the run was acknowledged. */
    void finish(ZooRun run) throws Exception;

    /** "plain" or "client". */
    String mode();

    @Override
    void close() throws Exception;
}
