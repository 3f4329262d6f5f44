package io.weightcast.core.spectral;

import io.weightcast.core.features.PairwiseSum;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.concurrent.ForkJoinPool;

/**
 * One layer's spectral metrics with WeightWatcher's column names and meanings (its {@code details}
 * table). Values that do not exist for the layer are null, never invented: a SKIPPED layer carries
 * only its shape and the reason, a NO_FIT layer its spectrum's norms but no power-law fields.
 *
 * <ul>
 *   <li>{@code norm} Σλ, {@code log_norm} log10 Σλ, {@code spectral_norm} λmax, {@code log_spectral_norm} log10 λmax,
 *       {@code stable_rank} Σλ/λmax: over all M·rf eigenvalues</li>
 *   <li>{@code alpha}, {@code xmin}, {@code xmax}, {@code D}, {@code sigma}, {@code num_pl_spikes}: the {@link PowerLawFit};
 *       {@code alpha_weighted} α·log10 λmax; {@code log_alpha_norm} log10 Σλ^α</li>
 *   <li>{@code matrix_rank}: eigenvalues with √λ > √λmax·N·ε; {@code rank_loss}: per-slice rank loss, summed;
 *       {@code weak_rank_loss}: eigenvalues below 1e-6; {@code entropy}: WeightWatcher's matrix entropy (see {@link #entropy})</li>
 *   <li>{@code warning}: "over-trained" (α &lt; 2), "under-trained" (α &gt; 6), else ""</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SpectralMetrics(
        String name,
        LayerType layerType,
        @JsonProperty("N") int n,
        @JsonProperty("M") int m,
        int rf,
        SpectralStatus status,
        String reason,
        Integer numEvals,
        Integer matrixRank,
        Integer rankLoss,
        Integer weakRankLoss,
        Double norm,
        Double logNorm,
        Double spectralNorm,
        Double logSpectralNorm,
        Double stableRank,
        Double svMax,
        Double svMin,
        Double entropy,
        Double alpha,
        Double alphaWeighted,
        Double logAlphaNorm,
        Double xmin,
        Double xmax,
        @JsonProperty("D") Double d,
        Double sigma,
        Integer numPlSpikes,
        String warning) {

    /** WeightWatcher's OVER_TRAINED_THRESH and UNDER_TRAINED_THRESH. */
    public static final double OVER_TRAINED_BELOW = 2.0;
    public static final double UNDER_TRAINED_ABOVE = 6.0;
    private static final double EPS = Math.ulp(1.0);
    private static final double ENTROPY_EPSILON = 1e-10;

    /** The compact subset that travels with a checkpoint's features. */
    public io.weightcast.core.records.LayerSpectralHealth health() {
        return new io.weightcast.core.records.LayerSpectralHealth(status.json(), numEvals, rankLoss, alpha, alphaWeighted,
                logNorm, logSpectralNorm, logAlphaNorm, stableRank, d);
    }

    public boolean fitted() {
        return status == SpectralStatus.SUCCESS;
    }

    /** A layer WeightWatcher would not analyse, or one whose spectrum cannot be computed. */
    public static SpectralMetrics without(String name, LayerType type, long n, long m, long rf, SpectralStatus status, String reason) {
        return new SpectralMetrics(name, type, (int) n, (int) m, (int) rf, status, reason,
                null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null);
    }

    /**
     * The metrics of an analysed layer.
     *
     * @param pool spreads the xmin candidates of the fit over it; null for the calling thread
     */
    public static SpectralMetrics of(LayerMatrices layer, EigenSpectrum spectrum, SpectralOptions options, ForkJoinPool pool) {
        double[] evals = spectrum.eigenvalues();
        double lambdaMax = spectrum.max();
        double norm = PairwiseSum.sum(evals);
        int fittable = PowerLawFit.fittable(evals, options.fitThreshold());
        PowerLawFit fit = fittable >= 2 ? PowerLawFit.fit(evals, options.fitThreshold(), pool) : null;
        Double alpha = fit == null ? null : fit.alpha();
        Double logSpectralNorm = finite(Math.log10(lambdaMax));
        return new SpectralMetrics(layer.name(), layer.type(), layer.n(), layer.m(), layer.rf(),
                fit == null ? SpectralStatus.NO_FIT : SpectralStatus.SUCCESS,
                fit == null ? fittable + " eigenvalue(s) above " + options.fitThreshold() + ", a power-law fit needs 2" : null,
                evals.length,
                matrixRank(evals, layer.n()),
                spectrum.rankLoss(),
                weakRankLoss(evals, options.weakRankTolerance()),
                norm,
                finite(Math.log10(norm)),
                lambdaMax,
                logSpectralNorm,
                finite(norm / lambdaMax),
                spectrum.svMax(),
                spectrum.svMin(),
                entropy(evals, layer.n()),
                alpha,
                fit == null || logSpectralNorm == null ? null : fit.alpha() * logSpectralNorm,
                fit == null ? null : finite(Math.log10(powerSum(evals, fit.alpha()))),
                fit == null ? null : fit.xmin(),
                fit == null ? null : fit.xmax(),
                fit == null ? null : fit.D(),
                fit == null ? null : fit.sigma(),
                fit == null ? null : fit.numPlSpikes(),
                fit == null ? null : warning(fit.alpha()));
    }

    static String warning(double alpha) {
        if (alpha < OVER_TRAINED_BELOW) {
            return "over-trained";
        }
        return alpha > UNDER_TRAINED_ABOVE ? "under-trained" : "";
    }

    /** numpy's matrix_rank on √λ: tolerance σmax·N·ε. */
    static int matrixRank(double[] evals, int n) {
        double tolerance = Math.sqrt(evals[evals.length - 1]) * n * EPS;
        int rank = 0;
        for (double v : evals) {
            if (Math.sqrt(v) > tolerance) {
                rank++;
            }
        }
        return rank;
    }

    static int weakRankLoss(double[] evals, double tolerance) {
        int count = 0;
        for (double v : evals) {
            if (v < tolerance) {
                count++;
            }
        }
        return count;
    }

    /**
     * WeightWatcher 0.7.5's {@code matrix_entropy}: p = λ/Σλ + 1e-10, r = matrix_rank + 1e-10,
     * −Σ p ln p / ln r (the 1e-10 is its EPSILON; without it the values differ by ~1e-7).
     */
    static Double entropy(double[] evals, int n) {
        double rank = matrixRank(evals, n) + ENTROPY_EPSILON;
        double[] squares = new double[evals.length];
        for (int i = 0; i < evals.length; i++) {
            double sv = Math.sqrt(evals[i]);
            squares[i] = sv * sv;
        }
        double total = PairwiseSum.sum(squares);
        double[] terms = new double[evals.length];
        for (int i = 0; i < evals.length; i++) {
            double p = squares[i] / total + ENTROPY_EPSILON;
            terms[i] = p * Math.log(p);
        }
        return finite(-PairwiseSum.sum(terms) / Math.log(rank));
    }

    private static double powerSum(double[] evals, double alpha) {
        double[] powers = new double[evals.length];
        for (int i = 0; i < evals.length; i++) {
            powers[i] = Math.pow(evals[i], alpha);
        }
        return PairwiseSum.sum(powers);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
