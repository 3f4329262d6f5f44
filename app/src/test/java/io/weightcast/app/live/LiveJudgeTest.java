package io.weightcast.app.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.Score;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.eval.RunEvents;
import io.weightcast.eval.ZooManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The judging arithmetic on hand-made observations: per-epoch metrics, coverage, alert precision/recall, early stop. */
class LiveJudgeTest {
    private static final int EPOCHS = 3;

    @TempDir
    static Path dir;

    private static ZooRun run(String id) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve(id));
        for (int s = 1; s <= EPOCHS; s++) {
            Files.write(runDir.resolve(String.format("step-%03d.safetensors", s)),
                    new SafeTensorsWriter().tensor("w", new long[] {2}, new float[] {1, 2}).toBytes());
        }
        List<Map<String, Double>> metrics = new ArrayList<>();
        for (int s = 0; s < EPOCHS; s++) {
            metrics.add(Map.of("val_acc", 0.5));
        }
        return new ZooRun("p-" + id, "p", runDir, new RunEvents(id, "s", "relu", Map.of(), metrics, 0.5, 0.5), EPOCHS);
    }

    private static Score score(String run, long step, double pred, double half80, double half95) {
        return new Score(run, step, EPOCHS, "p", pred, new Interval(0.8, pred - half80, pred + half80),
                List.of(new Interval(0.8, pred - half80, pred + half80), new Interval(0.95, pred - half95, pred + half95)),
                1, List.of(), 4, 0L, 0L, null);
    }

    @Test
    void judgesScoresAlertsAndEarlyStopFromObservations() throws IOException {
        List<ZooRun> history = List.of(run("h1"), run("h2"), run("h3"), run("h4"));
        List<ZooRun> live = List.of(run("a"), run("b"), run("c"), run("d"));
        ReplayPlan plan = new ReplayPlan(new ZooManifest(1, "digits", 8, EPOCHS, 1, 16, true, 0, 0, ""), "p-", history, live);
        Observations seen = new Observations();
        double[] historyFinals = {0.2, 0.4, 0.6, 0.8}; // 75th percentile 0.65
        for (int i = 0; i < history.size(); i++) {
            seen.finished(history.get(i).replayId(), historyFinals[i]);
        }
        double[] finals = {0.9, 0.7, 0.3, 0.1};
        for (int i = 0; i < live.size(); i++) {
            String id = live.get(i).replayId();
            seen.finished(id, finals[i]);
            for (int s = 1; s <= EPOCHS; s++) {
                seen.sending(id, s, 1_000_000_000L * s);
                // perfect ranking, an error of 0.05; the 80% interval (±0.02) misses, the 95% one (±0.1) covers
                seen.score(score(id, s, finals[i] + 0.05, 0.02, 0.1), 1_000_000_000L * s + 250_000_000L);
            }
        }
        // c and d flagged for early stop (c at step 1: saves 2 epochs; d at step 2: saves 1), b flagged wrongly at step 3
        seen.alert(new Alert("p-c", 1, Alert.EARLY_STOP_CANDIDATE, "info", Map.of(), 1, "p", 0));
        seen.alert(new Alert("p-d", 2, Alert.EARLY_STOP_CANDIDATE, "info", Map.of(), 1, "p", 0));
        seen.alert(new Alert("p-d", 3, Alert.EARLY_STOP_CANDIDATE, "info", Map.of(), 1, "p", 0));
        seen.alert(new Alert("p-a", 3, Alert.SPECTRAL_COLLAPSE, "warning", Map.of(), 1, "p", 0));
        // d dies (its layer is entirely dead at the end), c recovers: the classifier was right once, the dead-fraction rule not
        seen.alert(new Alert("p-d", 1, Alert.DYING_RELU, "warning", Map.of("signal", "classifier"), 1, "p", 0));
        seen.alert(new Alert("p-d", 2, Alert.DYING_RELU, "critical", Map.of("signal", "dead_fractions"), 1, "p", 0));
        seen.alert(new Alert("p-c", 1, Alert.DYING_RELU, "warning", Map.of("signal", "dead_fractions"), 1, "p", 0));
        seen.metrics("p-d", EPOCHS, Map.of("dead_fraction/conv3", 1.0));
        seen.metrics("p-c", EPOCHS, Map.of("dead_fraction/conv3", 0.2));

        LiveJudge judge = new LiveJudge(plan, seen);
        List<EpochQuality> byEpoch = judge.byEpoch();
        assertThat(byEpoch).hasSize(EPOCHS);
        for (EpochQuality e : byEpoch) {
            assertThat(e.runs()).isEqualTo(4);
            assertThat(e.kendallTau()).isCloseTo(1.0, within(1e-12));
            assertThat(e.mae()).isCloseTo(0.05, within(1e-12));
            assertThat(e.r2()).isCloseTo(1 - 4 * 0.0025 / 0.4, within(1e-9));
            assertThat(e.coverage80()).isEqualTo(0.0);
            assertThat(e.coverage95()).isEqualTo(1.0);
        }

        assertThat(judge.reference()).isCloseTo(0.65, within(1e-12));
        Map<String, AlertQuality> alerts = judge.alerts();
        AlertQuality es = alerts.get(Alert.EARLY_STOP_CANDIDATE);
        assertThat(es.flagged()).isEqualTo(2);
        assertThat(es.positives()).isEqualTo(2); // c and d end below 0.65
        assertThat(es.share()).isEqualTo(0.5);
        assertThat(es.precision()).isEqualTo(1.0);
        assertThat(es.recall()).isEqualTo(1.0);
        AlertQuality dying = alerts.get(Alert.DYING_RELU);
        assertThat(dying.flagged()).isEqualTo(2);
        assertThat(dying.positives()).isEqualTo(1);
        assertThat(dying.precision()).isEqualTo(0.5);
        assertThat(dying.recall()).isEqualTo(1.0);
        assertThat(dying.bySignal()).containsOnly(Map.entry("classifier/warning", new AlertQuality.Signal(1, 1)),
                Map.entry("dead_fractions/warning", new AlertQuality.Signal(1, 0)));
        AlertQuality spectral = alerts.get(Alert.SPECTRAL_COLLAPSE);
        assertThat(spectral.flagged()).isEqualTo(1);
        assertThat(spectral.positives()).isEqualTo(1); // d ends at chance (0.1)
        assertThat(spectral.precision()).isEqualTo(0.0);

        EarlyStopQuality stop = judge.earlyStop();
        assertThat(stop.computeSaved()).isCloseTo(3.0 / 12, within(1e-12));
        assertThat(stop.top5Runs()).isEqualTo(1);
        assertThat(stop.top5Kept()).isEqualTo(1.0);
        assertThat(stop.top1Kept()).isTrue();

        LatencyQuality latency = judge.latency(1);
        assertThat(latency.count()).isEqualTo(12);
        assertThat(latency.p50()).isCloseTo(0.25, within(1e-9));
        assertThat(latency.p99()).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void earlyStopOverOrdersAveragesSharesAndKeepsTheTopRunOnlyIfEveryOrderDid() throws IOException {
        EarlyStopQuality a = new EarlyStopQuality(0.5, 1.0, true, 2, "one");
        EarlyStopQuality b = new EarlyStopQuality(0.3, 0.5, false, 2, "one");
        EarlyStopQuality c = new EarlyStopQuality(0.4, 1.0, true, 2, "one");
        EarlyStopQuality all = EarlyStopQuality.over(List.of(a, b, c));
        assertThat(all.orders()).isEqualTo(3);
        assertThat(all.computeSaved()).isCloseTo(0.4, within(1e-12));
        assertThat(all.top5Kept()).isCloseTo(2.5 / 3, within(1e-12));
        assertThat(all.top1Kept()).isFalse();
        assertThat(all.byOrder()).containsExactly(a, b, c);
        assertThat(EarlyStopQuality.over(List.of(a))).isSameAs(a);

        List<ZooRun> live = List.of(run("l1"), run("l2"), run("l3"), run("l4"), run("l5"));
        ReplayPlan plan = new ReplayPlan(new ZooManifest(1, "digits", 6, EPOCHS, 1, 16, true, 0, 0, ""), "p-", List.of(run("h")), live);
        assertThat(plan.withLiveOrder(1, 0)).isSameAs(plan);
        ReplayPlan other = plan.withLiveOrder(1, 1);
        assertThat(other.history()).isEqualTo(plan.history());
        assertThat(other.live()).containsExactlyInAnyOrderElementsOf(live);
        assertThat(other.live()).isNotEqualTo(plan.withLiveOrder(1, 2).live());
    }

    @Test
    void earlyStopOfRunsCountsEpochsSavedAndTheBestRunsThatRanToTheirEnd() {
        double[] finals = {0.9, 0.2, 0.5, 0.1};
        EarlyStopQuality q = EarlyStopQuality.ofRuns(finals, new int[] {3, 1, 3, 2}, 3, "x");
        assertThat(q.computeSaved()).isCloseTo(3.0 / 12, within(1e-12));
        assertThat(q.top5Runs()).isEqualTo(1);
        assertThat(q.top5Kept()).isEqualTo(1.0);
        assertThat(q.top1Kept()).isTrue();
        EarlyStopQuality lost = EarlyStopQuality.ofRuns(finals, new int[] {2, 3, 3, 3}, 3, "x");
        assertThat(lost.top1Kept()).isFalse();
        assertThat(lost.top5Kept()).isEqualTo(0.0);
    }
}
