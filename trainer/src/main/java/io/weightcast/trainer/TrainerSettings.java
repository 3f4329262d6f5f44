package io.weightcast.trainer;

import io.weightcast.core.config.Settings;

/**
 * The trainer's settings, read once from {@link Settings} and validated up front so a bad value
 * fails {@code start()} with the key's name rather than a fit later.
 *
 * <table>
 * <caption>keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code trainer.refit.every}</td><td>5</td><td>refit after this many newly finished zoo runs since the last fit</td></tr>
 * <tr><td>{@code trainer.refit.max.delay.ms}</td><td>30000</td><td>a due refit first reads what is waiting on
 * {@code features} and {@code runs} and fits once on all of it; it waits at most this long for that lag to reach zero
 * (a topic that never goes quiet still gets fits); 0 fits at once on what has been read (see {@link RefitBatcher})</td></tr>
 * <tr><td>{@code trainer.min.runs}</td><td>10</td><td>no model before this many zoo runs (≥ 3: 2 holdout + 1 train)</td></tr>
 * <tr><td>{@code trainer.holdout.fraction}</td><td>0.25</td><td>share of runs held out (by run, never by row)</td></tr>
 * <tr><td>{@code trainer.seed}</td><td>42</td><td>seeds the run split and LightGBM's bagging</td></tr>
 * <tr><td>{@code trainer.num.threads}</td><td>1</td><td>LightGBM threads (1 was fastest on 2 busy cores)</td></tr>
 * <tr><td>{@code trainer.num.iterations}</td><td>200</td><td>boosting rounds</td></tr>
 * <tr><td>{@code trainer.ablation.spectra}</td><td>true</td><td>at each fit, also fit without the spectral
 * features on the same split and publish both holdout metrics (what the spectra are worth)</td></tr>
 * <tr><td>{@code trainer.conformal.folds}</td><td>5</td><td>the training runs' out-of-fold residuals from this many
 * folds calibrate the intervals beside the held-out runs' (cross-conformal: every zoo run calibrates; that many extra
 * fits); 0 or 1: the held-out runs alone (split-conformal)</td></tr>
 * <tr><td>{@code trainer.publish.tolerance}</td><td>0.0</td><td>publish a candidate unless its R² on its held-out
 * runs is below the current version's R² on those same runs by more than this (see {@link PublishGate})</td></tr>
 * <tr><td>{@code trainer.host}</td><td>127.0.0.1</td><td>bind host of /metrics, /health, /ready</td></tr>
 * <tr><td>{@code trainer.port}</td><td>8083</td><td>their port; 0 picks a free one</td></tr>
 * </table>
 */
public record TrainerSettings(
        int refitEvery, long refitMaxDelayMs, int minRuns, double holdoutFraction, int seed, int numThreads, int numIterations,
        double publishTolerance, String host, int port, boolean ablateSpectra, int conformalFolds) {

    public static final String REFIT_EVERY = "trainer.refit.every";
    public static final String REFIT_MAX_DELAY_MS = "trainer.refit.max.delay.ms";
    public static final String MIN_RUNS = "trainer.min.runs";
    public static final String HOLDOUT_FRACTION = "trainer.holdout.fraction";
    public static final String SEED = "trainer.seed";
    public static final String NUM_THREADS = "trainer.num.threads";
    public static final String NUM_ITERATIONS = "trainer.num.iterations";
    public static final String PUBLISH_TOLERANCE = "trainer.publish.tolerance";
    public static final String ABLATION_SPECTRA = "trainer.ablation.spectra";
    public static final String CONFORMAL_FOLDS = "trainer.conformal.folds";
    public static final String HOST = "trainer.host";
    public static final String PORT = "trainer.port";

    public TrainerSettings {
        require(refitEvery >= 1, REFIT_EVERY + " must be >= 1, was " + refitEvery);
        require(refitMaxDelayMs >= 0 && refitMaxDelayMs <= 3_600_000L,
                REFIT_MAX_DELAY_MS + " must be in 0..3600000 (one hour), was " + refitMaxDelayMs);
        require(minRuns >= RunSplit.MIN_RUNS, MIN_RUNS + " must be >= " + RunSplit.MIN_RUNS + ", was " + minRuns);
        require(holdoutFraction > 0 && holdoutFraction < 1, HOLDOUT_FRACTION + " must be in (0, 1), was " + holdoutFraction);
        require(numThreads >= 1, NUM_THREADS + " must be >= 1, was " + numThreads);
        require(numIterations >= 1, NUM_ITERATIONS + " must be >= 1, was " + numIterations);
        require(publishTolerance >= 0 && publishTolerance < Double.POSITIVE_INFINITY,
                PUBLISH_TOLERANCE + " must be finite and >= 0, was " + publishTolerance);
        require(port >= 0 && port <= 65535, PORT + " must be in 0..65535, was " + port);
        require(conformalFolds >= 0 && conformalFolds <= 100, CONFORMAL_FOLDS + " must be in 0..100, was " + conformalFolds);
    }

    public static TrainerSettings from(Settings s) {
        return new TrainerSettings(
                s.getInt(REFIT_EVERY, 5),
                s.getLong(REFIT_MAX_DELAY_MS, 30_000L),
                s.getInt(MIN_RUNS, 10),
                s.getDouble(HOLDOUT_FRACTION, 0.25),
                s.getInt(SEED, 42),
                s.getInt(NUM_THREADS, 1),
                s.getInt(NUM_ITERATIONS, 200),
                s.getDouble(PUBLISH_TOLERANCE, 0.0),
                s.get(HOST, "127.0.0.1"),
                s.getInt(PORT, 8083),
                s.getBoolean(ABLATION_SPECTRA, true),
                s.getInt(CONFORMAL_FOLDS, FitParams.DEFAULT_CONFORMAL_FOLDS));
    }

    public FitParams fitParams() {
        return new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds);
    }

    RefitBatcher refitBatcher() {
        return new RefitBatcher(refitMaxDelayMs);
    }

    PublishGate publishGate() {
        return new PublishGate(publishTolerance);
    }

    public RefitPolicy refitPolicy() {
        return new RefitPolicy(minRuns, refitEvery);
    }

    private static void require(boolean ok, String reason) {
        if (!ok) {
            throw new IllegalArgumentException(reason);
        }
    }
}
