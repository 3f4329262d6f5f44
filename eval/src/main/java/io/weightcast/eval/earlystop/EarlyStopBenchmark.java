package io.weightcast.eval.earlystop;

import io.weightcast.core.model.Conformal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The early-stopping comparison (issue 6 §4) on the held-out runs: Weightcast's policy and a
 * learning-curve-only rule replayed here, each over a sweep of its settings, plus Optuna's pruners
 * replayed in Python on the same curves and orders; every setting scored by {@link EarlyStopOutcome}.
 */
public final class EarlyStopBenchmark {
    /**
     * Weightcast's early-stop rule as the scorer runs it by default ({@code scorer.early.stop.rule=top_run}): the
     * top-run classifier (core TopRunModel) against per-stage thresholds.
     */
    public static final String WEIGHTCAST = "weightcast";
    /** The scorer's other rule ({@code interval}, and its fallback for a model without a top-run rule): the interval's upper end against the study reference. */
    public static final String INTERVAL = "weightcast_interval";
    public static final String CURVE_ONLY = "curve_only";
    /** Finished runs in an order before the reference comes from them instead of the training runs. */
    public static final int MIN_FINISHED = 10;
    /** Interval levels swept; the low ones (an upper end near the point prediction) trace the aggressive end of the curve. */
    public static final double[] LEVELS = {0.1, 0.25, 0.5, 0.8, 0.9, 0.95, 0.99};
    static final double[] PERCENTILES = {0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.98};
    static final int[] CONSECUTIVE = {1, 2, 3};
    /** First epoch the Weightcast rule judges (the scorer's scorer.early.stop.min.step.fraction = (from - 1) / epochs). */
    static final int[] FROM = {1, 2, 3};
    static final double[] CURVE_PERCENTILES = {0.25, 0.5, 0.75, 0.9, 0.95};
    static final int[] CURVE_FROM = {1, 3};

    public static final String BEST_RULE = "the most compute saved among the settings that keep every top-5% run "
            + "(hence the top-1) in every order, ties to the lower regret; when no setting does, the highest mean "
            + "top-5% share, ties to the most saved";

