package io.weightcast.core.ssl;

/**
 * How long and how an encoder trains when a validation score watches it (issue 23's fair setup): up to
 * {@code maxEpochs} passes, evaluated every {@code evaluateEverySteps} steps (0 = after every pass), with a
 * linear learning-rate warm-up, a decay whenever the score has not risen for {@code plateauPatience}
 * evaluations, and a stop when it has not risen for {@code stopPatience} evaluations or the time budget is spent.
 *
 * @param maxEpochs          passes over the training checkpoints at most
 * @param evaluateEverySteps training steps between two evaluations; 0 = at the end of every pass
 * @param warmupSteps        steps of the linear warm-up to the configured learning rate (0 = none)
 * @param decayFactor        learning rate × this on a plateau (1 = never decay)
 * @param plateauPatience    evaluations without a new best score before a decay
 * @param stopPatience       evaluations without a new best score before stopping (0 = never stop early)
 * @param budgetSeconds      wall time of the training at most, evaluations included (0 = unbounded); checked
 *                           before each step, so one step and one evaluation may run over
 */
public record TrainingPlan(int maxEpochs, int evaluateEverySteps, int warmupSteps, double decayFactor,
                           int plateauPatience, int stopPatience, double budgetSeconds) {

    public TrainingPlan {
        if (maxEpochs < 1 || evaluateEverySteps < 0 || warmupSteps < 0 || !(decayFactor > 0 && decayFactor <= 1)
                || plateauPatience < 1 || stopPatience < 0 || !(budgetSeconds >= 0)) {
            throw new IllegalArgumentException("training plan: need epochs ≥ 1, 0 < decay ≤ 1, plateau patience ≥ 1, "
                    + "the rest ≥ 0: " + this);
        }
    }

    /** A fixed number of passes at the constant learning rate, evaluated after each (the original training). */
    public static TrainingPlan epochs(int epochs) {
        return new TrainingPlan(epochs, 0, 0, 1.0, 1, 0, 0);
    }
}
