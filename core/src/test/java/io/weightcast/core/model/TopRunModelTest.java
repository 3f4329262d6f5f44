package io.weightcast.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TopRunModelTest {

    @Test
    void softLabelsAreTheChanceTheRunIsAboveTheCutUnderTestSetNoise() {
        double[] targets = {0.90, 0.90 + 0.013, 0.90 - 0.013, 0.5, 0.99};
        double[] cuts = {0.90, 0.90, 0.90, 0.90, 0.90};
        double[] sigmas = {0.013, 0.013, 0.013, 0.013, 0.013};
        double[] y = TopRunModel.softLabels(targets, cuts, sigmas);
        assertThat(y[0]).isCloseTo(0.5, within(1e-9)); // at the cut: a coin
        assertThat(y[1]).isCloseTo(0.8413, within(1e-3)); // one sigma above: Φ(1)
        assertThat(y[2]).isCloseTo(0.1587, within(1e-3));
        assertThat(y[3]).isCloseTo(0.0, within(1e-9));
        assertThat(y[4]).isCloseTo(1.0, within(1e-9));
        // no sigma (unknown test size): the hard labels
        assertThat(TopRunModel.softLabels(targets, cuts, new double[] {Double.NaN, 0, Double.NaN, 0, 0}))
                .containsExactly(1, 1, 0, 0, 1);
        assertThat(TopRunModel.softLabels(targets, cuts, null)).containsExactly(1, 1, 0, 0, 1);
    }

    @Test
    void theLabelSigmaIsTheSoftnessInTestSetStandardErrorsAtTheCut() {
        double[] finals = new double[200];
        for (int r = 0; r < finals.length; r++) {
            finals[r] = (150 + r) / 360.0;
        }
        assertThat(TopRunModel.labelSigma(0.9, finals, Double.NaN))
                .isCloseTo(TopRunModel.LABEL_SOFTNESS * Math.sqrt(0.9 * 0.1 / 360), within(1e-12));
        double[] few = {0.4, 0.7};
        assertThat(TopRunModel.labelSigma(0.9, few, 1000)).as("the zoo's test size when the study shows none")
                .isCloseTo(TopRunModel.LABEL_SOFTNESS * Math.sqrt(0.9 * 0.1 / 1000), within(1e-12));
        assertThat(TopRunModel.labelSigma(0.9, few, Double.NaN)).isNaN();
    }

    @Test
    void aClassifierFittedOnSoftLabelsRanksRunsByHowLikelyTheyAreOnTop() {
        // one informative column x; the target is x plus noise; soft labels around the 0.9 quantile
        Random rnd = new Random(3);
        int rows = 2000;
        double[] x = new double[rows];
        double[] t = new double[rows];
        double[] cuts = new double[rows];
        double[] sigmas = new double[rows];
        for (int i = 0; i < rows; i++) {
            x[i] = rnd.nextDouble();
            t[i] = x[i] + 0.05 * rnd.nextGaussian();
        }
        double cut = RegressionMetrics.quantile(t.clone(), 0.9);
        java.util.Arrays.fill(cuts, cut);
        java.util.Arrays.fill(sigmas, 0.05);
        double[] labels = TopRunModel.softLabels(t, cuts, sigmas);
        assertThat(java.util.Arrays.stream(labels).allMatch(l -> l >= 0 && l <= 1)).isTrue();
        String text = TopRunModel.fitClassifier(x, 1, labels, new String[] {"x"}, 1, 7);
        assertThat(text).isNotNull();
        try (BinaryClassifier c = BinaryClassifier.load(text, 1)) {
            double[] p = c.probabilities(new double[] {0.1, 0.5, 0.85, 0.99}, 4);
            assertThat(p[0]).isLessThan(0.05);
            assertThat(p[1]).isLessThan(p[2]);
            assertThat(p[2]).isLessThan(p[3]);
            assertThat(p[3]).isGreaterThan(0.6);
        }
        assertThat(TopRunModel.fitClassifier(x, 1, new double[rows], null, 1, 7)).as("all labels 0: nothing to learn").isNull();
        double[] bad = labels.clone();
        bad[0] = 1.5;
        assertThatThrownBy(() -> BinaryClassifier.fitSoft(x, 1, bad, null, 1, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a probability");
    }
}
