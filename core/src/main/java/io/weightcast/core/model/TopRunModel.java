package io.weightcast.core.model;

import io.weightcast.core.records.TopRunRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Fits, calibrates and applies a {@link TopRunRule}, Weightcast's default early-stop rule (issue 6 §4;
 * the scorer's {@code scorer.early.stop.rule=top_run}, the interval rule where a model has none). The
 * trainer and the benchmark use this code; the scorer asks {@link #below}.
 *
 * <p>The question it answers is the one early stopping asks, "can this run still finish near the
 * top?", with a classifier trained on exactly that, and per stage of training thresholds from how low
 * runs that did finish near the top were scored there (on runs the classifier was not fitted on),
 * instead of one interval width for all runs. Its labels are soft ({@link #softLabels}): whether a run
 * one test image from the cut is "near the top" is the test split's draw, not the run's. On the 3,000-run
 * digits zoo (899 held-out runs) the setting chosen by cross-validation on the training runs saved 0.79–0.83
 * of the epochs on five splits keeping every top-5% run and the top-1 (hard labels: 0.77–0.84, one split
 * losing a top run); the best Optuna pruner at its best held-out setting saves 0.50. eval/results/predict.md (and predict-seed2.json)
 * have the current numbers.
 */
public final class TopRunModel implements AutoCloseable {
    /**
     * Defaults: the setting the benchmark's repeated cross-validation over the training runs chose most often on
     * five splits of the 3,000-run zoo (3 of 5; the others chose (0.9, 0.02) and (0.8, 0.3)), eval/results/predict.json
     * {@code top_run_chosen_by_cv}.
     */
    public static final double LABEL_PERCENTILE = 0.9;
    public static final double REFERENCE_PERCENTILE = 0.8;
    public static final double ALPHA = 0.25;
    /** The percentile of its study a run must finish at or above to be a top run the rule must keep ({@link StopRuleSelection}). */
    public static final double TOP_PERCENTILE = 0.95;
    /**
     * Checkpoints in a row a run must be counted against before the fixed rule stops it. One stopped 7 of 50 top-5% runs
     * on a zoo made by other code (late bloomers, e.g. validation accuracy 0.37 after epoch 1 of 18, final 0.989: below
     * every top run at epoch 1, no longer at epoch 2); two stopped none there, saving 0.46 instead of 0.53, and 0.71–0.73
     * instead of 0.76 on our digits zoo at H = 200 (eval/results/early-stop-replay*.md).
     */
    public static final int CONSECUTIVE = 2;
    /**
     * The level of the regressor's interval that must end below the label cut too ({@code TopRunRule#guardLevel}).
     */
    public static final double GUARD_LEVEL = 0.8;
    /** Whether the fixed rule's guard margins are calibrated on top runs ({@code TopRunRule#guardMargins}). */
    public static final boolean GUARD_ON_TOP_RUNS = false;
    /** Fewer calibration runs at or above the reference than this give no rule (too few to bound anything). */
    public static final int MIN_CALIBRATION_RUNS = 5;
    /**
     * Width of the soft labels in test-set standard errors at the label cut. On five splits of the benchmark zoo
     * (eval/results/label-softness.json, eval's LabelSoftnessStudy) the setting chosen by cross-validation saved,
     * on the held-out runs, 0.79–0.83 of the epochs at 1.5 (mean 0.814) and 0.80–0.83 at 1 (0.813), keeping every
     * top-5% run; hard labels 0.77–0.84 (0.793) losing a top run on one split, and 2 lost one on another.
     */
    public static final double LABEL_SOFTNESS = 1.5;
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private final TopRunRule rule;
    private final BinaryClassifier classifier;

    private TopRunModel(TopRunRule rule, BinaryClassifier classifier) {
        this.rule = rule;
        this.classifier = classifier;
    }

    /**
     * Row labels: the probability that the row's run finished at or above {@code cut} (its study's label
     * percentile) once the test-set noise of its final accuracy is allowed for, Φ((final − cut) / σ) with
     * σ = {@link #LABEL_SOFTNESS} test-set standard errors at the cut ({@link #labelSigma}); 1 or 0 where σ is
     * 0 or unknown. A run one test image below the cut is then not taught as a sure "no": on the benchmark zoo
     * hard labels made the classifier rank such near-top runs low early, and the chosen setting saved less.
     *
     * @param rowSigmas per row σ, or null for hard labels
     */
    public static double[] softLabels(double[] rowTargets, double[] rowCuts, double[] rowSigmas) {
        double[] y = new double[rowTargets.length];
        for (int i = 0; i < y.length; i++) {
            double sigma = rowSigmas == null ? Double.NaN : rowSigmas[i];
            y[i] = sigma > 0 ? STANDARD_NORMAL.cumulativeProbability((rowTargets[i] - rowCuts[i]) / sigma)
                    : rowTargets[i] >= rowCuts[i] ? 1 : 0;
        }
        return y;
    }

    /**
     * σ of the soft labels for a study whose label cut is {@code cut} and whose final accuracies are
     * {@code finals}: {@link #LABEL_SOFTNESS} binomial standard errors at the cut, the test size read off the
     * accuracies ({@link TestSetNoise#images}, else {@code fallbackImages}); NaN (hard labels) when unknown.
     */
    public static double labelSigma(double cut, double[] finals, double fallbackImages) {
        return labelSigma(cut, finals, fallbackImages, LABEL_SOFTNESS);
    }

    /** As above, {@code softness} standard errors wide (0: hard labels). */
    public static double labelSigma(double cut, double[] finals, double fallbackImages, double softness) {
        double n = TestSetNoise.images(finals);
        return softness * TestSetNoise.standardError(cut, Double.isNaN(n) ? fallbackImages : n);
    }

    /** Fits the classifier on soft labels ({@link #softLabels}); null when they are all equal (nothing to learn). */
    public static String fitClassifier(double[] x, int cols, double[] labels, String[] featureNames, int threads, long seed) {
        double min = Arrays.stream(labels).min().orElse(0);
        double max = Arrays.stream(labels).max().orElse(0);
        if (!(max > min)) {
            return null;
        }
        return BinaryClassifier.fitSoft(x, cols, labels, featureNames, threads, seed);
    }

    /**
     * Per stage, the {@code alpha}-quantile (the lower order statistic) of the scores that runs
     * finishing at or above the {@code reference}-percentile of {@code finals} had there; −∞ for a
     * stage none of them reached (nothing is stopped there).
     *
     * @param score [run][stage] the calibration runs' scores (NaN where a run has no checkpoint at a stage)
     */
    public static double[] thresholds(double[][] score, double[] finals, double reference, double alpha) {
        double[] finite = Arrays.stream(finals).filter(Double::isFinite).toArray();
        double cut = finite.length == 0 ? Double.POSITIVE_INFINITY : RegressionMetrics.quantile(finite, reference);
        boolean[] good = new boolean[finals.length];
        for (int r = 0; r < good.length; r++) {
            good[r] = finals[r] >= cut;
        }
        return thresholds(score, good, alpha);
    }

    /** As above, for calibration runs already marked {@code good} (e.g. against their own study's percentile). */
    public static double[] thresholds(double[][] score, boolean[] good, double alpha) {
        int stages = score.length == 0 ? 0 : score[0].length;
        double[] thr = new double[stages];
        for (int s = 0; s < stages; s++) {
            List<Double> scores = new ArrayList<>();
            for (int r = 0; r < score.length; r++) {
                if (good[r] && Double.isFinite(score[r][s])) {
                    scores.add(score[r][s]);
                }
            }
            scores.sort(null);
            thr[s] = scores.isEmpty() ? Double.NEGATIVE_INFINITY : scores.get((int) Math.floor(alpha * (scores.size() - 1)));
        }
        return thr;
    }

    /** How many of {@code finals} are at or above their {@code reference}-percentile. */
    public static int runsAtOrAbove(double[] finals, double reference) {
        double[] finite = Arrays.stream(finals).filter(Double::isFinite).toArray();
        if (finite.length == 0) {
            return 0;
        }
        double cut = RegressionMetrics.quantile(finite, reference);
        return (int) Arrays.stream(finite).filter(f -> f >= cut).count();
    }

    public static TopRunModel load(TopRunRule rule, int cols) {
        return new TopRunModel(rule, BinaryClassifier.load(rule.modelText(), cols));
    }

    public TopRunRule rule() {
        return rule;
    }

    /** P(top run) per row. */
    public double[] probabilities(double[] x, int rows) {
        return classifier.probabilities(x, rows);
    }

    /** Whether a checkpoint with this probability at this fraction of its planned steps counts against its run. */
    public boolean below(double probability, double stepFraction) {
        return Double.isNaN(probability) || probability < rule.threshold(stepFraction);
    }

    @Override
    public void close() {
        classifier.close();
    }
}
