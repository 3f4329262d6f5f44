package io.weightcast.streams;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
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
    final Counter hparamsUnread = Counter.builder().name("weightcast_streams_hparams_unread_total")
            .help("Declared hyper-parameters of processed checkpoints that no feature takes (their column stays NaN), by kind: "
                    + "unknown_name, shadowed (another alias of the same feature is read), bad_value")
            .labelNames("kind").register(registry);
    final Counter runEvents = Counter.builder().name("weightcast_streams_run_events_total")
            .help("Run events read for the features (started, metrics, finished; malformed ones are skipped here and "
                    + "dead-lettered by the scorer)").labelNames("type").register(registry);
    final Counter held = Counter.builder().name("weightcast_streams_held_features_total")
            .help("Feature vectors of checkpoints that came before their step's metrics run event: held, then released "
                    + "by the event (metrics), by the run's finished event, or by streams.metrics.wait.ms (timeout)")
            .labelNames("outcome").register(registry);
    final Counter duplicates = Counter.builder().name("weightcast_streams_duplicate_checkpoints_total")
            .help("Checkpoint records dropped as byte-identical copies of one that passed within streams.dedup.window.ms "
                    + "(a producer's retry), by app").labelNames("app").register(registry);
    final Counter deadLetters = Counter.builder().name("weightcast_streams_dead_letters_total")
            .help("Records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    final Counter references = Counter.builder().name("weightcast_streams_checkpoint_references_total")
            .help("Reference records (claim checks) by app (features, spectra) and outcome: resolved, or the dead letter's "
                    + "reason: ref_refused (outside store.read.roots), ref_missing, ref_mismatch (size or SHA-256), ref_unreadable")
            .labelNames("app", "outcome").register(registry);
    final Counter referenceBytes = Counter.builder().name("weightcast_streams_checkpoint_reference_bytes_total")
            .help("Bytes of referenced checkpoints verified and read from the store, by app").labelNames("app").register(registry);
    final Histogram referenceSeconds = Histogram.builder().name("weightcast_streams_reference_open_duration_seconds")
            .help("Time to open a referenced checkpoint: download (S3), size and SHA-256 check, mapping; by app").labelNames("app")
            .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
            .register(registry);
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
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600)
            .register(registry);
    final Gauge spectraJobs = Gauge.builder().name("weightcast_streams_spectra_jobs")
            .help("Deferred spectra jobs of referenced checkpoints not finished yet, on this instance's tasks").register(registry);
    final Counter spectraLayers = Counter.builder().name("weightcast_streams_spectra_layers_total")
            .help("Layers analysed by deferred spectra jobs (each step sends the layers done so far on the spectra topic)")
            .register(registry);

    final Counter embeddings = Counter.builder().name("weightcast_streams_embeddings_total")
            .help("Checkpoints by embedding outcome: embedded, no_encoder (none trained yet), other_architecture, failed, off")
            .labelNames("outcome").register(registry);
    final Histogram embeddingSeconds = Histogram.builder().name("weightcast_streams_embedding_duration_seconds")
            .help("Time to tokenise a checkpoint and run the encoder on it")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    final Counter encodersRejected = Counter.builder().name("weightcast_streams_encoder_records_rejected_total")
            .help("Records on the encoders topic that did not decode or carry no valid signature (the previous encoder keeps serving)").register(registry);
    final Gauge encoderVersion = Gauge.builder().name("weightcast_streams_encoder_version")
            .help("Version of the newest encoder read from the encoders topic (0: none yet)").register(registry);

    public StreamsMetrics() {
        duplicates.initLabelValues("features");
        duplicates.initLabelValues("spectra");
        for (String app : new String[] {"features", "spectra"}) {
            references.initLabelValues(app, "resolved");
            referenceBytes.initLabelValues(app);
            referenceSeconds.initLabelValues(app);
        }
        for (String type : new String[] {"started", "metrics", "finished", "malformed"}) {
            runEvents.initLabelValues(type);
        }
        for (String outcome : new String[] {"held", "metrics", "finished", "timeout"}) {
            held.initLabelValues(outcome);
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
