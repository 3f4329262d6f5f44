package io.weightcast.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Judges the dying-ReLU flag (issue 6 §5) per (run, epoch) checkpoint of ReLU runs against the zoo's
 * measured dead fractions: a checkpoint is truly positive when some layer has ≥ 50% of its units
 * dead on every test input ({@code dead_fraction/<layer>}). The scorer's rule (DyingReluPolicy) flags
 * when the worst layer's WEIGHT-criterion fraction reaches the threshold. Also: a learned classifier
 * (LightGBM on the weight features, trained on training runs), and the lead time before a run
 * collapses to a constant prediction.
 */
public final class DyingReluEval {
    /** The scorer's default threshold and the definition of "dying". */
    public static final double THRESHOLD = 0.5;
    static final GbmParams CLASSIFIER = new GbmParams(15, 0.05, 20, 0.9, 0.0, 300);

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

    /** Everything for the report; {@code all} = every ReLU run, the learned classifier trains on train, is judged on test. */
    public static Map<String, Object> evaluate(List<EvalRun> all, List<EvalRun> train, List<EvalRun> test, int threads,
                                               long seed) {
        List<EvalRun> relu = all.stream().filter(EvalRun::relu).toList();
        List<EvalRun> reluTrain = train.stream().filter(EvalRun::relu).toList();
        List<EvalRun> reluTest = test.stream().filter(EvalRun::relu).toList();
        Flag rule = (run, step) -> ruleFlag(run.epoch(step));
        Flag hidden = (run, step) -> hiddenLayerFlag(run.epoch(step));

        Map<String, Object> out = new LinkedHashMap<>();
        Confusion c = confusion(relu, rule);
        Lead lead = lead(relu, rule);
        out.putAll(c.toMap());
        out.put("lead_epochs", lead.mean());
        out.put("lead", lead.toMap());
        out.put("rule", "worst layer's weight-criterion dead fraction (health.dead_fractions, reported fractions "
                + "stripped) >= " + THRESHOLD + ", as scorer/policy/DyingReluPolicy");
        out.put("truth", "some layer has >= 50% of its units dead on every test input (zoo's dead_fraction/<layer>)");
        out.put("relu_runs", relu.size());
        out.put("positive_checkpoints", c.tp() + c.fn());
        Map<String, Object> hiddenOnly = new LinkedHashMap<>(confusion(relu, hidden).toMap());
        hiddenOnly.put("lead", lead(relu, hidden).toMap());
        out.put("rule_hidden_layers_only", hiddenOnly);

        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("runs", reluTest.size());
        Map<String, Object> ruleOnTest = new LinkedHashMap<>(confusion(reluTest, rule).toMap());
        ruleOnTest.put("lead", lead(reluTest, rule).toMap());
        comparison.put("rule", ruleOnTest);
        Map<String, Object> learned = learned(reluTrain, reluTest, threads, seed);
        comparison.put("learned", learned);
        Object learnedF1 = learned.get("f1");
        double ruleF1 = confusion(reluTest, rule).f1();
        comparison.put("better", learnedF1 instanceof Double lf && Double.isFinite(lf) && (!Double.isFinite(ruleF1) || lf > ruleF1)
                ? "learned" : "rule");
        comparison.put("better_by", "F1 on the held-out ReLU runs' checkpoints");
        out.put("on_test_runs", comparison);
        return out;
    }

    private static Map<String, Object> learned(List<EvalRun> train, List<EvalRun> test, int threads, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        int[] cols = FeatureSet.WEIGHTS_ONLY.columns();
        Rows trainRows = Rows.of(train, cols);
        double[] labels = labels(train, trainRows);
        double positives = Arrays.stream(labels).sum();
        if (test.isEmpty() || positives == 0 || positives == labels.length) {
            out.put("note", "not fitted: the training ReLU checkpoints hold only one class (or no held-out ReLU run)");
            return out;
        }
        Rows testRows = Rows.of(test, cols);
        try (GbmModel model = GbmModel.fit(trainRows.withTargets(labels), CLASSIFIER, "binary", threads, seed)) {
            double[] p = model.predict(testRows);
            Map<String, Map<Integer, Boolean>> fired = new LinkedHashMap<>();
            for (int i = 0; i < p.length; i++) {
                fired.computeIfAbsent(test.get(testRows.run()[i]).runId(), k -> new LinkedHashMap<>())
                        .put(testRows.epoch()[i], p[i] >= 0.5);
            }
            Flag flag = (run, step) -> fired.get(run.runId()).get(step);
            out.putAll(confusion(test, flag).toMap());
            out.put("lead", lead(test, flag).toMap());
            out.put("model", "LightGBM binary on the weights_only features, probability >= 0.5; params "
                    + CLASSIFIER.toMap() + ", not tuned");
            out.put("training_checkpoints", trainRows.rows());
        }
        return out;
    }

    private static double[] labels(List<EvalRun> runs, Rows rows) {
        double[] y = new double[rows.rows()];
        for (int i = 0; i < y.length; i++) {
            y[i] = truth(runs.get(rows.run()[i]).epoch(rows.epoch()[i])) ? 1 : 0;
        }
        return y;
    }
}
