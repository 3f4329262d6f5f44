package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudyReferencesTest {
    private static ZooRun run(String id, String study, double acc) {
        return new ZooRun(id, study, acc, List.of(new ZooRun.Checkpoint(1, new double[0])));
    }

    @Test
    void seventyFifthPercentilePerStudyAndOverall() {
        List<ZooRun> zoo = new ArrayList<>();
        double[] a = {0.1, 0.2, 0.3, 0.4, 0.5};
        double[] b = {0.9, 0.6, 0.7, 0.8};
        for (int i = 0; i < a.length; i++) {
            zoo.add(run("a" + i, "A", a[i]));
        }
        for (int i = 0; i < b.length; i++) {
            zoo.add(run("b" + i, "B", b[i]));
        }
        zoo.add(run("x", null, 1.0));
        Map<String, Double> refs = StudyReferences.of(zoo);
        assertThat(refs).containsOnlyKeys("A", "B", StudyReferences.ALL_STUDIES);
        assertThat(refs.get("A")).isCloseTo(0.4, within(1e-12));        // numpy: index 3.0
        assertThat(refs.get("B")).isCloseTo(0.825, within(1e-12));      // numpy: 0.8 + 0.25·0.1
        // all ten: sorted 0.1..0.9,1.0, index 6.75 → 0.7 + 0.75·0.1
        assertThat(refs.get(StudyReferences.ALL_STUDIES)).isCloseTo(0.775, within(1e-12));
    }

    @Test
    void labelSigmasComeFromEachStudysTestSizeElseTheZoos() {
        List<ZooRun> zoo = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            zoo.add(run("a" + i, "A", (200 + i) / 360.0)); // study A: accuracies on 360 test images
        }
        zoo.add(run("b0", "B", 0.5)); // study B: two runs say nothing about their test size
        zoo.add(run("b1", "B", 0.75));
        Map<String, Double> cuts = StudyReferences.of(zoo, io.weightcast.core.model.TopRunModel.LABEL_PERCENTILE);
        Map<String, Double> sigma = StudyReferences.labelSigmas(zoo, cuts);
        double softness = io.weightcast.core.model.TopRunModel.LABEL_SOFTNESS;
        double cutA = cuts.get("A");
        assertThat(sigma.get("A")).isCloseTo(softness * Math.sqrt(cutA * (1 - cutA) / 360), within(1e-12));
        // B falls back to the whole zoo's granularity: the smallest gap there is 1/360 as well
        double cutB = cuts.get("B");
        assertThat(sigma.get("B")).isCloseTo(softness * Math.sqrt(cutB * (1 - cutB) / 360), within(1e-12));
        assertThat(StudyReferences.labelSigmas(List.of(run("c0", "C", 0.5), run("c1", "C", 0.75)),
                StudyReferences.of(List.of(run("c0", "C", 0.5), run("c1", "C", 0.75)), 0.9)).get("C"))
                .as("no test size anywhere: hard labels").isNaN();
    }
}
