package io.weightcast.trainer;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.ServiceAcls;

/**
 * The trainer's settings, each key declared once below (type, default, rule, doc: the README's generated
 * reference lists them), read once from {@link Settings} so a bad value fails {@code start()} with the key's name
 * rather than a fit later.
 */
public record TrainerSettings(
        int refitEvery, long refitMaxDelayMs, int minRuns, double holdoutFraction, int seed, int numThreads, int numIterations,
        double publishTolerance, String host, int port, boolean ablateSpectra, int conformalFolds, boolean serveAllRuns,
        double guardLevel, boolean chooseStopRule, int zooMaxRuns, int unfinishedMaxRuns, String guard, int consecutive) {

    public static final Key<Integer> REFIT_EVERY = Key.integer("trainer.refit.every", 5,
            "refit after this many newly finished zoo runs since the last fit").rule("≥ 1", n -> n >= 1);
    public static final Key<Long> REFIT_MAX_DELAY_MS = Key.longInteger("trainer.refit.max.delay.ms", 30_000L,
            "a due refit first reads what waits on `features` and `runs` and fits once on all of it (a backlog is one fit, "
                    + "not one per poll batch); it waits at most this long for that lag to clear; 0 fits at once")
            .rule("in 0..3600000 (one hour)", ms -> ms >= 0 && ms <= 3_600_000L);
    public static final Key<Integer> MIN_RUNS = Key.integer("trainer.min.runs", 10,
            "no model before this many finished zoo runs").rule("≥ " + RunSplit.MIN_RUNS + " (2 held out + 1 to train)",
            n -> n >= RunSplit.MIN_RUNS);
    public static final Key<Double> HOLDOUT_FRACTION = Key.number("trainer.holdout.fraction", 0.25,
            "share of runs held out to judge a fit (by run, never by row)").rule("in (0, 1)", f -> f > 0 && f < 1);
    public static final Key<Integer> SEED = Key.integer("trainer.seed", 42, "seeds the run split and LightGBM's bagging");
    public static final Key<Integer> NUM_THREADS = Key.integer("trainer.num.threads", 1,
            "LightGBM threads (1 was fastest on 2 busy cores)").rule("≥ 1", n -> n >= 1);
    public static final Key<Integer> NUM_ITERATIONS = Key.integer("trainer.num.iterations", 200, "boosting rounds")
            .rule("≥ 1", n -> n >= 1);
    public static final Key<Double> PUBLISH_TOLERANCE = Key.number("trainer.publish.tolerance", 0.0,
            "publish a candidate unless its R² on its held-out runs is below the current version's R² on those same runs "
                    + "by more than this (PublishGate)").rule("≥ 0", t -> t >= 0);
    public static final Key<Boolean> ABLATION_SPECTRA = Key.bool("trainer.ablation.spectra", true,
            "each fit is repeated without the spectral features on the same held-out runs; both R² are published "
                    + "(`ablations` in the model, `weightcast_trainer_holdout_r2_without`)");
    public static final Key<Integer> CONFORMAL_FOLDS = Key.integer("trainer.conformal.folds", FitParams.DEFAULT_CONFORMAL_FOLDS,
            "the intervals are calibrated on the held-out runs' residuals plus the training runs' out-of-fold residuals "
                    + "from this many folds (cross-conformal; that many extra fits); 0 or 1: the held-out runs alone")
            .rule("in 0..100", n -> n >= 0 && n <= 100);
    public static final Key<Boolean> SERVE_ALL_RUNS = Key.bool("trainer.serve.all.runs", true,
            "the published regressor is fitted again on every zoo run, the held-out ones included (the held-out quarter is "
                    + "a quarter of a small zoo); its held-out metrics, intervals and early-stop rule stay the split fit's, and "
                    + "the next candidate is compared with that split fit. false: serve the split fit itself");
    public static final Key<Boolean> EARLY_STOP_CHOOSE = Key.bool("trainer.early.stop.choose", true,
            "each fit whose calibration holds at least 20 top-5% runs chooses its early-stop rule's share, guard and "
                    + "stages in a row (1 or 2) on the zoo it has: the candidate that saved the most epochs without stopping a "
                    + "top-5% run when replayed on halvings of the runs the fit's models never saw (core StopRuleSelection); a "
                    + "smaller zoo gets the fixed rule. false: always the fixed rule, share 0.25 with `trainer.early.stop.guard` at "
                    + "`trainer.early.stop.guard.level`, `trainer.early.stop.consecutive` in a row");
    public static final Key<Double> EARLY_STOP_GUARD_LEVEL = Key.number("trainer.early.stop.guard.level",
            io.weightcast.core.model.TopRunModel.GUARD_LEVEL,
            "the fixed early-stop rule's guard level: a checkpoint counts against its run only where `trainer.early.stop.guard` "
                    + "at this level is below its study's 90th-percentile final accuracy too, not on the top-run classifier alone "
                    + "(a late bloomer the classifier rates low early is kept); 0: the classifier alone")
            .rule("0, 0.8, 0.9 or 0.95 (an interval level the model carries)", l -> l == 0 || l == 0.8 || l == 0.9 || l == 0.95);
    /** {@link #EARLY_STOP_GUARD}'s values. */
    public static final String GUARD_TOP_RUNS = "top_runs";
    public static final String GUARD_INTERVAL = "interval";
    public static final Key<String> EARLY_STOP_GUARD = Key.text("trainer.early.stop.guard",
            io.weightcast.core.model.TopRunModel.GUARD_ON_TOP_RUNS ? GUARD_TOP_RUNS : GUARD_INTERVAL,
            "the fixed early-stop rule's guard (a zoo too small to choose, or `trainer.early.stop.choose=false`): "
                    + "`top_runs`: a checkpoint counts against its run only if its predicted final accuracy is further below its "
                    + "study's 90th percentile than all but 1 − `trainer.early.stop.guard.level` of the runs that finished there were "
                    + "predicted at that stage (a one-sided conformal test on top runs, core TopRunRule guard_margins); `interval`: "
                    + "only if the upper end of its interval at that level is below that percentile")
            .rule(GUARD_TOP_RUNS + " or " + GUARD_INTERVAL, g -> g.equals(GUARD_TOP_RUNS) || g.equals(GUARD_INTERVAL));
    public static final Key<Integer> EARLY_STOP_CONSECUTIVE = Key.integer("trainer.early.stop.consecutive",
            io.weightcast.core.model.TopRunModel.CONSECUTIVE,
            "the fixed early-stop rule stops a run after this many stages of training in a row counted against it (a late "
                    + "bloomer rises between them; a stage is 1/B of the planned steps, B the history's checkpoints per run, so "
                    + "more checkpoints of one stage count once); a chosen rule chooses 1 or 2").rule("in 1..5", n -> n >= 1 && n <= 5);
    public static final Key<Integer> ZOO_MAX_RUNS = Key.integer("trainer.zoo.max.runs", ZooState.DEFAULT_MAX_MEMBERS,
            "finished runs the zoo keeps (in memory, fitted on); past it the least recently updated one goes, so fits learn "
                    + "from the newest runs").rule("≥ " + RunSplit.MIN_RUNS, n -> n >= RunSplit.MIN_RUNS);
    public static final Key<Integer> UNFINISHED_MAX_RUNS = Key.integer("trainer.unfinished.max.runs", ZooState.DEFAULT_MAX_UNFINISHED,
            "runs not finished yet whose feature vectors the trainer holds; past it the least recently updated one is let go "
                    + "(a crashed run never finishes)").rule("≥ 1", n -> n >= 1);
    public static final Key<String> HOST = Key.text("trainer.host", "127.0.0.1", "bind host of the trainer's /metrics, /health, /ready");
    public static final Key<Integer> PORT = Key.integer("trainer.port", 8083, "their port; 0 picks a free one")
            .rule("in 0..65535", p -> p >= 0 && p <= 65535);

    public static final Key<String> TRANSACTIONAL_ID = Key.text("trainer.transactional.id", null,
            "the Kafka transactional id every model and encoder version is published under: a trainer replica that starts "
                    + "with it fences the one before (that one stops publishing and turns not ready, "
                    + "`weightcast_trainer_leader` 0). One per deployment; its principal needs TransactionalId Write, Describe "
                    + "on it (core ServiceAcls grants the default)").shownAs("<topic.prefix>trainer");

    /** The trainer's keys, the encoder's included, for the reference and the unknown-key report. */
    public static final KeyGroup GROUP = new KeyGroup("trainer", "Refits the predictors as runs finish (TrainerService).",
            java.util.stream.Stream.concat(java.util.stream.Stream.of(REFIT_EVERY, REFIT_MAX_DELAY_MS, MIN_RUNS, HOLDOUT_FRACTION,
                    SEED, NUM_THREADS, NUM_ITERATIONS, PUBLISH_TOLERANCE, ABLATION_SPECTRA, CONFORMAL_FOLDS, SERVE_ALL_RUNS,
                    EARLY_STOP_CHOOSE, EARLY_STOP_GUARD, EARLY_STOP_GUARD_LEVEL, EARLY_STOP_CONSECUTIVE, ZOO_MAX_RUNS, UNFINISHED_MAX_RUNS, HOST, PORT, TRANSACTIONAL_ID),
                    EncoderSettings.KEYS.stream()).toList(), java.util.List.of());

    public TrainerSettings {
        // the keys' rules, for values built in code too
        REFIT_EVERY.checked(refitEvery);
        REFIT_MAX_DELAY_MS.checked(refitMaxDelayMs);
        MIN_RUNS.checked(minRuns);
        HOLDOUT_FRACTION.checked(holdoutFraction);
        NUM_THREADS.checked(numThreads);
        NUM_ITERATIONS.checked(numIterations);
        PUBLISH_TOLERANCE.checked(publishTolerance);
        PORT.checked(port);
        CONFORMAL_FOLDS.checked(conformalFolds);
        EARLY_STOP_GUARD_LEVEL.checked(guardLevel);
        EARLY_STOP_GUARD.checked(guard);
        EARLY_STOP_CONSECUTIVE.checked(consecutive);
        ZOO_MAX_RUNS.checked(zooMaxRuns);
        UNFINISHED_MAX_RUNS.checked(unfinishedMaxRuns);
    }

    public static TrainerSettings from(Settings s) {
        return new TrainerSettings(s.get(REFIT_EVERY), s.get(REFIT_MAX_DELAY_MS), s.get(MIN_RUNS), s.get(HOLDOUT_FRACTION),
                s.get(SEED), s.get(NUM_THREADS), s.get(NUM_ITERATIONS), s.get(PUBLISH_TOLERANCE), s.get(HOST), s.get(PORT),
                s.get(ABLATION_SPECTRA), s.get(CONFORMAL_FOLDS), s.get(SERVE_ALL_RUNS), s.get(EARLY_STOP_GUARD_LEVEL),
                s.get(EARLY_STOP_CHOOSE), s.get(ZOO_MAX_RUNS), s.get(UNFINISHED_MAX_RUNS), s.get(EARLY_STOP_GUARD),
                s.get(EARLY_STOP_CONSECUTIVE));
    }

    /** {@link #TRANSACTIONAL_ID}, or the deployment's default ({@code <topic.prefix>trainer}). */
    static String transactionalId(Settings s) {
        String id = s.get(TRANSACTIONAL_ID);
        return id == null || id.isBlank() ? ServiceAcls.trainerTransactionalId(s.topics()) : id;
    }

    public FitParams fitParams() {
        FitParams p = new FitParams(holdoutFraction, seed, numThreads, numIterations, ablateSpectra, conformalFolds, guardLevel)
                .withGuardOnTopRuns(GUARD_TOP_RUNS.equals(guard)).withConsecutive(consecutive);
        return chooseStopRule ? p : p.withStopShares(java.util.List.of(io.weightcast.core.model.TopRunModel.ALPHA));
    }

    /** Runs the zoo holds at most, finished and unfinished: what the dying-ReLU labels are bounded by too. */
    int maxRunsHeld() {
        return zooMaxRuns + unfinishedMaxRuns;
    }

    /** The zoo, bounded by these settings. */
    ZooState zoo() {
        return new ZooState(zooMaxRuns, unfinishedMaxRuns);
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
}
