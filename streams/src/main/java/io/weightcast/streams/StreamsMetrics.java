package io.weightcast.streams;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The streams service's Prometheus metrics, in its own registry. */
public final class StreamsMetrics {
    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter processed = Counter.builder().name("weightcast_streams_checkpoints_processed_total")
            .help("Checkpoints turned into feature vectors").register(registry);
    final Counter parts = Counter.builder().name("weightcast_streams_checkpoint_parts_total")
            .help("Checkpoint records received (a split checkpoint counts each part)").register(registry);
    final Counter bytes = Counter.builder().name("weightcast_streams_checkpoint_bytes_total")
            .help("Bytes of checkpoint records received").register(registry);
    final Counter deadLetters = Counter.builder().name("weightcast_streams_dead_letters_total")
            .help("Records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    final Histogram featureSeconds = Histogram.builder().name("weightcast_streams_feature_duration_seconds")
            .help("Time to decode a checkpoint and compute its features")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);

    final Counter spectra = Counter.builder().name("weightcast_streams_spectra_total")
            .help("Checkpoints by where their spectra were computed: inline (with the features), deferred (spectra topic), off")
            .labelNames("path").register(registry);
    final Counter spectraFailures = Counter.builder().name("weightcast_streams_spectra_failures_total")
            .help("Spectral computations that failed (the features still went out, without spectra)").register(registry);
    final Histogram spectraSeconds = Histogram.builder().name("weightcast_streams_spectra_duration_seconds")
            .help("Time to compute a checkpoint's spectra, by path (inline or deferred)").labelNames("path")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .register(registry);

    public PrometheusRegistry registry() {
        return registry;
    }
}
