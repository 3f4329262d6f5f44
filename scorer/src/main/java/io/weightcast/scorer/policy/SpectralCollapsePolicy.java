package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.scorer.RunState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Spectral collapse (design §5, WeightWatcher's thresholds): a layer whose power-law exponent α was
 * inside [2, 6] at an earlier checkpoint of the run and is now outside it (below: over-fit, a few
 * directions dominate; above: the layer lost its learned correlations), or a layer that had full
 * rank and now has rank loss. Comparing a layer with its own past, not with the band alone, keeps
 * quiet about layers that never entered the band (untrained-looking layers are common early on
 * and in small nets). Raised once per run; the evidence names every layer and what it crossed.
 *
 * <p>Spectra arrive with the features (small checkpoints) or later on the spectra topic (large
 * ones): {@link #judge} serves both.
 */
public final class SpectralCollapsePolicy implements Policy {
    public static final String FLAG = "spectral_collapse";
    /** {@link RunState#spectralSeen()} bits per layer. */
    static final int ALPHA_IN_BAND = 1;
    static final int FULL_RANK = 2;

    @Override
    public Outcome apply(Checkpoint checkpoint, RunState run) {
        Health health = checkpoint.features().health();
        return judge(health == null ? null : health.spectra(), run,
                (severity, evidence) -> checkpoint.alert(Alert.SPECTRAL_COLLAPSE, severity, evidence));
    }

    /**
     * @param spectra per-layer spectra of one checkpoint (null when it has none: nothing changes)
     * @param alert   builds the alert from severity and evidence
     */
    public Outcome judge(Map<String, LayerSpectralHealth> spectra, RunState run,
                         BiFunction<String, Map<String, Object>, Alert> alert) {
        if (spectra == null || spectra.isEmpty()) {
            return Outcome.quiet(run);
        }
        Map<String, Integer> seen = new LinkedHashMap<>(run.spectralSeen());
        List<Map<String, Object>> collapsed = new ArrayList<>();
        spectra.forEach((layer, h) -> {
            int before = seen.getOrDefault(layer, 0);
            String reason = crossing(h, before);
            if (reason != null) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("layer", layer);
                e.put("reason", reason);
                e.put("alpha", h.alpha());
                e.put("rank_loss", h.rankLoss());
                e.put("num_evals", h.numEvals());
                collapsed.add(e);
            }
            seen.put(layer, before | (h.alphaInBand() ? ALPHA_IN_BAND : 0)
                    | (h.rankLoss() != null && h.rankLoss() == 0 ? FULL_RANK : 0));
        });
        RunState after = run.withSpectralSeen(seen);
        if (collapsed.isEmpty()) {
            return Outcome.quiet(after);
        }
        if (run.raisedAt(Alert.SPECTRAL_COLLAPSE) != null) {
            return new Outcome(after, FLAG, null);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("layers", collapsed);
        evidence.put("alpha_band", List.of(LayerSpectralHealth.ALPHA_LOW, LayerSpectralHealth.ALPHA_HIGH));
        return new Outcome(after.withRaised(Alert.SPECTRAL_COLLAPSE, collapsed.size()), FLAG, alert.apply("warning", evidence));
    }

    /** Why this layer collapsed now, given what it showed before; null when it did not. */
    private static String crossing(LayerSpectralHealth h, int before) {
        if ((before & FULL_RANK) != 0 && h.rankLoss() != null && h.rankLoss() > 0) {
            return "rank loss " + h.rankLoss() + " (had full rank before)";
        }
        if ((before & ALPHA_IN_BAND) != 0 && h.fitted() && !h.alphaInBand()) {
            return String.format(java.util.Locale.ROOT, "alpha %.3f left [%.0f, %.0f] (%s; was inside before)", h.alpha(),
                    LayerSpectralHealth.ALPHA_LOW, LayerSpectralHealth.ALPHA_HIGH,
                    h.alpha() < LayerSpectralHealth.ALPHA_LOW ? "over-trained" : "under-trained");
        }
        return null;
    }
}
