package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Judges the dying-ReLU flag (issue 6 §5) per (run, epoch) checkpoint of ReLU runs against the zoo's
 * measured dead fractions: a checkpoint is truly positive when some layer has ≥ 50% of its units
 * dead on every test input ({@code dead_fraction/<layer>}). The scorer raises DYING_RELU from two signals:
 * the learned classifier (core {@link DyingReluModel}, which the trainer fits and publishes; here fitted
 * on the training runs by the same code) and the weight rule (DyingReluPolicy: the worst layer's
 * WEIGHT-criterion fraction reaches the threshold). Both, and their union, are judged, with the lead
 * time before a run collapses to a constant prediction.
 */
public final class DyingReluEval {
    /** The scorer's default threshold and the definition of "dying". */
    public static final double THRESHOLD = DyingReluModel.DEAD_FRACTION;

    /** A confusion matrix. */
    public record Confusion(long tp, long fp, long fn, long tn) {
        public double precision() {
            return tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
        }

        public double recall() {
            return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 || Double.isNaN(p) || Double.isNaN(r) ? Double.NaN : 2 * p * r / (p + r);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("precision", precision());
            m.put("recall", recall());
            m.put("f1", f1());
            m.put("confusion", Map.of("true_positive", tp, "false_positive", fp, "false_negative", fn, "true_negative", tn));
            m.put("checkpoints", tp + fp + fn + tn);
            return m;
        }
    }

