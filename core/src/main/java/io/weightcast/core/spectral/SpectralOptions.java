package io.weightcast.core.spectral;

import io.weightcast.core.config.Settings;

/**
 * Which layers get a spectrum and how the fit is run. Defaults are WeightWatcher 0.7.5's
 * {@code analyze()} defaults, so that our numbers equal its numbers.
 *
 * <p>Setting keys (see {@link #from(Settings)}):
 * <ul>
 *   <li>{@code spectral.min.evals} (default 10): layers with fewer eigenvalues (M·rf) are skipped</li>
 *   <li>{@code spectral.max.evals} (default 15000): layers with more eigenvalues are skipped</li>
 *   <li>{@code spectral.max.n} (default 50000): layers whose larger side N exceeds this are skipped</li>
 *   <li>{@code spectral.fit.threshold} (default 1e-5): eigenvalues at or below it are left out of the fit</li>
 *   <li>{@code spectral.weak.rank.tolerance} (default 1e-6): eigenvalues below it count in {@code weak_rank_loss}</li>
 * </ul>
 */
public record SpectralOptions(int minEvals, int maxEvals, int maxN, double fitThreshold, double weakRankTolerance) {

    /** WeightWatcher's {@code min_evals}, {@code max_evals}, {@code max_N}, {@code EVALS_THRESH}, {@code WEAK_RANK_LOSS_TOLERANCE}. */
    public static final SpectralOptions DEFAULTS = new SpectralOptions(10, 15000, 50000, 1e-5, 1e-6);

    public SpectralOptions {
        if (minEvals < 1 || maxEvals < minEvals || maxN < 1) {
            throw new IllegalArgumentException("need 1 <= min evals <= max evals and max N >= 1, got "
                    + minEvals + ", " + maxEvals + ", " + maxN);
        }
        if (!(fitThreshold >= 0) || !(weakRankTolerance >= 0)) {
            throw new IllegalArgumentException("thresholds must be >= 0");
        }
    }

    public static SpectralOptions from(Settings settings) {
        return new SpectralOptions(
                settings.getInt("spectral.min.evals", DEFAULTS.minEvals),
                settings.getInt("spectral.max.evals", DEFAULTS.maxEvals),
                settings.getInt("spectral.max.n", DEFAULTS.maxN),
                settings.getDouble("spectral.fit.threshold", DEFAULTS.fitThreshold),
                settings.getDouble("spectral.weak.rank.tolerance", DEFAULTS.weakRankTolerance));
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
