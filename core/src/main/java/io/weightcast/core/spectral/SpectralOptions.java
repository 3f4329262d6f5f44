package io.weightcast.core.spectral;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.config.Settings;

/**
 * Which layers get a spectrum and how the fit is run. Defaults are WeightWatcher 0.7.5's
 * {@code analyze()} defaults, so that our numbers equal its numbers; the keys are declared once below.
 */
public record SpectralOptions(int minEvals, int maxEvals, int maxN, double fitThreshold, double weakRankTolerance) {

    /** WeightWatcher's {@code min_evals}, {@code max_evals}, {@code max_N}, {@code EVALS_THRESH}, {@code WEAK_RANK_LOSS_TOLERANCE}. */
    public static final SpectralOptions DEFAULTS = new SpectralOptions(10, 15000, 50000, 1e-5, 1e-6);

    public static final Key<Integer> MIN_EVALS = Key.integer("spectral.min.evals", DEFAULTS.minEvals,
            "layers with fewer eigenvalues (M·rf) get no spectrum (WeightWatcher's `min_evals`)").rule("≥ 1", n -> n >= 1);
    public static final Key<Integer> MAX_EVALS = Key.integer("spectral.max.evals", DEFAULTS.maxEvals,
            "layers with more eigenvalues get no spectrum (`max_evals`)").rule("≥ 1", n -> n >= 1);
    public static final Key<Integer> MAX_N = Key.integer("spectral.max.n", DEFAULTS.maxN,
            "layers whose larger side N exceeds this get no spectrum (`max_N`)").rule("≥ 1", n -> n >= 1);
    public static final Key<Double> FIT_THRESHOLD = Key.number("spectral.fit.threshold", DEFAULTS.fitThreshold,
            "eigenvalues at or below it are left out of the power-law fit (`EVALS_THRESH`)").rule("≥ 0", t -> t >= 0);
    public static final Key<Double> WEAK_RANK_TOLERANCE = Key.number("spectral.weak.rank.tolerance", DEFAULTS.weakRankTolerance,
            "eigenvalues below it count in `weak_rank_loss`").rule("≥ 0", t -> t >= 0);

    public static final KeyGroup GROUP = KeyGroup.of("spectral", "Which layers get a spectrum (ESD) and how it is fitted; read "
            + "by streams and `analyze`.", MIN_EVALS, MAX_EVALS, MAX_N, FIT_THRESHOLD, WEAK_RANK_TOLERANCE);

    public SpectralOptions {
        if (minEvals < 1 || maxEvals < minEvals || maxN < 1) {
            throw new IllegalArgumentException("need 1 <= " + MIN_EVALS.name() + " <= " + MAX_EVALS.name() + " and "
                    + MAX_N.name() + " >= 1, got " + minEvals + ", " + maxEvals + ", " + maxN);
        }
        if (!(fitThreshold >= 0) || !(weakRankTolerance >= 0)) {
            throw new IllegalArgumentException(FIT_THRESHOLD.name() + " and " + WEAK_RANK_TOLERANCE.name() + " must be >= 0");
        }
    }

    public static SpectralOptions from(Settings settings) {
        return new SpectralOptions(settings.get(MIN_EVALS), settings.get(MAX_EVALS), settings.get(MAX_N), settings.get(FIT_THRESHOLD),
                settings.get(WEAK_RANK_TOLERANCE));
    }

    public SpectralOptions withMinEvals(int value) {
        return new SpectralOptions(value, maxEvals, maxN, fitThreshold, weakRankTolerance);
    }

    /** Why a layer of this shape gets no spectrum, or null when it does. */
    String skipReason(long n, long m, long rf) {
        long evals = m * rf;
        if (evals < minEvals) {
            return evals + " eigenvalues (M·rf = " + m + "·" + rf + ") < min evals " + minEvals;
        }
        if (evals > maxEvals) {
            return evals + " eigenvalues (M·rf = " + m + "·" + rf + ") > max evals " + maxEvals;
        }
        if (n > maxN) {
            return "N = " + n + " > max N " + maxN;
        }
        return null;
    }
}
