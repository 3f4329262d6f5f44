package io.weightcast.scorer.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.scorer.RunState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpectralCollapsePolicyTest {
    private final SpectralCollapsePolicy policy = new SpectralCollapsePolicy();

    static LayerSpectralHealth layer(Double alpha, Integer rankLoss) {
        return new LayerSpectralHealth(alpha == null ? "no_fit" : "success", 144, rankLoss, alpha, null, null, null, null, null, null);
    }

    private static Checkpoint at(long step, Map<String, LayerSpectralHealth> spectra) {
        return PolicyFixtures.checkpoint(step, 18, "digits", new Health(0, List.of(), Map.of(), spectra),
                PolicyFixtures.predicted(0.5, 0.1, PolicyFixtures.model(1, Map.of())));
    }

    private static Map<String, LayerSpectralHealth> spectra(Object... nameAlphaRank) {
        Map<String, LayerSpectralHealth> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAlphaRank.length; i += 3) {
            m.put((String) nameAlphaRank[i], layer((Double) nameAlphaRank[i + 1], (Integer) nameAlphaRank[i + 2]));
        }
        return m;
    }

    @Test
    void aLayerLeavingTheBandItWasInRaisesOnceWithTheEvidence() {
        RunState run = RunState.empty();
        Outcome o1 = policy.apply(at(1, spectra("conv2", 3.5, 0, "fc", 7.0, 0)), run);
        assertThat(o1.alert()).isNull();
        assertThat(o1.flag()).isNull();
        // fc was never inside [2, 6]: its 8.0 is no collapse; conv2 was, its 1.6 is
        Outcome o2 = policy.apply(at(2, spectra("conv2", 1.6, 0, "fc", 8.0, 0)), o1.run());
        assertThat(o2.flag()).isEqualTo(SpectralCollapsePolicy.FLAG);
        assertThat(o2.alert()).isNotNull();
        assertThat(o2.alert().kind()).isEqualTo(Alert.SPECTRAL_COLLAPSE);
        assertThat(o2.alert().step()).isEqualTo(2);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layers = (List<Map<String, Object>>) o2.alert().evidence().get("layers");
        assertThat(layers).singleElement().satisfies(l -> {
            assertThat(l).containsEntry("layer", "conv2").containsEntry("alpha", 1.6);
            assertThat((String) l.get("reason")).contains("over-trained").contains("was inside");
        });
        Outcome o3 = policy.apply(at(3, spectra("conv2", 1.5, 0, "fc", 8.0, 0)), o2.run());
        assertThat(o3.flag()).isEqualTo(SpectralCollapsePolicy.FLAG);
        assertThat(o3.alert()).as("once per run").isNull();
    }

    @Test
    void rankLossAfterFullRankIsACollapseAndLayersWithoutAFitAreIgnored() {
        Outcome o1 = policy.apply(at(1, spectra("conv2", 9.0, 0, "conv1", null, null)), RunState.empty());
        Outcome o2 = policy.apply(at(2, spectra("conv2", 9.0, 3, "conv1", null, null)), o1.run());
        assertThat(o2.alert()).isNotNull();
        assertThat(o2.alert().evidence().toString()).contains("rank loss 3").doesNotContain("conv1");
    }

    @Test
    void checkpointsWithoutSpectraChangeNothing() {
        RunState run = policy.apply(at(1, spectra("conv2", 3.0, 0)), RunState.empty()).run();
        Outcome o = policy.apply(at(2, null), run);
        assertThat(o.run()).isEqualTo(run);
        assertThat(o.alert()).isNull();
        // a run whose layers never were inside the band stays quiet
        Outcome quiet = policy.apply(at(1, spectra("conv2", 8.0, 0)), RunState.empty());
        assertThat(policy.apply(at(2, spectra("conv2", 1.2, 0)), quiet.run()).alert()).isNull();
    }
}
