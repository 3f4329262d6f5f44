package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * Fits the dying-ReLU classifier ({@link DyingReluModel}) on the labelled checkpoints of zoo runs,
 * split by run as the accuracy model is ({@link RunSplit}, same fraction and seed, so a run is held
 * out for both), and judges it on the held-out runs' labelled checkpoints.
 *
 * <p>A checkpoint's target is its run's outcome ({@link DeadUnitLabels#finalLabel}): whether a layer was at least
 * half dead when the run ended, not at that checkpoint. The alert predicts how the run ends, as the accuracy
 * model does: on a zoo made by other code, 8 runs had a layer half dead at some epoch and recovered, and labels
 * of the moment made the alert fire on them (precision 0.46–0.52 against the final outcome, issue 19).
 */
public final class DyingReluFitter {
    private final FitParams params;

    public DyingReluFitter(FitParams params) {
        this.params = params;
    }

    /** Labelled checkpoints as rows: full layout vectors (row-major) and their labels. */
    public record Labelled(double[] matrix, boolean[] labels, int runs) {
        public int rows() {
            return labels.length;
        }

        public int positives() {
            int n = 0;
            for (boolean b : labels) {
                n += b ? 1 : 0;
            }
            return n;
        }
    }

    /**
     * A fit, or why there is none.
     *
     * @param holdout      the candidate on the held-out runs' labelled checkpoints
     * @param holdoutData  those checkpoints, so the current version can be judged on the same ones
     */
    public record Result(String modelText, Labelled train, ClassifierMetrics holdout, Labelled holdoutData, String skipped,
                         DyingReluAlertCalibration.Choice alert) {
        static Result skipped(String reason) {
            return new Result(null, null, null, null, reason, null);
        }

        public boolean fitted() {
            return modelText != null;
        }
    }

    public Result fit(List<ZooRun> zoo, DeadUnitLabels labels) {
        List<ZooRun> labelled = zoo.stream().filter(r -> r.checkpoints().stream()
                .anyMatch(c -> labels.label(r.runId(), c.step()) != null)).toList();
        if (labelled.size() < RunSplit.MIN_RUNS) {
            return Result.skipped(labelled.size() + " zoo runs with measured dead fractions, a split needs " + RunSplit.MIN_RUNS);
        }
        RunSplit.Sides<ZooRun> sides = new RunSplit(params.holdoutFraction(), params.seed()).apply(labelled, ZooRun::runId);
        Labelled train = rows(sides.train(), labels);
        int positives = train.positives();
        if (positives == 0 || positives == train.rows()) {
            return Result.skipped("the training runs' " + train.rows() + " labelled checkpoints hold one class only ("
                    + positives + " dying)");
        }
        String text = DyingReluModel.fit(train.matrix(), train.labels(), params.numThreads(), params.seed());
        Labelled holdout = rows(sides.holdout(), labels);
        DyingReluAlertCalibration.Choice alert = DyingReluAlertCalibration.choose(DyingReluAlertCalibration.peaks(labelled, labels, params));
        try (DyingReluModel model = DyingReluModel.load(provisional(text))) {
            return new Result(text, train, evaluate(model, holdout), holdout, null, alert);
        }
    }

    /** A model's confusion counts on labelled rows. */
    public static ClassifierMetrics evaluate(DyingReluModel model, Labelled rows) {
        double[] p = model.probabilitiesOfLayoutRows(rows.matrix(), rows.rows());
        boolean[] fired = new boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            fired[i] = DyingReluModel.fires(p[i]);
        }
        return ClassifierMetrics.of(rows.labels(), fired, rows.runs());
    }

    /** The measured checkpoints of {@code runs}, each labelled with its run's outcome. */
    static Labelled rows(List<ZooRun> runs, DeadUnitLabels labels) {
        int cols = FeatureLayout.size();
        List<double[]> x = new ArrayList<>();
        List<Boolean> y = new ArrayList<>();
        for (ZooRun run : runs) {
            Boolean outcome = labels.finalLabel(run.runId());
            for (ZooRun.Checkpoint c : run.checkpoints()) {
                if (outcome != null && labels.label(run.runId(), c.step()) != null) {
                    x.add(c.values());
                    y.add(outcome);
                }
            }
        }
        double[] m = new double[x.size() * cols];
        boolean[] l = new boolean[y.size()];
        for (int i = 0; i < l.length; i++) {
            System.arraycopy(x.get(i), 0, m, i * cols, cols);
            l[i] = y.get(i);
        }
        return new Labelled(m, l, runs.size());
    }

    static ModelVersion provisional(String text) {
        return ModelVersion.builder().name(DyingReluModel.NAME).version(0).layoutVersion(FeatureLayout.VERSION)
                .featureNames(DyingReluModel.featureNames()).modelText(text).build();
    }
}
