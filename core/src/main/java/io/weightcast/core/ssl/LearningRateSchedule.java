package io.weightcast.core.ssl;

/**
 * Linear warm-up to the peak rate, then reduce-on-plateau: the rate is multiplied by the plan's decay factor
 * whenever the watched score (higher is better: the validation reconstruction R², i.e. 1 − the normalised
 * reconstruction loss) has not set a new best for {@code plateauPatience} evaluations in a row.
 */
public final class LearningRateSchedule {
    /** A rise smaller than this is no rise (noise in the validation score). */
    static final double MIN_RISE = 1e-4;
    private final double peak;
    private final TrainingPlan plan;
    private double current;
    private double best = Double.NEGATIVE_INFINITY;
    private int sinceBest;

    public LearningRateSchedule(double peak, TrainingPlan plan) {
        this.peak = peak;
        this.plan = plan;
        this.current = peak;
    }

    /** The rate for training step {@code step} (0-based). */
    public double rate(long step) {
        if (step < plan.warmupSteps()) {
            return peak * (step + 1) / plan.warmupSteps();
        }
        return current;
    }

    /** Records an evaluation's score; decays the rate on a plateau. @return whether it is a new best */
    public boolean observe(double score) {
        if (score > best + MIN_RISE) {
            best = score;
            sinceBest = 0;
            return true;
        }
        sinceBest++;
        if (sinceBest % plan.plateauPatience() == 0) {
            current *= plan.decayFactor();
        }
        return false;
    }

    /** Evaluations since the last new best. */
    public int sinceBest() {
        return sinceBest;
    }

    public double best() {
        return best;
    }

    /** Whether the plan's stop patience has run out. */
    public boolean exhausted() {
        return plan.stopPatience() > 0 && sinceBest >= plan.stopPatience();
    }
}
