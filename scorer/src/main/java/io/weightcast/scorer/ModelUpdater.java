package io.weightcast.scorer;

import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.ModelVersion;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global-store processor of the models topic: keeps each model name's newest version in the store and
 * swaps the live accuracy model (and the dying-ReLU classifier, {@link DyingReluClassifier}) when a newer version arrives. Kafka Streams also runs it when it
 * rebuilds the store at start, which is how a restarted scorer finds its model again.
 * A global processor cannot forward, so undecodable versions go to the {@link DeadLetterSink}, and so do
 * records without a valid signature when a signing key is set ({@link RecordSignature}: the trainer signs).
 *
 * <p>Versions follow each other: the trainer numbers each publish one above the last it saw, so a record more than
 * {@link #MAX_VERSION_STEP} above the last version of its name this scorer saw is dead-lettered
 * ({@code model_version_jump}) and the live model stays. A forged or corrupt 2³¹−1 cannot pin the scorer even with a
 * leaked key. The step is not 1 because the trainer skips a number when a publish's acknowledgement is lost (it may
 * have been written), and a version that does not load here is skipped too; versions seen count whether or not
 * they loaded, so skips do not add up across refits.
 */
final class ModelUpdater implements Processor<String, byte[], Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(ModelUpdater.class);
    /** The largest accepted step above the last version seen of a name (see the class comment). */
    static final int MAX_VERSION_STEP = 64;

    private final ModelCache models;
    private final ScorerMetrics metrics;
    private final DeadLetterSink deadLetters;
    private final RecordSignature signature;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, ModelVersion> store;
    /** The last signed, well-formed version seen per name, loaded or not (the store holds only loaded ones). */
    private final java.util.Map<String, Integer> lastSeen = new java.util.HashMap<>();

    ModelUpdater(ModelCache models, ScorerMetrics metrics, DeadLetterSink deadLetters, RecordSignature signature) {
        this.models = models;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.signature = signature;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(ScoringTopology.MODEL_STORE);
        ModelVersion restored = store.get(ModelVersion.ACCURACY_MODEL);
        if (restored != null) {
            makeLive(restored, null);
        }
        ModelVersion classifier = store.get(DyingReluModel.NAME);
        if (classifier != null) {
            makeClassifierLive(classifier, null);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            // A tombstone retires a name from the store; the live model keeps serving until a newer one arrives.
            if (record.key() != null) {
                store.delete(record.key());
            }
            return;
        }
        String topic = context.recordMetadata().map(m -> m.topic()).orElse(null);
        RecordSignature.Verdict verdict = signature.verify(record.headers(), topic, record.key(), record.value());
        if (!verdict.accepted()) {
            // before parsing: a forged record never reaches Jackson, LightGBM or the version comparison
            reject(record, "model_signature_" + verdict.name().toLowerCase(java.util.Locale.ROOT),
                    "model record " + verdict.name().toLowerCase(java.util.Locale.ROOT) + ": it does not carry a valid signature of the "
                            + "models signing key (models.signing.key.file); the live model stays");
            return;
        }
        ModelVersion version;
        try {
            version = validate(Json.read(record.value(), ModelVersion.class));
        } catch (MalformedRecordException e) {
            reject(record, "malformed_model_version", e.getMessage());
            return;
        }
        if (!followsLastSeen(version, record)) {
            return;
        }
        if (ModelVersion.ACCURACY_MODEL.equals(version.name()) && !makeLive(version, record)) {
            return; // not stored either, so a restart does not try it again
        }
        if (DyingReluModel.NAME.equals(version.name()) && !makeClassifierLive(version, record)) {
            return;
        }
        ModelVersion stored = store.get(version.name());
        if (stored == null || version.version() > stored.version()) {
            store.put(version.name(), version);
        }
    }

    /** @return false (and the record dead-lettered) if the version jumps too far above the last one seen of its name */
    private boolean followsLastSeen(ModelVersion version, Record<String, byte[]> record) {
        ModelVersion stored = store.get(version.name());
        long reference = Math.max(lastSeen.getOrDefault(version.name(), 0), stored == null ? 0 : stored.version());
        boolean first = reference == 0;
        if (!first && (long) version.version() > reference + MAX_VERSION_STEP) {
            reject(record, "model_version_jump", "model " + version.name() + " version " + version.version() + " jumps more than "
                    + MAX_VERSION_STEP + " above version " + reference + ", the last one seen; the live model stays");
            return false;
        }
        lastSeen.merge(version.name(), version.version(), Math::max);
        return true;
    }

    /** @return false if the version does not load (the live model stays) */
    private boolean makeLive(ModelVersion version, Record<String, byte[]> record) {
        try {
            if (models.offer(version)) {
                metrics.modelVersion(version.version());
            }
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("model version {} does not load: {}", version.version(), e.getMessage());
            if (record != null) {
                reject(record, "model_not_loadable", e.getMessage());
            }
            return false;
        }
    }

    /** @return false if the classifier does not load (the live one stays) */
    private boolean makeClassifierLive(ModelVersion version, Record<String, byte[]> record) {
        try {
            models.dyingRelu().offer(version);
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("dying-ReLU classifier version {} does not load: {}", version.version(), e.getMessage());
            if (record != null) {
                reject(record, "model_not_loadable", e.getMessage());
            }
            return false;
        }
    }

    private static ModelVersion validate(ModelVersion v) {
        if (v.name() == null || v.modelText() == null || v.featureNames() == null) {
            throw new MalformedRecordException("model version needs name, model_text and feature_names");
        }
        return v;
    }

    private void reject(Record<String, byte[]> record, String category, String reason) {
        LOG.warn("models record with key {} rejected: {}", record.key(), reason);
        metrics.deadLetter(category);
        deadLetters.publish(record.key(), DeadLetters.of(context, record, reason));
    }
}
