package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.LayerSpectralHealth;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RunsView#onSpectra}: per-layer spectra per step in the run detail, oldest first, bounded. */
class RunsViewSpectraTest {
    private final RunsView view = new RunsView();

    private static LayerSpectralHealth alpha(double a) {
        return new LayerSpectralHealth("success", 10, 0, a, null, null, null, null, null, null);
    }

    @Test
    void spectraAreKeptByStepWithTheirLayersInOrder() {
        view.onRunEvent("r", io.weightcast.core.records.RunEvent.started("r", "s", Map.of(), 10));
        Map<String, LayerSpectralHealth> layers = new LinkedHashMap<>();
        layers.put("conv2", alpha(4.0));
        layers.put("conv1", alpha(3.0));
        view.onSpectra("r", 5, layers);
        view.onSpectra("r", 2, Map.of("conv1", alpha(2.5)));
        view.onSpectra("r", 7, Map.of());   // nothing to show
        view.onSpectra("r", 8, null);

        RunsView.RunDetail run = view.run("r").orElseThrow();
        assertThat(run.spectra()).extracting(RunsView.Spectra::step).containsExactly(2L, 5L);
        assertThat(run.spectra().get(1).layers().keySet()).containsExactly("conv2", "conv1");
        assertThat(run.spectra().get(1).layers().get("conv1").alpha()).isEqualTo(3.0);
    }

    @Test
    void spectraAloneDoNotListARun() {
        view.onSpectra("ghost", 1, Map.of("fc", alpha(3.0)));
        assertThat(view.list()).isEmpty();
        assertThat(view.run("ghost")).isEmpty();
        view.onRunEvent("ghost", io.weightcast.core.records.RunEvent.started("ghost", "s", Map.of(), 4));
        assertThat(view.run("ghost").orElseThrow().spectra()).extracting(RunsView.Spectra::step).containsExactly(1L);
    }

    @Test
    void onlyTheNewestStepsAreKept() {
        view.onRunEvent("r", io.weightcast.core.records.RunEvent.started("r", "s", Map.of(), 10));
        for (int step = 0; step < RunsView.MAX_SPECTRA_STEPS_PER_RUN + 5; step++) {
            view.onSpectra("r", step, Map.of("fc", alpha(3.0)));
        }
        RunsView.RunDetail run = view.run("r").orElseThrow();
        assertThat(run.spectra()).hasSize(RunsView.MAX_SPECTRA_STEPS_PER_RUN);
        assertThat(run.spectra().get(0).step()).isEqualTo(5L);
    }
}
