package io.weightcast.streams;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.SpectraProgress;
import io.weightcast.core.records.SpectralSummary;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.bytedeco.javacpp.Pointer;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deferred spectra of referenced (claim-check) checkpoints, computed as resumable jobs, a batch of layers at a time.
 *
 * <p>Why: a 7B checkpoint's spectra take about half an hour of 2 cores. Computed in one {@code process} call they
 * would hold the stream thread past {@code max.poll.interval.ms}, so the group would drop it and the record would start
 * over, for ever; and under exactly-once nothing sent meanwhile would be visible before the end. As a job, each step
 * computes the next layers (largest first, as many at once as the pool has threads) until the step's time budget is
 * spent, then writes what it found to a changelogged store and sends a progress record on the {@code spectra} topic,
 * both committed with the step. A consumer sees the layers as they finish; a restarted or moved task resumes after the
 * last committed step. A step computes before it writes anything, so its transaction stays open only for the write.
 *
 * <p>Only referenced checkpoints become jobs: the job keeps the reference record (a few hundred bytes) and re-opens the
 * file from the store, verified again, after a restart. Inline checkpoints are at most the ingest cap, whose spectra take
 * a minute or two; {@link SpectraProcessor} still computes them in one call. Jobs run oldest first (keyed by the input
 * offset); a new job gets its first step at once, the rest from a wall-clock punctuation.
 */
