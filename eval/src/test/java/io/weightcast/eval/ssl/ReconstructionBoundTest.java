package io.weightcast.eval.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The linear bound's PCA: data on a low-dimensional subspace is reconstructed from that many directions, on
 * held-out rows too; isotropic noise is not (each direction explains about 1/d); both sides of the solver
 * (covariance when rows outnumber columns, Gram matrix otherwise) give the in-sample identity at the full basis.
 */
class ReconstructionBoundTest {
    private static final int D = 40;

    @Test
    void dataOnAThreeDimensionalSubspaceNeedsThreeDirectionsOnHeldOutRowsToo() {
        Random rnd = new Random(1);
        double[][] directions = gaussian(rnd, 3, D);
        ReconstructionBound.Result r = ReconstructionBound.compute(onSubspace(rnd, directions, 300), onSubspace(rnd, directions, 100),
                new int[] {0, 20}, 3);
        assertThat(testR2(r, 0)).as("the mean alone").isLessThan(0.1);
        // COMPONENTS holds 0, 8, 16, 32: three directions are the first level to reach it
        assertThat(r.componentsFor().get(0.9)).isEqualTo(3);
        assertThat(testR2(r, 8)).isGreaterThan(0.999);
        assertThat(java.util.Arrays.stream(r.layerTestR2()).min().orElseThrow()).isGreaterThan(0.999);
        assertThat(r.basis()).isEqualTo(D);
    }

    @Test
    void isotropicNoiseGivesEachDirectionAboutOneOverDOfTheHeldOutVariance() {
        Random rnd = new Random(2);
        ReconstructionBound.Result r = ReconstructionBound.compute(floats(gaussian(rnd, 4000, D)), floats(gaussian(rnd, 1000, D)),
                new int[] {0}, 8);
        assertThat(testR2(r, 8)).isCloseTo(8.0 / D, within(0.05));
        assertThat(testR2(r, 16)).isCloseTo(16.0 / D, within(0.05));
        assertThat(fitR2(r, 8)).as("in sample a little more than held out").isGreaterThan(testR2(r, 8));
        assertThat(testR2(r, D)).as("the full basis reconstructs anything").isCloseTo(1.0, within(1e-9));
        assertThat(r.componentsFor().get(0.5)).isBetween(17, 23);
        assertRising(r);
    }

    @Test
    void fewerRowsThanColumnsUsesTheGramSideAndIsExactInSampleAtItsFullBasis() {
        Random rnd = new Random(3);
        float[][] fit = floats(gaussian(rnd, 12, D));
        ReconstructionBound.Result r = ReconstructionBound.compute(fit, floats(gaussian(rnd, 50, D)), new int[] {0, 10, 30}, 4);
        assertThat(r.basis()).as("12 centred rows span 11 directions").isEqualTo(11);
        ReconstructionBound.Point last = r.points().get(r.points().size() - 1);
        assertThat(last.components()).isEqualTo(11);
        assertThat(last.fitR2()).isCloseTo(1.0, within(1e-9));
        assertThat(last.testR2()).as("11 of 40 noise directions").isCloseTo(11.0 / D, within(0.12));
        assertThat(r.componentsFor().get(0.9)).as("never reached within the basis").isEqualTo(-1);
        assertThat(r.layerTestR2()).hasSize(3);
        assertRising(r);
    }

    private static void assertRising(ReconstructionBound.Result r) {
        List<ReconstructionBound.Point> p = r.points();
        for (int i = 1; i < p.size(); i++) {
            assertThat(p.get(i).testR2()).isGreaterThanOrEqualTo(p.get(i - 1).testR2() - 1e-12);
            assertThat(p.get(i).fitR2()).isGreaterThanOrEqualTo(p.get(i - 1).fitR2() - 1e-12);
        }
    }

    private static double testR2(ReconstructionBound.Result r, int k) {
        return r.points().stream().filter(p -> p.components() == k).findFirst().orElseThrow().testR2();
    }

    private static double fitR2(ReconstructionBound.Result r, int k) {
        return r.points().stream().filter(p -> p.components() == k).findFirst().orElseThrow().fitR2();
    }

    private static float[][] onSubspace(Random rnd, double[][] directions, int n) {
        float[][] out = new float[n][D];
        for (int i = 0; i < n; i++) {
            for (double[] dir : directions) {
                double c = rnd.nextGaussian() * 3;
                for (int j = 0; j < D; j++) {
                    out[i][j] += (float) (c * dir[j]);
                }
            }
            for (int j = 0; j < D; j++) {
                out[i][j] += (float) (rnd.nextGaussian() * 1e-3);
            }
        }
        return out;
    }

    private static double[][] gaussian(Random rnd, int n, int d) {
        double[][] out = new double[n][d];
        for (double[] row : out) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return out;
    }

    private static float[][] floats(double[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = (float) x[i][j];
            }
        }
        return out;
    }
}
