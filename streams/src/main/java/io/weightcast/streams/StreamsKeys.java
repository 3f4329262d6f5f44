package io.weightcast.streams;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;

/** The streams service's settings, each declared once; {@link FeatureService} and its stages read them. */
public final class StreamsKeys {
    public static final Key<String> APPLICATION_ID = Key.text("streams.application.id", null,
            "the feature app's Kafka Streams application id (its consumer group)").shownAs("<topic.prefix>streams");
    public static final Key<Integer> THREADS = Key.integer("streams.threads", 1, "stream threads of the feature app")
            .rule("≥ 1", n -> n >= 1);
    public static final Key<String> HOST = Key.text("streams.host", "127.0.0.1", "bind host of /metrics, /health, /ready");
    public static final Key<Integer> PORT = Key.integer("streams.port", 8082, "their port; 0 picks a free one")
            .rule("in 0..65535", p -> p >= 0 && p <= 65535);
    public static final Key<Long> PARTS_TTL_MS = Key.longInteger("streams.parts.ttl.ms", CheckpointAssembler.DEFAULT_TTL_MS,
            "stream time a split checkpoint's parts may take to all arrive; then the parts that came are dead-lettered "
                    + "(`incomplete_parts`)").rule("positive", ms -> ms > 0);
    public static final Key<Long> DEDUP_WINDOW_MS = Key.longInteger("streams.dedup.window.ms", DuplicateCheckpoints.DEFAULT_WINDOW_MS,
            "a checkpoint record byte-identical to one of the same run, step and part within this much record time before or "
                    + "after it is a producer's retry and is dropped (`weightcast_streams_duplicate_checkpoints_total`)")
            .rule("positive", ms -> ms > 0);
    public static final Key<Long> CURVE_TTL_MS = Key.longInteger("streams.curve.ttl.ms", MetricHistory.DEFAULT_TTL_MS,
            "stream time without a record of a run after which its metric history and run context are forgotten (7 days)")
            .rule("positive", ms -> ms > 0);
    public static final Key<Long> METRICS_WAIT_MS = Key.longInteger("streams.metrics.wait.ms", 2_000L,
            "wall-clock time a checkpoint without metrics of its step waits for its `metrics` run event (runs that send "
                    + "`started` or `metrics` events only); 0 never waits").rule("≥ 0", ms -> ms >= 0);
    public static final Key<Boolean> SPECTRA_ENABLED = Key.bool("streams.spectra.enabled", true,
            "spectral features (needs the ND4J CPU backend; without it they are off, with one warning)");
    public static final Key<Double> SPECTRA_INLINE_MAX_FLOPS = Key.number("streams.spectra.inline.max.flops", 2e8,
            "checkpoints whose estimated spectral cost is at most this (≈ 50 ms on one core) get their spectra in the "
                    + "features record; larger ones go out at once without them, and their spectra follow on `spectra`")
            .rule("≥ 0", f -> f >= 0);
    public static final Key<Integer> SPECTRA_THREADS = Key.integer("streams.spectra.threads", 1,
            "threads of the deferred spectral worker (layers analysed in parallel)").rule("≥ 1", n -> n >= 1);
    public static final Key<Long> SPECTRA_STEP_MS = Key.longInteger("streams.spectra.step.ms", SpectraStage.DEFAULT_STEP_MS,
            "a referenced checkpoint's deferred spectra are a resumable job: each step computes layers (as many at once as "
            + "streams.spectra.threads) until this much time has passed, then commits them and sends a progress record on "
            + "the spectra topic");
    public static final Key<String> SPECTRA_APPLICATION_ID = Key.text("streams.spectra.application.id", null,
            "the deferred spectral worker's application id").shownAs("<topic.prefix>streams-spectra");
    public static final Key<Boolean> EMBEDDINGS_ENABLED = Key.bool("streams.embeddings.enabled", true,
            "follow the `encoders` topic and join the current encoder's z to every checkpoint of its architecture");

    public static final KeyGroup GROUP = KeyGroup.of("streams", "Turns checkpoints (joined with run events) into feature vectors "
                    + "(FeatureService).", APPLICATION_ID, THREADS, HOST, PORT, PARTS_TTL_MS, DEDUP_WINDOW_MS, CURVE_TTL_MS, METRICS_WAIT_MS,
                    SPECTRA_ENABLED, SPECTRA_INLINE_MAX_FLOPS, SPECTRA_THREADS, SPECTRA_STEP_MS, SPECTRA_APPLICATION_ID, EMBEDDINGS_ENABLED)
            .withFamily("streams.kafka.<streams setting>", "passed to the feature app's Kafka Streams config as is, e.g. "
                    + "`streams.kafka.commit.interval.ms`");

    private StreamsKeys() {
    }
}
