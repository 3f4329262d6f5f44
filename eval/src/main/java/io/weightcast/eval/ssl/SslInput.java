package io.weightcast.eval.ssl;

import io.weightcast.eval.FeatureSet;
import io.weightcast.core.features.FeatureLayout;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The four inputs of the paper's Table 6: the raw weights W, their statistics s(W), the encoder's
 * embedding z, and z with s(W). s(W) is core's per-layer statistics (kernel and bias mean, std,
 * percentiles 0-25-50-75-100, aggregated first/last/mean/min/max over layers): no norms, no spectra,
 * no reported metric and no global column (the step would give the epoch task away).
 */
public enum SslInput {
    W("W", "W"), STATS("stats", "s(W)"), EMBEDDING("embedding", "embedding"), BOTH("both", "both");

    private final String key;
    private final String label;

    SslInput(String key, String label) {
        this.key = key;
        this.label = label;
    }

    public String key() {
        return key;
    }

    /** The column title in the Markdown table (the paper's notation). */
    public String label() {
        return label;
    }

    /** Indices into {@link FeatureLayout#names()} of the statistics columns. */
    public static int[] statisticsColumns() {
        List<String> names = FeatureLayout.names();
        return IntStream.range(0, names.size()).filter(i -> FeatureSet.isStatistic(names.get(i))).toArray();
    }
}
