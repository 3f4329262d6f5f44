package io.weightcast.trainer;

import io.weightcast.core.model.DyingReluModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses the probability from which the scorer raises DYING_RELU, on the study's own runs. The alert is raised once
 * per run, at its first checkpoint whose probability reaches the threshold, and promises the run's outcome (a layer at
 * least half dead when it ends), so the choice is made per run: each labelled zoo run's highest probability over its
 * checkpoints, predicted out of fold ({@value #FOLDS} folds by run, each predicted by a classifier fitted on the
 * others), against its outcome. The threshold is the lowest, from {@link DyingReluModel#DECISION_PROBABILITY} up, at
 * which the runs it flags are right at least {@value #TARGET_PRECISION} of the time; when none is, the alert stays
 * silent for this study (a threshold above 1) rather than page on a coin toss.
 *
 * <p>Why: on a zoo made by other code the classifier at 0.5 flagged 20 of 200 live runs for 13 dying, 8 of them runs
 * that ended 30–50% dead (precision 0.60, issue 19); a per-checkpoint threshold cannot see that a run gets many
 * chances to cross it.
 */
final class DyingReluAlertCalibration {
    static final int FOLDS = 5;
    static final double TARGET_PRECISION = 0.9;
    /** Above every probability: the alert never fires. */
    static final double SILENT = 1.01;

    /** A run's highest out-of-fold probability and its outcome. */
    record RunPeak(String runId, double peak, boolean dying) {
    }

    /** The chosen threshold and what it measured, for logs and metrics. */
    record Choice(double alertProbability, int runs, int dying, int flagged, int cameTrue) {
        double precision() {
            return flagged == 0 ? Double.NaN : (double) cameTrue / flagged;
        }

        double recall() {
            return dying == 0 ? Double.NaN : (double) cameTrue / dying;
        }
    }

    private DyingReluAlertCalibration() {
    }

    /** Out-of-fold peaks of {@code labelled} runs (runs of a fold whose others hold one class get none). */
    static List<RunPeak> peaks(List<ZooRun> labelled, DeadUnitLabels labels, FitParams params) {
        RunSplit hash = new RunSplit(params.holdoutFraction(), params.seed() + 17L);
        List<RunPeak> out = new ArrayList<>();
        for (int f = 0; f < FOLDS; f++) {
            List<ZooRun> in = new ArrayList<>();
            List<ZooRun> rest = new ArrayList<>();
            for (ZooRun r : labelled) {
                (Math.min(FOLDS - 1, (int) (hash.unit(r.runId()) * FOLDS)) == f ? in : rest).add(r);
            }
            DyingReluFitter.Labelled train = DyingReluFitter.rows(rest, labels);
            int positives = train.positives();
            if (in.isEmpty() || positives == 0 || positives == train.rows()) {
                continue;
            }
            String text = DyingReluModel.fit(train.matrix(), train.labels(), params.numThreads(), params.seed());
            try (DyingReluModel model = DyingReluModel.load(DyingReluFitter.provisional(text))) {
                for (ZooRun run : in) {
                    DyingReluFitter.Labelled rows = DyingReluFitter.rows(List.of(run), labels);
                    Boolean outcome = labels.finalLabel(run.runId());
                    if (rows.rows() == 0 || outcome == null) {
                        continue;
                    }
                    double peak = 0;
                    for (double p : model.probabilitiesOfLayoutRows(rows.matrix(), rows.rows())) {
                        peak = Math.max(peak, p);
                    }
                    out.add(new RunPeak(run.runId(), peak, outcome));
                }
            }
        }
        return out;
    }

    /** The lowest threshold from 0.5 whose flagged runs reach the target precision, or {@link #SILENT}. */
    static Choice choose(List<RunPeak> peaks) {
        int dying = (int) peaks.stream().filter(RunPeak::dying).count();
        List<RunPeak> byPeak = new ArrayList<>(peaks);
        byPeak.sort(Comparator.comparingDouble(RunPeak::peak));
        for (RunPeak candidate : byPeak) {
            double t = candidate.peak();
            if (t < DyingReluModel.DECISION_PROBABILITY) {
                continue;
            }
            int flagged = 0;
            int right = 0;
            for (RunPeak p : peaks) {
                if (p.peak() >= t) {
                    flagged++;
                    right += p.dying() ? 1 : 0;
                }
            }
            if ((double) right / flagged >= TARGET_PRECISION) {
                return new Choice(t, peaks.size(), dying, flagged, right);
            }
        }
        return new Choice(SILENT, peaks.size(), dying, 0, 0);
    }
}
