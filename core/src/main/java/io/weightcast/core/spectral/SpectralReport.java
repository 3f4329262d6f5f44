package io.weightcast.core.spectral;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The spectral metrics of every weight layer of a checkpoint, in layer order. */
public record SpectralReport(List<LayerSpectrum> layers) {

    public SpectralReport {
        layers = List.copyOf(layers);
    }

    /** Metrics keyed by layer name (the tensor-name prefix, WeightWatcher's {@code longname}), in layer order. */
    public Map<String, SpectralMetrics> metrics() {
        Map<String, SpectralMetrics> out = new LinkedHashMap<>();
        layers.forEach(l -> out.put(l.name(), l.metrics()));
        return out;
    }

    /** Per layer (in layer order) the compact facts that travel with a checkpoint's features. */
    public Map<String, io.weightcast.core.records.LayerSpectralHealth> health() {
        Map<String, io.weightcast.core.records.LayerSpectralHealth> out = new LinkedHashMap<>();
        layers.forEach(l -> out.put(l.name(), l.metrics().health()));
        return out;
    }

    public SpectralMetrics metrics(String layer) {
        return layers.stream().filter(l -> l.name().equals(layer)).map(LayerSpectrum::metrics).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer named '" + layer + "'"));
    }

    /** The layers that got a power-law fit. */
    public List<SpectralMetrics> fitted() {
        return layers.stream().map(LayerSpectrum::metrics).filter(SpectralMetrics::fitted).toList();
    }
}
