package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Interval;
import io.weightcast.core.service.OpsServer;
import io.weightcast.testkit.MetricsText;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScorerMetricsTest {
    private static final String A = "{run_id=\"run-a\",study=\"s\"}";
    private static final String B = "{run_id=\"run-b\",study=\"s\"}";

    @Test
    void predictionAndItsIntervalArePerRunGaugesThatLeaveWhenTheRunFinishes() {
        ScorerMetrics m = new ScorerMetrics();
        m.predicted("run-a", "s", 0.71, new Interval(0.8, 0.62, 0.8));
        m.predicted("run-b", "s", 0.40, new Interval(0.8, 0.3, 0.5));
        assertThat(MetricsText.valueOrNaN(m.registry(), "weightcast_run_predicted_final_accuracy" + A)).isEqualTo(0.71);
        assertThat(MetricsText.valueOrNaN(m.registry(), "weightcast_run_predicted_final_accuracy_lower" + A)).isEqualTo(0.62);
        assertThat(MetricsText.valueOrNaN(m.registry(), "weightcast_run_predicted_final_accuracy_upper" + A)).isEqualTo(0.8);

        m.runFinished("run-a");
        String text = OpsServer.scrape(m.registry());
        assertThat(text).doesNotContain("run-a").contains("weightcast_run_predicted_final_accuracy_upper" + B + " 0.5");
    }

    @Test
    void aPredictionWithoutIntervalLeavesNoStaleInterval() {
        ScorerMetrics m = new ScorerMetrics();
        m.predicted("run-a", "s", 0.71, new Interval(0.8, 0.62, 0.8));
        m.predicted("run-a", "s", 0.69, null);
        assertThat(MetricsText.valueOrNaN(m.registry(), "weightcast_run_predicted_final_accuracy" + A)).isEqualTo(0.69);
        assertThat(MetricsText.valueOrNaN(m.registry(), "weightcast_run_predicted_final_accuracy_lower" + A)).isNaN();
    }

    @Test
    void aRunIdleForADayLeavesTheGaugesAnActiveOneStays() {
        AtomicLong now = new AtomicLong(1_000_000);
        ScorerMetrics m = new ScorerMetrics(now::get);
        m.predicted("run-a", "s", 0.5, new Interval(0.8, 0.4, 0.6)); // crashed: never scored again, never finished
        now.addAndGet(ScorerMetrics.RUN_IDLE_MILLIS - 60_000);
        m.predicted("run-b", "s", 0.6, new Interval(0.8, 0.5, 0.7));
        assertThat(OpsServer.scrape(m.registry())).contains("run-a");
        now.addAndGet(120_000); // run-a idle > 24 h, run-b 2 minutes
        m.predicted("run-b", "s", 0.61, new Interval(0.8, 0.5, 0.7));
        String text = OpsServer.scrape(m.registry());
        assertThat(text).doesNotContain("run-a").contains("weightcast_run_predicted_final_accuracy" + B + " 0.61");
    }

    /** Issue 21: client-chosen run ids become label values; past the bound the least recently predicted run leaves. */
    @Test
    void perRunSeriesAreBoundedTheLeastRecentlyPredictedRunLeaves() {
        AtomicLong now = new AtomicLong(1_000_000);
        ScorerMetrics m = new ScorerMetrics(now::get);
        m.predicted("kept", "s", 0.5, new Interval(0.8, 0.4, 0.6));
        for (int i = 0; i < 10_000; i++) {
            now.incrementAndGet();
            m.predicted("burst-" + i, "s", 0.5, new Interval(0.8, 0.4, 0.6));
            if (i % 100 == 0) {
                m.predicted("kept", "s", 0.7, new Interval(0.8, 0.6, 0.8)); // a run still reporting
            }
        }
        String text = OpsServer.scrape(m.registry());
        long series = text.lines().filter(l -> l.startsWith("weightcast_run_predicted_final_accuracy{")).count();
        assertThat(series).isEqualTo(ScorerMetrics.MAX_RUN_SERIES);
        assertThat(text).contains("run_id=\"kept\"").contains("run_id=\"burst-9999\"").doesNotContain("run_id=\"burst-0\"");
    }
}
