package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.RunEvent;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (bounded state): the view the query API serves held every run ever, so a scorer's heap grew with every run
 * a team trained. Past {@code scorer.view.max.runs} it lets the least recently updated finished run go, and keeps the
 * runs still training.
 */
class RunsViewBoundTest {
    /** A short run: started, three scores, finished. */
    private static void shortRun(RunsView view, String id) {
        view.onRunEvent(id, RunEvent.started(id, "s", Map.of("lr", 0.01), 3));
        for (int step = 1; step <= 3; step++) {
            view.onScore(LiveEventsTest.score(id, step, 0.5, 1));
        }
        view.onRunEvent(id, RunEvent.finished(id, "s", Map.of("test_accuracy", 0.5)));
    }

    @Test
    void pastTheBoundFinishedRunsGoFirstAndRunsStillTrainingStay() {
        AtomicLong evictions = new AtomicLong();
        RunsView view = new RunsView(100, evictions::incrementAndGet);
        view.onRunEvent("watched", RunEvent.started("watched", "s", Map.of(), 1_000_000));
        for (int i = 0; i < 100_000; i++) {
            shortRun(view, String.format("run-%06d", i));
            if (i % 5_000 == 0) {
                view.onScore(LiveEventsTest.score("watched", i / 5_000 + 1, 0.7, 1)); // a long run, still training
            }
        }
        view.onSpectra("spectra-only", 1, Map.of("fc1", new LayerSpectralHealth("success", 10, 0, 3.0, null, null, null, null, null, null)));

        assertThat(view.size()).isEqualTo(100);
        assertThat(view.list()).hasSize(99); // "spectra-only" holds a place but is not listed before a score or event
        assertThat(view.evicted()).isEqualTo(100_000 + 2 - 100).isEqualTo(evictions.get());
        assertThat(view.run("watched")).as("unfinished, updated long ago: kept while finished runs can go").isPresent();
        assertThat(view.run("run-099999")).isPresent();
        assertThat(view.run("run-099902")).isPresent();
        assertThat(view.run("run-099901")).isEmpty();
        assertThat(view.run("run-000000")).isEmpty();
        assertThat(view.run("spectra-only")).isEmpty(); // spectra alone do not list a run; they count against the bound
        assertThat(view.snapshot().runs()).hasSize(99); // the table: every held run known from scores or events
    }

    @Test
    void theHeapStaysFlatWhileRunsPassThrough() {
        RunsView view = new RunsView(1_000, () -> { });
        for (int i = 0; i < 20_000; i++) {
            shortRun(view, "warm-" + i);
        }
        long before = usedHeapAfterGc();
        for (int i = 0; i < 100_000; i++) {
            shortRun(view, "run-" + i);
        }
        long after = usedHeapAfterGc();
        assertThat(view.size()).isEqualTo(1_000);
        // unbounded, these 100k runs held ~3 scores each: hundreds of MB; bounded, the view's size does not change
        assertThat(after - before).as("heap growth over 100k runs (bytes)").isLessThan(32L << 20);
    }

    @Test
    void theBoundMustBePositive() {
        assertThatThrownBy(() -> new RunsView(0, () -> { })).hasMessageContaining("scorer.view.max.runs");
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