final class SpectraJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpectraJobs.class);

    /**
     * A job as the store keeps it.
     *
     * @param key         the input record's key
     * @param record      the reference record (re-opened after a restart)
     * @param timestamp   the input record's timestamp
     * @param done        the layers analysed so far, in the order done
     * @param seconds     compute time so far
     * @param flopsDone   the estimated flops of the layers done (for the time left)
     */
    record Job(String key, byte[] record, long timestamp, String runId, long step, Integer plannedSteps, String study,
               int layersTotal, Map<String, LayerSpectralHealth> done, double seconds, double flopsDone, double flopsTotal) {
    }

    /** A job's checkpoint, open on this instance: its tensors and its layers in the order they are analysed. */
    private record Open(CheckpointSource.Referenced source, List<CheckpointTopology.Layer> order) implements AutoCloseable {
        SafeTensors tensors() {
            return source.tensors();
        }

        @Override
        public void close() {
            source.close();
        }
    }

    private final KeyValueStore<String, byte[]> store;
    private final SpectraStage stage;
    private final ForkJoinPool pool;
    private final CheckpointSource source;
    private final StreamsMetrics metrics;
    private final long stepMillis;
    private final ProcessorContext<String, Object> context;
    private final Map<String, Open> open = new HashMap<>();
    private int pending;

    SpectraJobs(ProcessorContext<String, Object> context, KeyValueStore<String, byte[]> store, SpectraStage stage,
                ForkJoinPool pool, CheckpointSource source, StreamsMetrics metrics, long stepMillis) {
        this.context = context;
        this.store = store;
        this.stage = stage;
        this.pool = pool;
        this.source = source;
        this.metrics = metrics;
        this.stepMillis = stepMillis;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(kv -> pending++);
        }
        metrics.spectraJobs.inc(pending);
        if (pending > 0) {
            LOG.info("{} spectra job(s) to resume", pending);
        }
    }

    /**
     * Starts the job of a referenced checkpoint and takes its first step. {@code opened} now belongs to the job.
     *
     * @param jobKey orders the jobs: the zero-padded input offset
     */
    void start(String jobKey, Record<String, byte[]> record, CheckpointMetadata meta, CheckpointSource.Referenced opened) {
        Open o = new Open(opened, stage.order(opened.tensors()));
        open.put(jobKey, o);
        double total = o.order().stream().mapToDouble(stage::flops).sum();
        Job job = new Job(record.key(), record.value(), record.timestamp(), meta.runId(), meta.step(), meta.plannedSteps(),
                meta.study(), o.order().size(), new LinkedHashMap<>(), 0, 0, total);
        pending++;
        metrics.spectraJobs.inc();
        advance(jobKey, job, o);
    }

    /** One step of the oldest job, if there is one (the punctuation's work). */
    void stepOldest() {
        String key;
        Job job;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            if (!all.hasNext()) {
                return;
            }
            var first = all.next();
            key = first.key;
            job = Json.read(first.value, Job.class);
        }
        Open o = open.get(key);
        if (o == null) {
            try {
                o = reopen(job);
            } catch (RuntimeException e) {
                fail(key, job, "spectra: the referenced checkpoint could not be opened again: " + e.getMessage());
                return;
            }
            open.put(key, o);
        }
        advance(key, job, o);
    }

    private Open reopen(Job job) {
        SafeTensors record = SafeTensors.read(job.record());
        CheckpointReference ref = CheckpointSource.reference(record)
                .orElseThrow(() -> new IllegalStateException("the job's record carries no reference"));
        CheckpointSource.Referenced opened = source.open(ref, record, job.key());
        try {
            return new Open(opened, stage.order(opened.tensors()));
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** Computes layers until the step's budget is spent (at least one batch), then writes and sends what it found. */
    private void advance(String key, Job job, Open o) {
        List<CheckpointTopology.Layer> left = new ArrayList<>();
        for (CheckpointTopology.Layer l : o.order()) {
            if (!job.done().containsKey(l.name())) {
                left.add(l);
            }
        }
        int batchSize = pool == null ? 1 : pool.getParallelism();
        Map<String, LayerSpectralHealth> done = new LinkedHashMap<>(job.done());
        double seconds = job.seconds();
        double flops = job.flopsDone();
        String last = null;
        long start = System.nanoTime();
        try {
            int at = 0;
            do {
                List<CheckpointTopology.Layer> batch = batch(left, at, batchSize);
                long t0 = System.nanoTime();
                Map<String, LayerSpectralHealth> found = stage.compute(o.tensors(), batch, pool);
                seconds += (System.nanoTime() - t0) / 1e9;
                done.putAll(found);
                for (CheckpointTopology.Layer l : batch) {
                    flops += stage.flops(l);
                    last = l.name();
                }
                metrics.spectraLayers.inc(batch.size());
                at += batch.size();
            } while (at < left.size() && System.nanoTime() - start < stepMillis * 1_000_000L);
        } catch (RuntimeException e) {
            fail(key, job, "spectra: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        Job next = new Job(job.key(), job.record(), job.timestamp(), job.runId(), job.step(), job.plannedSteps(), job.study(),
                job.layersTotal(), done, seconds, flops, job.flopsTotal());
        if (done.size() >= job.layersTotal()) {
            finish(key, next, o);
        } else {
            store.put(key, Json.bytes(next));
            Double eta = flops > 0 ? seconds * (next.flopsTotal() - flops) / flops : null;
            send(next, done, null, new SpectraProgress(done.size(), next.layersTotal(), last, eta));
            LOG.debug("spectra of run {} step {}: {}/{} layers, {} s", next.runId(), next.step(), done.size(), next.layersTotal(), seconds);
        }
    }

    /**
     * The next layers to analyse at once from {@code at}: up to {@code size}, as long as their native memory together
     * fits what JavaCPP's cap leaves free now (Llama's embedding and LM head, ~1.7 GB each, go one at a time under a 3 GB
     * cap); at least one.
     */
    private List<CheckpointTopology.Layer> batch(List<CheckpointTopology.Layer> left, int at, int size) {
        long cap = Pointer.maxBytes() - Pointer.totalBytes();
        long need = stage.nativeBytes(left.get(at));
        int end = at + 1;
        while (end < left.size() && end - at < size && need + stage.nativeBytes(left.get(end)) <= cap) {
            need += stage.nativeBytes(left.get(end));
            end++;
        }
        return left.subList(at, end);
    }

    private void finish(String key, Job job, Open o) {
        Map<String, LayerSpectralHealth> inOrder = new LinkedHashMap<>();
        CheckpointTopology.of(o.tensors()).layers().forEach(l -> inOrder.put(l.name(), job.done().get(l.name())));
        send(job, inOrder, FeatureLayout.spectralSection(inOrder), null);
        metrics.spectraSeconds.labelValues("deferred").observe(job.seconds());
        LOG.info("spectra of run {} step {}: {} layers in {} s", job.runId(), job.step(), inOrder.size(), Math.round(job.seconds()));
        remove(key);
    }

    private void send(Job job, Map<String, LayerSpectralHealth> layers, double[] values, SpectraProgress progress) {
        SpectralSummary summary = new SpectralSummary(job.runId(), job.step(), job.plannedSteps(), job.study(), FeatureLayout.VERSION,
                values, layers, job.seconds(), job.timestamp(), System.currentTimeMillis(), progress);
        context.forward(new Record<>(job.runId(), (Object) summary, job.timestamp()), SpectraProcessor.SPECTRA);
    }

    private void fail(String key, Job job, String reason) {
        metrics.spectraFailures.inc();
        LOG.warn("spectra of run {} step {} failed: {}", job.runId(), job.step(), reason);
        DeadLetter letter = DeadLetters.of("streams-spectra", null, job.key(), job.record(), reason);
        context.forward(new Record<>(job.key(), (Object) letter, job.timestamp()), SpectraProcessor.DEAD_LETTERS);
        metrics.deadLetters.labelValues("spectra").inc();
        remove(key);
    }

    private void remove(String key) {
        store.delete(key);
        Open o = open.remove(key);
        if (o != null) {
            o.close();
        }
        pending--;
        metrics.spectraJobs.dec();
    }

    /** Releases the open files (the jobs stay in the store, for whoever owns the task next). */
    @Override
    public void close() {
        open.values().forEach(Open::close);
        open.clear();
        metrics.spectraJobs.dec(pending);
        pending = 0;
    }
}
