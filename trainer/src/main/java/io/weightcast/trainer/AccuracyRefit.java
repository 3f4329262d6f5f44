package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;
import java.util.List;

/**
 * One refit of the accuracy model as the trainer publishes it when no weight encoder is in play: the split fit with its
 * cross-conformal intervals and early-stop rule ({@link AccuracyModelFitter#fit}), its regressor fitted again on every
 * run when {@code trainer.serve.all.runs} says so ({@link AccuracyModelFitter#servedOnAll}), and the
 * {@link ModelVersion} the scorer loads. {@link TrainerService} builds its versions here, and eval's prediction
 * benchmark fits through {@link #fit}, so the benchmark's tables describe what users are served, not a second
 * predictor.
 *
 * @param split   the fit on three quarters of the runs: its held-out metrics, intervals and rule are published
 * @param served  what is published: {@code split} itself, or its refit on every run
 * @param version the model version built from {@code served}
 */
public record AccuracyRefit(FitResult split, FitResult served, ModelVersion version) {

    /** What the trainer publishes for {@code runs} with {@code params}: {@code version} is numbered {@code number}. */
    public static AccuracyRefit fit(List<ZooRun> runs, FitParams params, boolean serveAllRuns, int number) {
        AccuracyModelFitter fitter = new AccuracyModelFitter(params);
        FitResult split = fitter.fit(runs);
        FitResult served = serveAllRuns ? fitter.servedOnAll(split, runs) : split;
        return new AccuracyRefit(split, served, version(served, runs, number, System.currentTimeMillis()));
    }

    /** The runs the served regressor learned from: the split fit's training runs, or every run when refitted on all. */
    public int servedRuns() {
        return served == split ? split.trainingRuns() : split.trainingRuns() + split.holdoutRunIds().size();
    }

    /** The model version of a fit on {@code runs} (their study references included), as published. */
    public static ModelVersion version(FitResult fit, List<ZooRun> runs, int number, long createdAt) {
        return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(number)
                .layoutVersion(FeatureLayout.VERSION).featureNames(fit.columns().names()).modelText(fit.modelText())
                .trainingRuns(fit.trainingRuns()).trainingRows(fit.trainingRows()).holdout(fit.holdout())
                .residualQuantiles(fit.residualQuantiles()).studyReferences(StudyReferences.of(runs))
                .createdAt(createdAt).ablations(fit.ablations())
                .encoderVersion(fit.columns().encoderVersion()).chanceFloor(fit.chanceFloor())
                .topRunRule(fit.topRunRule()).stageResidualQuantiles(fit.stageResidualQuantiles())
                .stageModels(fit.stageModels()).build();
    }
}
