package io.weightcast.trainer;

import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.Json;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's encoder side (design §5 "Embeddings"): holds the zoo's weights, trains an encoder on
 * a background thread when the zoo grew enough ({@code trainer.encoder.min.runs}, then by the factor
 * {@code trainer.encoder.growth}), publishes it to the {@code encoders} topic, and embeds the zoo's
 * checkpoints with the current encoder so the accuracy fits can use z. Everything but the training
 * itself runs on the poll thread; the training thread gets its own encoder instance and hands it
 * over when done.
 *
 * <h2>The predictor goes first</h2>
 * The encoder is optional extra work; the accuracy model is what the scorer serves. So the poll
 * thread fits the predictor without ever waiting on the encoder (it only looks whether a training
 * is done), and the encoder yields to the predictor through the shared {@link PredictorFirst} flag:
 * <ul>
 * <li>no training STARTS while a predictor refit is due, being batched or running: after a start-up
 * replay (or a backlog) the first encoder trains only once the predictor has been fitted on the
 * caught-up zoo;</li>
 * <li>a training under way PAUSES before its next step (one batch) while the flag is up, and
 * resumes when the fit is done;</li>
 * <li>and whatever the predictor does, a training computes at most {@code trainer.encoder.cpu.share} of the
 * wall time ({@link DutyCycle}: after each step it rests in proportion), on a sample of at most
 * {@code trainer.encoder.max.train.checkpoints} checkpoints. A JVM thread priority would not do: Linux ignores it
 * unless the JVM runs as root with {@code -XX:ThreadPriorityPolicy=1}.</li>
 * </ul>
 * Its {@code train_seconds} and epoch times are wall times, pauses and rests included;
 * {@code weightcast_trainer_encoder_paused_seconds_total} counts the pauses for the predictor,
 * {@code weightcast_trainer_encoder_rested_seconds_total} the rests for the CPU budget
 * ({@code weightcast_trainer_encoder_training} is 1 while a training is under way).
 * The same check between steps stops a training when the trainer closes, so no training goes on
 * on its daemon thread after {@link #close()}.
 * Pausing rather than stopping and restarting keeps the epochs already trained; deferring alone
 * would not do, since the zoo keeps growing while an encoder trains and every refit beside it would
 * be slowed (docs/design-notes.md, "Trainer").
 */
final class EncoderCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EncoderCoordinator.class);

    private final EncoderSettings settings;
    private final CheckpointWeights weights;
    private final EncoderFitter fitter;
    private final ModelPublisher publisher;
    private final TrainerMetrics metrics;
    private final double holdoutFraction;
    private final PredictorFirst predictorFirst;
    private final ExecutorService trainingThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weightcast-encoder-training");
        t.setDaemon(true);
        return t;
    });

    private Future<EncoderFitter.EncoderFit> training;
    private DutyCycle trainingDuty;
    private int failedAtRuns = -1;
    private int trainingRuns;
    private int maxVersionSeen;
    private EncoderVersion current;
    private HyperRepresentation encoder; // current's graph, loaded; null until needed
    private final Map<String, Embedding> embeddings = new HashMap<>(); // "run\0step" → z of current

    EncoderCoordinator(EncoderSettings settings, double holdoutFraction, long seed, ModelPublisher publisher,
                       TrainerMetrics metrics, PredictorFirst predictorFirst) {
        this.predictorFirst = predictorFirst;
        this.settings = settings;
        this.weights = new CheckpointWeights(settings.maxParameters(), settings.maxCheckpoints());
        this.fitter = new EncoderFitter(settings, holdoutFraction, seed);
        this.publisher = publisher;
        this.metrics = metrics;
        this.holdoutFraction = holdoutFraction;
    }

    /** A record of the checkpoints topic. Throws for one that does not decode (the caller counts it). */
    void offerCheckpoint(byte[] value, String key) {
        CheckpointWeights.Skip skip = weights.offer(value, key);
        metrics.encoderCheckpoints.labelValues(skip == null ? "held" : skip.name().toLowerCase(Locale.ROOT)).inc();
        metrics.weightsHeld.set(weights.held());
    }

    /** A record of the encoders topic (replayed at start, or our own publication read back). */
    void adopt(EncoderVersion v) {
        maxVersionSeen = Math.max(maxVersionSeen, v.version());
        if (current == null || v.version() > current.version()) {
            current = v;
            encoder = null;
            embeddings.clear();
            metrics.encoderVersion.set(v.version());
            metrics.encoderReconstructionR2.set(v.reconstructionR2());
        }
    }

    /**
     * Publishes a finished training, or starts one when due.
     *
     * @return true when a new encoder became current (its z is new: the accuracy model should be refit)
     */
    boolean tick(List<String> zooRunIds) {
        if (training != null) {
            return training.isDone() && finishTraining(zooRunIds);
        }
        if (zooRunIds.size() < RunSplit.MIN_RUNS || predictorFirst.predictorBusy()) {
            return false;
        }
        String architecture = weights.dominantArchitecture(zooRunIds);
        if (architecture == null) {
            return false;
        }
        int runs = weights.runsWith(zooRunIds, architecture);
        if (runs < settings.minRuns() || runs == failedAtRuns || !grewEnough(runs, architecture)) {
            return false;
        }
        int version = maxVersionSeen + 1;
        LOG.info("training encoder v{} for {} on {} zoo runs' weights ({} epochs)", version, architecture, runs, settings.epochs());
        EncoderFitter.Job job = fitter.job(zooRunIds, architecture, weights, version);
        DutyCycle duty = DutyCycle.of(settings.cpuShare());
        trainingDuty = duty;
        training = trainingThread.submit(() -> fitter.fit(job, () -> beforeStep(duty)));
        trainingRuns = runs;
        metrics.encoderTraining.set(1);
        return false;
    }

    /**
     * Training thread, before every step: rest for the last step's share of the CPU budget
     * ({@code trainer.encoder.cpu.share}), wait while the predictor needs the CPU; stop when the trainer closes.
     */
    private void beforeStep(DutyCycle duty) {
        long t0;
        try {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long rested = duty.workDone();
            if (rested > 0) {
                metrics.encoderRestedSeconds.inc(rested / 1e9);
            }
            t0 = System.nanoTime();
            predictorFirst.awaitPredictorIdle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("encoder training stopped: the trainer is closing");
        }
        duty.workStarts();
        long waited = System.nanoTime() - t0;
        if (waited > 1_000_000L) {
            metrics.encoderPausedSeconds.inc(waited / 1e9);
            LOG.debug("encoder training paused {} s for a predictor refit", String.format("%.1f", waited / 1e9));
        }
    }

    private boolean grewEnough(int runs, String architecture) {
        if (current == null || !current.architecture().equals(architecture)) {
            return true;
        }
        double runsThen = current.trainingRuns() / (1 - holdoutFraction); // train side → whole zoo, approximately
        return runs >= settings.growth() * runsThen;
    }

    private boolean finishTraining(List<String> zooRunIds) {
        Future<EncoderFitter.EncoderFit> done = training;
        training = null;
        metrics.encoderTraining.set(0);
        try {
            EncoderFitter.EncoderFit fit = done.get();
            EncoderVersion v = fit.record();
            publisher.publish(EncoderVersion.KEY, Json.bytes(v), "encoder version " + v.version());
            maxVersionSeen = Math.max(maxVersionSeen, v.version());
            adopt(v);
            encoder = fit.encoder();
            metrics.encoderTrainings.labelValues(TrainerMetrics.PUBLISHED).inc();
            metrics.encoderTrainSeconds.set(v.trainSeconds());
            LOG.info("published encoder v{}: {} training checkpoints of {} runs, {} epochs in {} s (rested {} s for its CPU share"
                            + " {}), final loss {}, held-out reconstruction R² {}", v.version(), v.trainingCheckpoints(), v.trainingRuns(),
                    v.epochs(), String.format("%.1f", v.trainSeconds()), String.format("%.1f", trainingDuty.restedNanos() / 1e9),
                    settings.cpuShare(), String.format("%.4f", v.finalLoss()), String.format("%.4f", v.reconstructionR2()));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TransactionalPublisher.LeadershipLostException e) {
            LOG.warn("encoder not published: {}", e.getMessage()); // fenced: the trainer steps down
            return false;
        } catch (Exception e) {
            failedAtRuns = trainingRuns;
            metrics.encoderTrainings.labelValues(TrainerMetrics.FAILED).inc();
            LOG.error("encoder training on {} runs failed (retried when the zoo grows): {}", trainingRuns, e.toString(), e);
            return false;
        }
    }

    /**
     * z of every held zoo checkpoint under the current encoder (computed once per version), or null
     * when there is no encoder or none of the zoo's weights are of its architecture.
     */
    FeatureColumns.EmbeddingLookup embeddings(List<ZooRun> zoo) {
        if (current == null) {
            return null;
        }
        List<String> keys = new ArrayList<>();
        List<WeightTokens> todo = new ArrayList<>();
        for (ZooRun run : zoo) {
            for (ZooRun.Checkpoint c : run.checkpoints()) {
                String key = key(run.runId(), c.step());
                WeightTokens t = weights.get(run.runId(), c.step());
                if (t != null && !embeddings.containsKey(key) && t.signature().key().equals(current.architecture())) {
                    keys.add(key);
                    todo.add(t);
                }
            }
        }
        if (!todo.isEmpty()) {
            if (encoder == null) {
                encoder = HyperRepresentation.fromBytes(current.encoderBytes(), todo.get(0).signature());
            }
            float[][] z = encoder.embed(todo);
            for (int i = 0; i < z.length; i++) {
                embeddings.put(keys.get(i), new Embedding(current.version(), z[i]));
            }
        }
        return embeddings.isEmpty() ? null : (run, step) -> embeddings.get(key(run, step));
    }

    EncoderVersion current() {
        return current;
    }

    private static String key(String run, long step) {
        return run + '\u0000' + step;
    }

    @Override
    public void close() {
        trainingThread.shutdownNow();
        try {
            trainingThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
