package io.weightcast.app.analyze;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.core.features.CheckpointFeatures;
import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.features.LayerFeatures;
import io.weightcast.core.records.Json;
import io.weightcast.core.spectral.LayerSpectrum;
import io.weightcast.core.spectral.SpectralMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What {@code weightcast analyze} found in one checkpoint: a row per weight layer (statistics, norms
 * and dead units from core's feature math, spectral metrics from core's spectral package), a summary,
 * and the predicted final accuracy when a model was given.
 */
record CheckpointReport(String file, long bytes, int tensors, Map<String, String> metadata,
                        List<LayerRow> layers, Summary summary, AccuracyPrediction prediction) {

    /** One weight layer. {@code statistics} are core's per-layer features (kernel_*, bias_*, max_bias). */
    record LayerRow(String name, CheckpointTopology.Layer layer, long parameters, Map<String, Double> statistics,
                    double deadFraction, boolean nonfinite, SpectralMetrics spectral, double[] eigenvalues, List<String> flags) {

        double stat(String key) {
            Double v = statistics.get(key);
            return v == null ? Double.NaN : v;
        }

        String shape() {
            StringBuilder s = new StringBuilder();
            for (long d : layer.kernel().shape()) {
                s.append(s.length() == 0 ? "" : "x").append(d);
            }
            return s.toString();
        }
    }

    /**
     * Totals and the means over layers of WeightWatcher's summary metrics (its {@code get_summary()}:
     * each mean over the layers where the metric exists).
     */
    record Summary(int layers, long parameters, int fittedLayers, Double alpha, Double alphaWeighted, Double logNorm,
                   Double logAlphaNorm, Double logSpectralNorm, Double stableRank, List<String> overTrained,
                   List<String> underTrained, Map<String, String> noFit, Map<String, Double> deadUnits,
                   long nonfiniteValues, List<String> nonfiniteTensors, List<String> notes, Map<String, Double> seconds) {
    }

    static CheckpointReport of(CheckpointFile file, List<CheckpointTopology.Layer> topology, CheckpointFeatures features,
                               List<LayerSpectrum> spectra, List<String> notes, AccuracyPrediction prediction, Map<String, Double> seconds) {
        List<LayerRow> rows = new ArrayList<>();
        for (int i = 0; i < topology.size(); i++) {
            CheckpointTopology.Layer layer = topology.get(i);
            LayerFeatures f = features.layers().get(i);
            LayerSpectrum s = spectra.get(i);
            if (!f.name().equals(layer.name()) || !s.name().equals(layer.name())) {
                throw new IllegalStateException("layer order differs between features (" + f.name() + "), spectra ("
                        + s.name() + ") and topology (" + layer.name() + ")");
            }
            Map<String, Double> stats = new LinkedHashMap<>(f.values());
            double dead = stats.remove("dead_fraction");
            boolean nonfinite = features.nonfiniteTensors().contains(layer.kernel().name())
                    || (layer.bias() != null && features.nonfiniteTensors().contains(layer.bias().name()));
            rows.add(new LayerRow(layer.name(), layer, f.parameters(), stats, dead, nonfinite, s.metrics(), s.eigenvalues(),
                    flags(s.metrics(), dead, nonfinite)));
        }
        return new CheckpointReport(file.path().toString(), file.bytes(), file.tensors().size(), file.tensors().metadata(),
                List.copyOf(rows), summary(rows, features, notes, seconds), prediction);
    }

    /** The verdicts of one layer, worst first; empty when nothing stands out. */
    static List<String> flags(SpectralMetrics s, double deadFraction, boolean nonfinite) {
        List<String> flags = new ArrayList<>();
        if (nonfinite) {
            flags.add("non-finite weights");
        }
        if (s.fitted()) {
            if (s.alpha() < SpectralMetrics.OVER_TRAINED_BELOW) {
                flags.add("over-trained (alpha < 2)");
            } else if (s.alpha() > SpectralMetrics.UNDER_TRAINED_ABOVE) {
                flags.add("under-trained (alpha > 6)");
            }
        } else {
            flags.add("no fit: " + s.reason());
        }
        if (s.rankLoss() != null && s.rankLoss() > 0) {
            flags.add("rank loss " + s.rankLoss());
        }
        if (deadFraction > 0) {
            flags.add(String.format(Locale.ROOT, "dead units %.1f%%", 100 * deadFraction));
        }
        return List.copyOf(flags);
    }

    private static Summary summary(List<LayerRow> rows, CheckpointFeatures f, List<String> notes, Map<String, Double> seconds) {
        List<String> over = new ArrayList<>();
        List<String> under = new ArrayList<>();
        Map<String, String> noFit = new LinkedHashMap<>();
        Map<String, Double> dead = new LinkedHashMap<>();
        for (LayerRow r : rows) {
            SpectralMetrics s = r.spectral();
            if (!s.fitted()) {
                noFit.put(r.name(), s.reason());
            } else if (s.alpha() < SpectralMetrics.OVER_TRAINED_BELOW) {
                over.add(r.name());
            } else if (s.alpha() > SpectralMetrics.UNDER_TRAINED_ABOVE) {
                under.add(r.name());
            }
            if (r.deadFraction() > 0) {
                dead.put(r.name(), r.deadFraction());
            }
        }
        int fitted = rows.size() - noFit.size();
        return new Summary(rows.size(), f.parameters(), fitted,
                mean(rows, SpectralMetrics::alpha), mean(rows, SpectralMetrics::alphaWeighted), mean(rows, SpectralMetrics::logNorm),
                mean(rows, SpectralMetrics::logAlphaNorm), mean(rows, SpectralMetrics::logSpectralNorm),
                mean(rows, SpectralMetrics::stableRank), over, under, noFit, dead, f.nonfiniteValues(), f.nonfiniteTensors(),
                List.copyOf(notes), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds)));
    }

    private static Double mean(List<LayerRow> rows, Function<SpectralMetrics, Double> metric) {
        double[] values = rows.stream().map(r -> metric.apply(r.spectral())).filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue).toArray();
        if (values.length == 0) {
            return null;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /**
     * {@code {"file", "bytes", "tensors", "metadata", "layers":[...], "summary", "prediction"}}; a layer holds
     * name, shape, params, the statistics, dead_fraction, then the spectral fields under WeightWatcher's
     * column names (alpha, alpha_weighted, log_norm, ..., D, status, reason) and flags. Values that do
     * not exist (NaN: no bias, dead units of a non-ReLU net) are null.
     */
    ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("file", file);
        root.put("bytes", bytes);
        root.put("tensors", tensors);
        root.set("metadata", Json.MAPPER.valueToTree(metadata));
        ArrayNode layerArray = root.putArray("layers");
        for (LayerRow r : layers) {
            layerArray.add(layerJson(r));
        }
        root.set("summary", Json.MAPPER.valueToTree(summary));
        root.set("prediction", prediction == null ? null : Json.MAPPER.valueToTree(prediction));
        return root;
    }

    private static ObjectNode layerJson(LayerRow r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", r.name());
        ArrayNode shape = o.putArray("shape");
        for (long d : r.layer().kernel().shape()) {
            shape.add(d);
        }
        o.put("params", r.parameters());
        r.statistics().forEach((k, v) -> putFinite(o, k, v));
        putFinite(o, "dead_fraction", r.deadFraction());
        ObjectNode spectral = Json.MAPPER.valueToTree(r.spectral());
        spectral.remove("name");
        o.setAll(spectral);
        ArrayNode flags = o.putArray("flags");
        r.flags().forEach(flags::add);
        return o;
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
