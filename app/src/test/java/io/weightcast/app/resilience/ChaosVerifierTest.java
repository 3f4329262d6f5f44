package io.weightcast.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness's verdict itself, on hand-made tallies: a verifier that could not see a duplicate or a
 * missing record would let {@link ChaosExactlyOnceTest} pass on a pipeline that loses or repeats work.
 */
class ChaosVerifierTest {

    private static OutputTally.Counts counts(int checkpoints, int features, int scores) {
        OutputTally.Counts c = new OutputTally.Counts();
        c.checkpoints = checkpoints;
        c.features = features;
        c.scores = scores;
        return c;
    }

    @Test
    void reportsADuplicateAndAMissingRecordAndNamesBoth() {
        String ok = OutputTally.key("chaos-a", 1);
        String duplicated = OutputTally.key("chaos-a", 2);   // the scorer replayed a score
        String lost = OutputTally.key("chaos-b", 1);         // sent, but no feature and no score came
        String neverArrived = OutputTally.key("chaos-b", 2); // sent, nothing at all came
        Map<String, OutputTally.Counts> all = new HashMap<>();
        all.put(ok, counts(1, 1, 1));
        all.put(duplicated, counts(1, 1, 2));
        all.put(lost, counts(1, 0, 0));

        ChaosHarness.KeyCheck k = ChaosHarness.checkKeys(all, new String[] {ok, duplicated, lost, neverArrived});

        assertThat(k.duplicates()).isEqualTo(1);
        assertThat(k.duplicateScores()).isEqualTo(1);
        assertThat(k.duplicateFeatures()).isZero();
        assertThat(k.missing()).isEqualTo(2);
        assertThat(k.missingCheckpoints()).isEqualTo(1);
        assertThat(k.missingFeatures()).isEqualTo(2);
        assertThat(k.missingScores()).isEqualTo(2);
        assertThat(k.unexpectedKeys()).isZero();
        assertThat(k.examples()).containsExactlyInAnyOrder(duplicated + ": checkpoints=1 features=1 scores=2",
                lost + ": checkpoints=1 features=0 scores=0", neverArrived + ": checkpoints=0 features=0 scores=0");
    }

    @Test
    void aCleanTallyPassesAndAnUnsentKeyIsUnexpected() {
        String a = OutputTally.key("chaos-a", 1);
        String b = OutputTally.key("chaos-a", 2);
        Map<String, OutputTally.Counts> all = new HashMap<>(Map.of(a, counts(1, 1, 1), b, counts(1, 1, 1)));
        ChaosHarness.KeyCheck clean = ChaosHarness.checkKeys(all, new String[] {a, b});
        assertThat(clean.missing()).isZero();
        assertThat(clean.duplicates()).isZero();
        assertThat(clean.examples()).isEmpty();

        all.put(OutputTally.key("chaos-z", 9), counts(0, 1, 1));
        assertThat(ChaosHarness.checkKeys(all, new String[] {a, b}).unexpectedKeys()).isEqualTo(1);
        // a checkpoint twice in the topic (an HTTP retry) is counted apart; streams drops the copy: one feature, one score
        all.put(b, counts(2, 1, 1));
        ChaosHarness.KeyCheck upstream = ChaosHarness.checkKeys(all, new String[] {a, b});
        assertThat(upstream.upstreamDuplicates()).isEqualTo(1);
        assertThat(upstream.duplicates()).isZero();
        assertThat(upstream.missing()).isZero();
        // the copy scored again would be a duplicate in what users see
        all.put(b, counts(2, 2, 2));
        assertThat(ChaosHarness.checkKeys(all, new String[] {a, b}).duplicates()).isEqualTo(1);
    }

    @Test
    void modelVersionsMustRiseStrictly() {
        assertThat(ChaosHarness.versionProblems(List.of(1L, 2L, 5L))).isZero();
        assertThat(ChaosHarness.versionProblems(List.of(1L, 2L, 2L, 1L, 3L))).isEqualTo(2);
        assertThat(ChaosHarness.versionProblems(List.of())).isZero(); // hence ChaosExactlyOnceTest asserts versions were published
    }
}
