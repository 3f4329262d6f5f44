package io.weightcast.core.records;

/**
 * A regressor of final accuracy for the late checkpoints of runs: it serves checkpoints at
 * {@code step / planned_steps >= fromStepFraction} in place of the model version's pooled one (core
 * {@code AccuracyModel}). A model fitted on every checkpoint gives the few late rows of a small zoo little
 * weight: on the 1,300-run digits zoo (eval PredictorConfigStudy) one fitted on the last quarter's rows
 * raised the final checkpoint's R² from 0.976 to 0.992 with 200 zoo runs, and from 0.901 to 0.975 with 50.
 *
 * @param modelText LightGBM model text with the version's feature columns
 */
public record StageModel(double fromStepFraction, String modelText) {
}
