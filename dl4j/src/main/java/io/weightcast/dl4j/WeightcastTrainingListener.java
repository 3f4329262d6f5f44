package io.weightcast.dl4j;

import io.weightcast.core.records.RunEvent;
import io.weightcast.ingest.CheckpointPublisher;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J {@link org.deeplearning4j.optimize.api.TrainingListener} that publishes the network's
 * parameters as a checkpoint at the end of every epoch (design §4), with the run's {@code started}
 * and {@code finished} events, through the Java SDK ({@link CheckpointPublisher}, straight to Kafka).
 *
 * <pre>{@code
 * try (CheckpointPublisher pub = CheckpointPublisher.builder(bootstrap).build()) {
 *     WeightcastTrainingListener weightcast = WeightcastTrainingListener.builder(pub, "run-42", 20)
 *             .study("mnist-mlp").hparams(Map.of("lr", 1e-3))
 *             .metrics((model, epoch) -> Map.of("val_acc", net.evaluate(validation).accuracy()))
 *             .build();
 *     net.addListeners(weightcast);
 *     net.fit(train, 20);
 *     weightcast.finish(net.evaluate(test).accuracy());
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Checkpoint: {@link ParameterSnapshot} (PyTorch names and layout, F32), metadata
 *       {@code framework=dl4j}, {@code step} = the 1-based epoch (the network's epoch count, so a
 *       resumed network continues its numbering), {@code planned_steps}, {@code study}, {@code layers},
 *       {@code activation} (the hidden layers', unless set), {@code metrics}: {@code train_loss} (mean
 *       minibatch score of the epoch) plus whatever the {@link EpochMetrics} returns (its values win).
 *       Epochs end in {@code fit(iterator)} / {@code fit(iterator, epochs)}; {@code fit(DataSet)} alone
 *       ends none.</li>
 *   <li>{@code started} goes out when the first epoch starts (or on {@link #start()}).</li>
 *   <li>Big networks: a publisher built with {@code .claimChecks(ClaimChecks.from(settings))} writes checkpoints above
 *       {@code store.threshold.bytes} to the shared store and sends Kafka their reference (design §10).</li>
 *   <li>Publishing never interrupts training: a failure (conversion, refusal, broker error) is logged
 *       and counted ({@link #failures()}); {@link #finish} waits for outstanding acks and, with
 *       {@link Builder#rethrowOnFinish()}, then throws if anything failed. The parameters are copied
 *       on the training thread; sending is asynchronous, but the Kafka producer may block that thread
 *       while it waits for metadata or buffer space (bounded by the producer's {@code max.block.ms}).</li>
 * </ul>
 */
public final class WeightcastTrainingListener extends BaseTrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(WeightcastTrainingListener.class);
    static final String FRAMEWORK = "dl4j";

    private final CheckpointPublisher publisher;
    private final String runId;
    private final int plannedSteps;
    private final String study;
    private final Map<String, Object> hparams;
    private final EpochMetrics metrics;
    private final String activation;
    private final boolean rethrowOnFinish;
    private final Duration ackTimeout;

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Queue<CompletableFuture<?>> pending = new ConcurrentLinkedQueue<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong checkpointsAcked = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    // Epoch loss accumulators: only the training thread touches them.
    private double lossSum;
    private long lossCount;
    private long ownEpochs;

    private WeightcastTrainingListener(Builder b) {
        this.publisher = b.publisher;
        this.runId = b.runId;
        this.plannedSteps = b.plannedSteps;
        this.study = b.study;
        this.hparams = b.hparams;
        this.metrics = b.metrics;
        this.activation = b.activation;
        this.rethrowOnFinish = b.rethrowOnFinish;
        this.ackTimeout = b.ackTimeout;
    }

    /**
     * @param publisher    the SDK; the caller owns it (and closes it after {@link #finish})
     * @param plannedSteps the number of epochs the run is meant to train (metadata {@code planned_steps})
     */
    public static Builder builder(CheckpointPublisher publisher, String runId, int plannedSteps) {
        return new Builder(publisher, runId, plannedSteps);
    }

    /** Sends the {@code started} event once; the first epoch calls it if the loop did not. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        try {
            track(publisher.publishEvent(RunEvent.started(runId, study, hparams, plannedSteps)), "started event", false);
        } catch (RuntimeException e) {
            fail("started event", e);
        }
    }

    @Override
    public void onEpochStart(Model model) {
        start();
        lossSum = 0;
        lossCount = 0;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double score = model.score();
        if (Double.isFinite(score)) {
            lossSum += score;
            lossCount++;
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        start();
        long step = epochOf(model);
        try {
            ParameterSnapshot snapshot = ParameterSnapshot.of(model);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("framework", FRAMEWORK);
            meta.put("layers", String.join(",", snapshot.layers()));
            byte[] file = snapshot.tensors().toSafeTensors(meta);
            String act = activation != null ? activation : snapshot.activation();
            track(publisher.publishCheckpoint(runId, step, plannedSteps, act, study, metricsOf(model, step), file),
                    "checkpoint of epoch " + step, true);
        } catch (RuntimeException e) {
            fail("checkpoint of epoch " + step, e);
        }
    }

    /** Sends {@code finished} with {@code final.test_accuracy}; see {@link #finish(Map)}. */
    public void finish(double testAccuracy) {
        finish(Map.of("test_accuracy", testAccuracy));
    }

    /**
     * Waits (up to the ack timeout) for every checkpoint sent so far, then sends {@code finished}
     * with {@code finalMetrics} (must hold a finite {@code test_accuracy}: the run's label) and waits
     * for its ack. Only the first call sends.
     *
     * @throws IllegalStateException with {@link Builder#rethrowOnFinish()}, if any publish failed
     */
    public void finish(Map<String, Double> finalMetrics) {
        if (!finished.compareAndSet(false, true)) {
            LOG.warn("run {}: finish called again, ignored", runId);
            return;
        }
        start();
        awaitPending(); // so that a finished run's checkpoints are all in the topic
        try {
            track(publisher.publishEvent(RunEvent.finished(runId, study, finalMetrics)), "finished event", false);
        } catch (RuntimeException e) {
            fail("finished event", e);
        }
        awaitPending();
        if (rethrowOnFinish && failures.get() > 0) {
            throw new IllegalStateException("run " + runId + ": " + failures.get()
                    + " checkpoint/event publish failure(s); first: " + firstFailure.get(), firstFailure.get());
        }
    }

    /** Publishes that failed (or were not acked in time) so far. */
    public long failures() {
        return failures.get();
    }

    /** Checkpoints the broker acknowledged so far. */
    public long checkpointsAcked() {
        return checkpointsAcked.get();
    }

    /** The first failure, or null. */
    public Throwable firstFailure() {
        return firstFailure.get();
    }

    private long epochOf(Model model) {
        ownEpochs++;
        // DL4J increments its epoch count right after onEpochEnd, so count + 1 is this epoch, 1-based.
        if (model instanceof MultiLayerNetwork net) {
            return net.getEpochCount() + 1L;
        }
        if (model instanceof ComputationGraph graph) {
            return graph.getEpochCount() + 1L;
        }
        return ownEpochs;
    }

    private Map<String, Double> metricsOf(Model model, long step) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (lossCount > 0) {
            out.put("train_loss", lossSum / lossCount);
        }
        if (metrics != null) {
            try {
                Map<String, Double> reported = metrics.at(model, step);
                if (reported != null) {
                    out.putAll(reported);
                }
            } catch (RuntimeException e) {
                fail("metrics of epoch " + step + " (checkpoint sent without them)", e);
            }
        }
        // Metadata metrics are JSON numbers: NaN and infinities cannot be written.
        out.values().removeIf(v -> v == null || !Double.isFinite(v));
        return out;
    }

    private void track(CompletableFuture<?> future, String what, boolean checkpoint) {
        pending.add(future);
        future.whenComplete((ok, error) -> {
            if (error != null) {
                fail(what, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else if (checkpoint) {
                checkpointsAcked.incrementAndGet();
            }
        });
        pending.removeIf(CompletableFuture::isDone);
    }

    private void awaitPending() {
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        for (CompletableFuture<?> f = pending.poll(); f != null; f = pending.poll()) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                fail("publish not acknowledged within " + ackTimeout, e);
            } catch (ExecutionException e) {
                // Counted by the future's own callback.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for acks", e);
                return;
            }
        }
    }

    private void fail(String what, Throwable error) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, error);
        LOG.warn("run {}: could not publish {}: {}", runId, what, error.toString());
    }

    /** Options; publisher, run id and planned steps are required. */
    public static final class Builder {
        private final CheckpointPublisher publisher;
        private final String runId;
        private final int plannedSteps;
        private String study;
        private Map<String, Object> hparams = Map.of();
        private EpochMetrics metrics;
        private String activation;
        private boolean rethrowOnFinish;
        private Duration ackTimeout = Duration.ofSeconds(60);

        private Builder(CheckpointPublisher publisher, String runId, int plannedSteps) {
            this.publisher = Objects.requireNonNull(publisher, "publisher");
            if (runId == null || runId.isBlank()) {
                throw new IllegalArgumentException("runId must not be blank");
            }
            if (plannedSteps <= 0) {
                throw new IllegalArgumentException("plannedSteps must be positive, was " + plannedSteps);
            }
            this.runId = runId;
            this.plannedSteps = plannedSteps;
        }

        /** The study (sweep, zoo) the run belongs to; metadata {@code study}. */
        public Builder study(String study) {
            this.study = study;
            return this;
        }

        /** Hyperparameters for the {@code started} event. */
        public Builder hparams(Map<String, Object> hparams) {
            this.hparams = Map.copyOf(hparams);
            return this;
        }

        /** Per-epoch metrics (val_acc, ...) to send with each checkpoint. */
        public Builder metrics(EpochMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** Overrides the activation read from the hidden layers (metadata {@code activation}). */
        public Builder activation(String activation) {
            this.activation = activation;
            return this;
        }

        /** {@link #finish} throws if any publish failed (default: only logged and counted). */
        public Builder rethrowOnFinish() {
            this.rethrowOnFinish = true;
            return this;
        }

        /** How long {@link #finish} waits for outstanding acks (default 60 s). */
        public Builder ackTimeout(Duration ackTimeout) {
            this.ackTimeout = Objects.requireNonNull(ackTimeout, "ackTimeout");
            return this;
        }

        public WeightcastTrainingListener build() {
            return new WeightcastTrainingListener(this);
        }
    }
}
