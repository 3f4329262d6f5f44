package io.weightcast.core.spectral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PowerLawFitTest {
    private static ForkJoinPool pool;

    @BeforeAll
    static void startPool() {
        pool = new ForkJoinPool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdown();
    }

    /** The pruned scan picks WeightWatcher's xmin on spectra of every shape; parallel = sequential, bit for bit. */
    @Test
    void fastScanEqualsTheQuadraticReferenceOnRandomSpectra() {
        Random r = new Random(42);
        int checked = 0;
        for (int trial = 0; trial < 106; trial++) {
            // tiny spectra, then up to resnet sizes (the largest layer of resnet50 has 4608 eigenvalues)
            int size = trial < 20 ? 2 + trial : 50 + r.nextInt(trial < 100 ? 1500 : 4600);
            double[] evals = spectrum(r, trial % 5, size);
            PowerLawFit reference = ReferencePowerLawFit.fit(evals, 1e-5);
            PowerLawFit fast = PowerLawFit.fit(evals, 1e-5);
            String where = "trial " + trial + " kind " + trial % 5 + " size " + size;
            assertThat(fast.xmin()).as(where + " xmin").isEqualTo(reference.xmin());
            assertThat(fast.tailSize()).as(where).isEqualTo(reference.tailSize());
            assertThat(fast.numPlSpikes()).as(where).isEqualTo(reference.numPlSpikes());
            assertThat(fast.alpha()).as(where + " alpha").isEqualTo(reference.alpha());
            assertThat(fast.D()).as(where + " D").isCloseTo(reference.D(), within(1e-13));
            assertThat(fast.sigma()).as(where).isEqualTo(reference.sigma());
            assertThat(fast.xmax()).as(where).isEqualTo(reference.xmax());
            assertThat(PowerLawFit.fit(evals, 1e-5, pool)).as(where + " parallel").isEqualTo(fast);
            checked++;
        }
        assertThat(checked).isEqualTo(106);
    }

    @Test
    void tiesGoToTheFirstCandidateAsInNumpysArgmin() {
        // Powers of two with many repeats make exactly equal KS distances of two candidates happen.
        Random r = new Random(7);
        int ties = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int size = 3 + r.nextInt(30);
            double[] evals = new double[size];
            for (int i = 0; i < size; i++) {
                evals[i] = 1 << r.nextInt(4);
            }
            Arrays.sort(evals);
            PowerLawFit reference = ReferencePowerLawFit.fit(evals, 1e-5);
            PowerLawFit fast = PowerLawFit.fit(evals, 1e-5);
            assertThat(fast.tailSize()).as("trial " + trial + " " + Arrays.toString(evals)).isEqualTo(reference.tailSize());
            assertThat(fast.D()).isEqualTo(reference.D());
            if (hasTiedMinimum(evals)) {
                ties++;
            }
        }
        assertThat(ties).as("spectra whose smallest D is shared by two candidates").isGreaterThan(5);
    }

    @Test
    void knownParetoTailGivesItsExponent() {
        // λ ~ Pareto(α = 3) above 1: density ∝ λ^-3, so the fitted alpha is close to 3.
        Random r = new Random(3);
        double[] evals = new double[4000];
        for (int i = 0; i < evals.length; i++) {
            evals[i] = Math.pow(1 - r.nextDouble(), -1.0 / 2.0);
        }
        Arrays.sort(evals);
        PowerLawFit fit = PowerLawFit.fit(evals, 1e-5);
        assertThat(fit.alpha()).isCloseTo(3.0, within(0.15));
        assertThat(fit.D()).isLessThan(0.05);
        assertThat(fit.numPlSpikes()).isEqualTo(evals.length - Arrays.binarySearch(evals, fit.xmin()));
    }

    @Test
    void valuesAtOrBelowTheThresholdAreLeftOutAndTwoAreNeeded() {
        assertThat(PowerLawFit.fittable(new double[] {0, 1e-6, 1e-5, 2e-5, 1}, 1e-5)).isEqualTo(2);
        PowerLawFit fit = PowerLawFit.fit(new double[] {0, 1e-6, 1e-5, 2e-5, 1}, 1e-5);
        assertThat(fit.xmin()).isEqualTo(2e-5);
        assertThat(fit.tailSize()).isEqualTo(2);
        // n = 2: (1−α)·ln(x1/x0) = −2, so D = |1 − e^−2 − 1/2| whatever the values
        assertThat(fit.D()).isCloseTo(Math.abs(0.5 - Math.exp(-2)), within(1e-15));
        assertThatThrownBy(() -> PowerLawFit.fit(new double[] {1e-6, 1e-5, 3}, 1e-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 1");
    }

    @Test
    void anAllEqualTailHasInfiniteAlphaLikeNumpy() {
        PowerLawFit fit = PowerLawFit.fit(new double[] {2, 2, 2, 2}, 1e-5);
        PowerLawFit reference = ReferencePowerLawFit.fit(new double[] {2, 2, 2, 2}, 1e-5);
        assertThat(fit).isEqualTo(reference);
        assertThat(fit.alpha()).isInfinite();
        assertThat(fit.D()).isEqualTo(0.5); // the n = 2 tail: max k/n
    }

    private static boolean hasTiedMinimum(double[] evals) {
        double[] ds = ReferencePowerLawFit.distances(evals, 1e-5);
        double min = Arrays.stream(ds).min().orElseThrow();
        return Arrays.stream(ds).filter(d -> d == min).count() > 1;
    }

    /** Shapes of ESDs: Marchenko–Pastur bulk, bulk + spikes, heavy tail, log-uniform, values near the threshold. */
    static double[] spectrum(Random r, int kind, int size) {
        DoubleSupplier gen = switch (kind) {
            case 0 -> () -> Math.pow(r.nextGaussian(), 2) + Math.pow(r.nextGaussian(), 2);
            case 1 -> () -> r.nextDouble() < 0.03 ? 5 + 20 * r.nextDouble() : r.nextDouble() * 2;
            case 2 -> () -> Math.pow(1 - r.nextDouble(), -1.0 / (0.5 + 3 * r.nextDouble()));
            case 3 -> () -> Math.pow(10, -7 + 8 * r.nextDouble());
            default -> () -> r.nextDouble() < 0.5 ? 1e-5 * r.nextInt(3) : r.nextDouble();
        };
        double[] evals = new double[size];
        for (int i = 0; i < size; i++) {
            evals[i] = gen.getAsDouble();
        }
        Arrays.sort(evals);
        if (PowerLawFit.fittable(evals, 1e-5) < 2) {
            evals[size - 1] = 1;
            evals[size - 2] = 0.5;
            Arrays.sort(evals);
        }
        return evals;
    }
}
