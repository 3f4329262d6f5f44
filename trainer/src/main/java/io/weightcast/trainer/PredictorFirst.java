package io.weightcast.trainer;

/**
 * The one flag the poll thread and the encoder's training thread share: "the predictor needs the
 * CPU". The poll thread raises it while a refit of the accuracy model is due, being batched
 * ({@link RefitBatcher}) or running, and lowers it when the fit is done; the encoder's training
 * loop calls {@link #awaitPredictorIdle()} before every training step and so pauses, between two
 * steps, until the predictor is done. On a small machine an encoder training beside a refit slows
 * the refit severalfold (docs/design-notes.md, "Trainer"); the predictor is what the scorer serves,
 * the encoder is optional extra work.
 */
final class PredictorFirst {
    private boolean busy;

    /** Poll thread: the predictor needs (true) or no longer needs (false) the CPU. */
    synchronized void predictorBusy(boolean value) {
        if (busy != value) {
            busy = value;
            if (!value) {
                notifyAll();
            }
        }
    }

    synchronized boolean predictorBusy() {
        return busy;
    }

    /**
     * Training thread: returns at once when the predictor is idle, else waits until it is.
     *
     * @throws InterruptedException when the trainer closes meanwhile
     */
    synchronized void awaitPredictorIdle() throws InterruptedException {
        while (busy) {
            wait();
        }
    }
}