    /** One setting's outcome. */
    public record Scored(String policy, Map<String, Object> params, EarlyStopOutcome outcome) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>(outcome.toMap());
            m.put("params", params);
            return m;
        }
    }

    private EarlyStopBenchmark() {
    }

    /** The best setting of a sweep by {@link #BEST_RULE}. */
    public static Scored best(List<Scored> sweep) {
        List<Scored> safe = sweep.stream().filter(s -> s.outcome().keepsAllTop()).toList();
        if (!safe.isEmpty()) {
            return safe.stream().max(Comparator.comparingDouble((Scored s) -> s.outcome().computeSaved())
                    .thenComparing(s -> -s.outcome().regret())).orElseThrow();
        }
        return sweep.stream().max(Comparator.comparingDouble((Scored s) -> s.outcome().top5Kept())
                .thenComparingDouble(s -> s.outcome().computeSaved())).orElseThrow();
    }

    /**
     * Weightcast's policy (design §6): stop when the upper end of the run's interval is below the
     * reference (a percentile of finished runs' final accuracy) on k consecutive checkpoints.
     *
     * @param pred           [run][epoch-1] predicted final accuracy of the held-out runs
     * @param halfWidth      level → per epoch the conformal half-width
     * @param finals         the held-out runs' final accuracy (what a finished run reports)
     * @param trainingFinals the training runs' final accuracy (the reference before enough finished)
     */
    public static List<Scored> intervalSweep(double[][] pred, Map<Double, double[]> halfWidth, double[] finals,
                                               double[] trainingFinals, List<int[]> orders) {
        int epochs = pred[0].length;
        double[][] finished = new double[finals.length][epochs];
        for (int r = 0; r < finals.length; r++) {
            java.util.Arrays.fill(finished[r], finals[r]);
        }
        double[][] training = new double[epochs][];
        for (int e = 0; e < epochs; e++) {
            training[e] = trainingFinals;
        }
        List<Scored> out = new ArrayList<>();
        for (double level : LEVELS) {
            double[] q = halfWidth.get(level);
            double[][] upper = new double[pred.length][epochs];
            for (int r = 0; r < pred.length; r++) {
                for (int e = 0; e < epochs; e++) {
                    upper[r][e] = Conformal.upper(pred[r][e], q[e]);
                }
            }
            for (double pct : PERCENTILES) {
                for (int k : CONSECUTIVE) {
                    for (int from : FROM) {
                        ReferenceStopRule rule = new ReferenceStopRule(upper, finished, training, pct, k, from, MIN_FINISHED);
                        Map<String, Object> params = new LinkedHashMap<>();
                        params.put("interval_level", level);
                        params.put("reference_percentile", pct);
                        params.put("consecutive", k);
                        params.put("from_epoch", from);
                        out.add(new Scored(INTERVAL, params, score(rule, finals, epochs, orders)));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The learning-curve-only rule: stop when val_acc at epoch e is below the percentile of the
     * finished runs' val_acc at e on k consecutive epochs, from epoch {@code from} on.
     *
     * @param valAcc         [run][epoch-1] of the held-out runs
     * @param trainingValAcc [run][epoch-1] of the training runs
     */
    public static List<Scored> curveSweep(double[][] valAcc, double[][] trainingValAcc, double[] finals, List<int[]> orders) {
        int epochs = valAcc[0].length;
        double[][] training = new double[epochs][trainingValAcc.length];
        for (int r = 0; r < trainingValAcc.length; r++) {
            for (int e = 0; e < epochs; e++) {
                training[e][r] = trainingValAcc[r][e];
            }
        }
        List<Scored> out = new ArrayList<>();
        for (double pct : CURVE_PERCENTILES) {
            for (int k : CONSECUTIVE) {
                for (int from : CURVE_FROM) {
                    ReferenceStopRule rule = new ReferenceStopRule(valAcc, valAcc, training, pct, k, from, MIN_FINISHED);
                    Map<String, Object> params = new LinkedHashMap<>();
                    params.put("percentile", pct);
                    params.put("consecutive", k);
                    params.put("from_epoch", from);
                    out.add(new Scored(CURVE_ONLY, params, score(rule, finals, epochs, orders)));
                }
            }
        }
        return out;
    }

    /** The setting of {@code sweep} with exactly these parameters. */
    public static Scored withParams(List<Scored> sweep, Map<String, Object> params) {
        return sweep.stream().filter(s -> s.params().equals(params)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no setting " + params));
    }

    /** The best setting by {@link #BEST_RULE} among those whose parameters include {@code fixed}. */
    public static Scored bestWith(List<Scored> sweep, Map<String, Object> fixed) {
        return best(sweep.stream().filter(s -> s.params().entrySet().containsAll(fixed.entrySet())).toList());
    }

    /** Optuna's settings, grouped by pruner. */
    public static Map<String, List<Scored>> optuna(OptunaReplay.Result replay, double[] finals, int epochs) {
        Map<String, List<Scored>> out = new LinkedHashMap<>();
        for (OptunaReplay.Setting s : replay.settings()) {
            out.computeIfAbsent(s.policy(), k -> new ArrayList<>())
                    .add(new Scored(s.policy(), s.params(), EarlyStopOutcome.of(finals, epochs, s.stopEpochs())));
        }
        return out;
    }

    /**
     * Share of {@code others} that some setting of {@code frontier} dominates: saves at least as much
     * and keeps at least as large a share of the top-5% runs, on average and in the worst order.
     */
    public static double dominated(List<Scored> frontier, List<Scored> others) {
        if (others.isEmpty()) {
            return Double.NaN;
        }
        long n = others.stream().filter(s -> frontier.stream().anyMatch(w -> w.outcome().computeSaved() >= s.outcome().computeSaved()
                && w.outcome().top5Kept() >= s.outcome().top5Kept() && w.outcome().top5KeptMin() >= s.outcome().top5KeptMin()))
                .count();
        return (double) n / others.size();
    }

    private static EarlyStopOutcome score(ReferenceStopRule rule, double[] finals, int epochs, List<int[]> orders) {
        List<int[]> stops = new ArrayList<>();
        for (int[] order : orders) {
            stops.add(rule.replay(order));
        }
        return EarlyStopOutcome.of(finals, epochs, stops);
    }
}
