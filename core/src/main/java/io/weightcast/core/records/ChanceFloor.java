package io.weightcast.core.records;

/**
 * The chance floor of a final-accuracy model (issue 6): a LightGBM binary classifier of "this run
 * ends exactly at the zoo's chance level" (a collapsed network that predicts one class for every
 * input scores exactly 1/classes on a class-balanced test set). Where it says so with at least
 * {@code decisionProbability}, the model predicts {@code level} itself instead of the regressor's
 * value. A third of the digits zoo collapses; a regressor gives each of them a slightly different
 * value near chance, which ranks runs that are truly tied and cost Kendall's τ-b about 0.05.
 *
 * @param level               the final accuracy of the collapsed runs (the zoo's modal low value)
 * @param decisionProbability the classifier's probability from which the floor applies
 * @param modelText           the classifier (LightGBM text) over the same columns as the regressor
 * @param trainingRuns        training runs that ended at {@code level}
 */
public record ChanceFloor(double level, double decisionProbability, String modelText, int trainingRuns) {
}