    /**
     * Epochs between the flag's first firing and the run's first constant-prediction epoch
     * (positive: the flag came first), over the collapsed runs where it fired at all. A run constant
     * from its first checkpoint on ({@code collapsedAtFirstEpoch}) allows no positive lead.
     */
    public record Lead(double mean, double median, int collapsedRuns, int firedBeforeOrAt, int firedAfter, int neverFired,
                       int collapsedAtFirstEpoch) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mean", mean);
            m.put("median", median);
            m.put("collapsed_runs", collapsedRuns);
            m.put("fired_before_or_at_collapse", firedBeforeOrAt);
            m.put("fired_after_collapse", firedAfter);
            m.put("never_fired", neverFired);
            m.put("collapsed_at_first_epoch", collapsedAtFirstEpoch);
            return m;
        }
    }

    private DyingReluEval() {
    }

    /** The scorer's rule: the worst layer of health.dead_fractions (weight criterion) reaches the threshold. */
    public static boolean ruleFlag(EvalRun.Epoch e) {
        return worst(e.weightDead(), l -> true) >= THRESHOLD;
    }

    /** The rule on the layers the zoo measured (hidden conv layers): the output layer excluded. */
    static boolean hiddenLayerFlag(EvalRun.Epoch e) {
        return worst(e.weightDead(), l -> e.measuredDead().containsKey(l)) >= THRESHOLD;
    }

    public static boolean truth(EvalRun.Epoch e) {
        return worst(e.measuredDead(), l -> true) >= THRESHOLD;
    }

    private static double worst(Map<String, Double> fractions, Predicate<String> layer) {
        return fractions.entrySet().stream().filter(x -> layer.test(x.getKey()) && x.getValue() != null
                && Double.isFinite(x.getValue())).mapToDouble(Map.Entry::getValue).max().orElse(0.0);
    }

    public interface Flag {
        boolean fired(EvalRun run, int step);
    }

    public static Confusion confusion(List<EvalRun> runs, Flag flag) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (EvalRun run : runs) {
            for (EvalRun.Epoch e : run.epochs()) {
                boolean f = flag.fired(run, e.step());
                boolean t = truth(e);
                if (f && t) {
                    tp++;
                } else if (f) {
                    fp++;
                } else if (t) {
                    fn++;
                } else {
                    tn++;
                }
            }
        }
        return new Confusion(tp, fp, fn, tn);
    }

    public static Lead lead(List<EvalRun> runs, Flag flag) {
        List<Double> leads = new ArrayList<>();
        int collapsed = 0;
        int before = 0;
        int after = 0;
        int never = 0;
        int atFirst = 0;
        for (EvalRun run : runs) {
            int collapse = run.epochs().stream().filter(EvalRun.Epoch::constantPrediction).mapToInt(EvalRun.Epoch::step)
                    .findFirst().orElse(0);
            if (collapse == 0) {
                continue;
            }
            collapsed++;
            atFirst += collapse == run.epochs().get(0).step() ? 1 : 0;
            int fired = run.epochs().stream().mapToInt(EvalRun.Epoch::step).filter(s -> flag.fired(run, s))
                    .findFirst().orElse(0);
            if (fired == 0) {
                never++;
                continue;
            }
            if (fired <= collapse) {
                before++;
            } else {
                after++;
            }
            leads.add((double) (collapse - fired));
        }
        double[] l = leads.stream().mapToDouble(Double::doubleValue).toArray();
        return new Lead(l.length == 0 ? Double.NaN : Arrays.stream(l).average().orElseThrow(), median(l), collapsed,
                before, after, never, atFirst);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * Everything for the report. The headline ({@code precision}, {@code recall}, {@code lead_epochs})
     * judges what the scorer raises, DYING_RELU from either signal: the learned classifier (core's
     * {@link DyingReluModel}, fitted on the training runs' ReLU checkpoints exactly as the trainer fits
     * it, decided by {@link DyingReluModel#fires}) or the weight rule ({@link #ruleFlag}); both on the
     * held-out ReLU runs. {@code all} = every run (the weight rule is also judged on all ReLU runs).
     */
    public static Map<String, Object> evaluate(List<EvalRun> all, List<EvalRun> train, List<EvalRun> test, int threads,
                                               long seed) {
        List<EvalRun> relu = all.stream().filter(EvalRun::relu).toList();
        List<EvalRun> reluTrain = train.stream().filter(EvalRun::relu).toList();
        List<EvalRun> reluTest = test.stream().filter(EvalRun::relu).toList();
        Flag rule = (run, step) -> ruleFlag(run.epoch(step));
        Flag hidden = (run, step) -> hiddenLayerFlag(run.epoch(step));

        Map<String, Object> classifier = new LinkedHashMap<>();
        Flag learned = classifier(reluTrain, reluTest, threads, seed, classifier);
        Flag scorer = (run, step) -> learned.fired(run, step) || rule.fired(run, step);

        Map<String, Object> out = new LinkedHashMap<>();
        Confusion c = confusion(reluTest, scorer);
        Lead lead = lead(reluTest, scorer);
        out.putAll(c.toMap());
        out.put("lead_epochs", lead.mean());
        out.put("lead", lead.toMap());
        out.put("flag", "what the scorer raises as DYING_RELU: the learned classifier (core DyingReluModel, fitted on the "
                + "training runs' ReLU checkpoints as the trainer fits it, probability >= " + DyingReluModel.DECISION_PROBABILITY
                + ") OR the weight rule (worst layer's weight-criterion dead fraction >= " + THRESHOLD + "); judged on every "
                + "checkpoint of the held-out ReLU runs");
        out.put("truth", "some layer has >= 50% of its units dead on every test input (zoo's dead_fraction/<layer>, stripped "
                + "from the features)");
        out.put("relu_runs", reluTest.size());
        out.put("positive_checkpoints", c.tp() + c.fn());
        out.put("classifier", classifier);
        Map<String, Object> ruleOnTest = new LinkedHashMap<>(confusion(reluTest, rule).toMap());
        ruleOnTest.put("lead", lead(reluTest, rule).toMap());
        out.put("weight_rule", ruleOnTest);

        Map<String, Object> ruleAll = new LinkedHashMap<>(confusion(relu, rule).toMap());
        ruleAll.put("lead", lead(relu, rule).toMap());
        ruleAll.put("relu_runs", relu.size());
        ruleAll.put("rule", "worst layer's weight-criterion dead fraction (health.dead_fractions, reported fractions "
                + "stripped) >= " + THRESHOLD + ", as scorer/policy/DyingReluPolicy");
        out.put("weight_rule_all_relu_runs", ruleAll);
        Map<String, Object> hiddenOnly = new LinkedHashMap<>(confusion(relu, hidden).toMap());
        hiddenOnly.put("lead", lead(relu, hidden).toMap());
        out.put("rule_hidden_layers_only", hiddenOnly);
        return out;
    }

    /**
     * Fits the classifier on the training ReLU runs and judges it on the held-out ones (into {@code out});
     * when it cannot be fitted (one class), it never fires, as the scorer without a published classifier.
     */
    static Flag classifier(List<EvalRun> train, List<EvalRun> test, int threads, long seed, Map<String, Object> out) {
        Rows trainRows = Rows.of(train, LAYOUT_COLUMNS);
        boolean[] labels = labels(train, trainRows);
        int positives = 0;
        for (boolean b : labels) {
            positives += b ? 1 : 0;
        }
        out.put("model", "core DyingReluModel: LightGBM binary on the layout's weight features ("
                + DyingReluModel.featureNames().size() + "), " + DyingReluModel.ITERATIONS + " trees, the trainer's "
                + "parameters (not tuned), fires at probability >= " + DyingReluModel.DECISION_PROBABILITY);
        out.put("training_checkpoints", trainRows.rows());
        out.put("training_positives", positives);
        if (positives == 0 || positives == labels.length) {
            out.put("note", "not fitted: the training ReLU checkpoints hold only one class");
            return (run, step) -> false;
        }
        String text = DyingReluModel.fit(trainRows.matrix(), labels, threads, seed);
        ModelVersion version = ModelVersion.builder().name(DyingReluModel.NAME).version(0)
                .layoutVersion(FeatureLayout.VERSION).featureNames(DyingReluModel.featureNames()).modelText(text)
                .trainingRuns(train.size()).trainingRows(trainRows.rows()).build();
        Map<String, Map<Integer, Boolean>> fired = new LinkedHashMap<>();
        Rows testRows = Rows.of(test, LAYOUT_COLUMNS);
        try (DyingReluModel model = DyingReluModel.load(version)) {
            double[] p = model.probabilitiesOfLayoutRows(testRows.matrix(), testRows.rows());
            for (int i = 0; i < p.length; i++) {
                fired.computeIfAbsent(test.get(testRows.run()[i]).runId(), k -> new LinkedHashMap<>())
                        .put(testRows.epoch()[i], DyingReluModel.fires(p[i]));
            }
        }
        Flag flag = (run, step) -> fired.getOrDefault(run.runId(), Map.of()).getOrDefault(step, false);
        out.putAll(confusion(test, flag).toMap());
        out.put("lead", lead(test, flag).toMap());
        return flag;
    }

    /** Every column of {@link FeatureLayout}: what the live scorer gets. */
    private static final int[] LAYOUT_COLUMNS = java.util.stream.IntStream.range(0, FeatureLayout.size()).toArray();

    private static boolean[] labels(List<EvalRun> runs, Rows rows) {
        boolean[] y = new boolean[rows.rows()];
        for (int i = 0; i < y.length; i++) {
            y[i] = truth(runs.get(rows.run()[i]).epoch(rows.epoch()[i]));
        }
        return y;
    }
}
