package io.weightcast.streams;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.store.ClaimCheckException;
import io.weightcast.store.ClaimChecks;
import java.util.Optional;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint record → its {@link SpectralSummary}, for the checkpoints {@link SpectraStage} defers
 * (the rest got their spectra inline). Records it cannot read or assemble are skipped here, whatever
 * the exception: the features path dead-letters them already, once (a reference it cannot honour included). A reference
 * record's file is opened here too, verified like on the features path ({@link CheckpointSource}), and its spectra are a
 * resumable job that sends progress records as its layers finish ({@link SpectraJobs}); an inline checkpoint's are
 * computed in one call. A failed computation is a dead letter with its reason.
 */
final class SpectraProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(SpectraProcessor.class);

    static final String SPECTRA = "spectra-sink";
    static final String DEAD_LETTERS = "spectra-dead-letters-sink";
    /** How often a pending job gets its next step when no record arrives. */
    private static final Duration STEP_INTERVAL = Duration.ofMillis(500);

    private final String partsStoreName;
    private final String dedupStoreName;
    private final String jobsStoreName;
    private final long partsTtlMs;
    private final long dedupWindowMs;
    private final StreamsMetrics metrics;
    private final SpectraStage stage;
    private final ForkJoinPool pool;
    private final CheckpointSource source;
    private ProcessorContext<String, Object> context;
    private CheckpointAssembler assembler;
    private DuplicateCheckpoints copies;
    private SpectraJobs jobs;

    /**
     * @param stores the names of the parts, dedup and jobs stores
     * @param pool layers are analysed in parallel on it; null for the stream thread alone
     */
    SpectraProcessor(List<String> stores, StreamsMetrics metrics, SpectraStage stage, ForkJoinPool pool,
                     FeatureSettings limits, ClaimChecks references) {
        this.partsStoreName = stores.get(0);
        this.dedupStoreName = stores.get(1);
        this.jobsStoreName = stores.get(2);
        this.partsTtlMs = limits.partsTtlMs();
        this.dedupWindowMs = limits.dedupWindowMs();
        this.metrics = metrics;
        this.stage = stage;
        this.pool = pool;
        this.source = new CheckpointSource(references, metrics, "spectra");
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.assembler = new CheckpointAssembler(context.getStateStore(partsStoreName), partsTtlMs);
        this.copies = new DuplicateCheckpoints(context.getStateStore(dedupStoreName), dedupWindowMs);
        // expired parts are only dropped here: the features path dead-letters the same parts, once
        context.schedule(assembler.expiryInterval(), PunctuationType.STREAM_TIME, assembler::expire);
        KeyValueStore<String, byte[]> jobStore = context.getStateStore(jobsStoreName);
        jobs = new SpectraJobs(context, jobStore, stage, pool, source, metrics, stage.stepMillis());
        context.schedule(STEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> jobs.stepOldest());
    }

    @Override
    public void close() {
        if (jobs != null) {
            jobs.close();
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        CheckpointSource.Referenced stored = null;
        CheckpointMetadata passed = null;
        try {
            SafeTensors whole;
            CheckpointMetadata meta;
            try {
                SafeTensors file = SafeTensors.read(record.value());
                meta = CheckpointMetadata.parse(file.metadata(), record.key());
                Optional<CheckpointReference> ref = CheckpointSource.reference(file);
                if (copies.seen(meta, record.value(), record.timestamp())) {
                    metrics.duplicates.labelValues("spectra").inc();
                    return; // a producer's retry: analysed once
                }
                passed = meta; // remembered at the end: the store write opens the transaction (see SpectraJobs)
                if (ref.isPresent()) {
                    stored = source.open(ref.get(), file, record.key());
                    whole = stored.tensors();
                    meta = stored.metadata();
                } else {
                    whole = assembler.offer(file, record.value(), meta, record.timestamp());
                }
                if (whole == null || stage.path(whole) != SpectraStage.Path.DEFERRED) {
                    return;
                }
                if (stored != null) {
                    String jobKey = String.format("%020d", context.recordMetadata().map(m -> m.offset()).orElse(record.timestamp()));
                    CheckpointSource.Referenced job = stored;
                    stored = null; // the job's now
                    jobs.start(jobKey, record, meta, job);
                    return;
                }
            } catch (ClaimCheckException | SafeTensorsFormatException | MalformedRecordException e) {
                return; // the features path dead-letters it
            } catch (RuntimeException e) {
                // anything else, too: a record this path cannot read must not stop it (the features path dead-letters it)
                metrics.spectraFailures.inc();
                LOG.warn("checkpoint record of run {} skipped by the spectra path: {}", record.key(), e.toString());
                return;
            }
            analyse(record, whole, meta);
        } finally {
            if (stored != null) {
                stored.close();
            }
            if (passed != null) {
                copies.remember(passed, record.value(), record.timestamp());
            }
        }
    }

    private void analyse(Record<String, byte[]> record, SafeTensors whole, CheckpointMetadata meta) {
        long t0 = System.nanoTime();
        try {
            Map<String, LayerSpectralHealth> layers = stage.compute(whole, pool);
            double seconds = (System.nanoTime() - t0) / 1e9;
            SpectralSummary summary = new SpectralSummary(meta.runId(), meta.step(), meta.plannedSteps(), meta.study(),
                    FeatureLayout.VERSION, FeatureLayout.spectralSection(layers), layers, seconds, record.timestamp(),
                    System.currentTimeMillis(), null);
            context.forward(record.withKey(meta.runId()).withValue(summary), SPECTRA);
            metrics.spectraSeconds.labelValues("deferred").observe(seconds);
            LOG.debug("spectra of run {} step {} in {} s", meta.runId(), meta.step(), seconds);
        } catch (RuntimeException e) {
            metrics.spectraFailures.inc();
            LOG.warn("spectra of run {} step {} failed", meta.runId(), meta.step(), e);
            context.forward(record.withValue(DeadLetters.of("streams-spectra", context.recordMetadata().orElse(null),
                    record.key(), record.value(), "spectra: " + e.getClass().getSimpleName() + ": " + e.getMessage())), DEAD_LETTERS);
            metrics.deadLetters.labelValues("spectra").inc();
        }
    }
}
