package io.weightcast.trainer;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.ConsumerLagMonitor;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.service.OpsServer;
import io.weightcast.core.service.Service;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the zoo and refits the final-accuracy predictor (design §2, §6).
 *
 * <h2>Why a plain consumer, not Kafka Streams</h2>
 * The trainer is a singleton batch learner: every fit needs the WHOLE zoo (all finished runs and
 * all their checkpoints), which no key-partitioned topology gives one instance. So it assigns
 * itself every partition of {@code features}, {@code runs} and the compacted {@code models} topic,
 * reads them from the beginning (read_committed, no consumer group, no offset commits: the topics
 * are the source of truth) and keeps polling. A restart is a replay, which takes seconds for
 * thousands of runs (docs/design-notes.md, "Trainer"). The models topic tells it
 * the current version, so a restart neither renumbers nor republishes (see {@link RefitPolicy}).
 * Fits are not attempted until the start-up replay of {@code features}, {@code runs} and
 * {@code models} has caught up with the end offsets seen at start; {@link #ready()} turns true then.
 *
 * <h2>One publisher: transactional fencing</h2>
 * Being a singleton is enforced by the broker, not by the deployment alone: everything the trainer publishes goes
 * through one {@link TransactionalPublisher}, a transaction per version under {@code trainer.transactional.id}
 * (default {@code <topic.prefix>trainer}). {@link #start()} claims the id before reading the replay's end offsets, which
 * fences any older replica with it and leaves everything that replica committed inside this one's replay, so the next
 * version number is above its last. A fenced replica learns it at its next publish; it then steps down for good: no
 * more fits or encoder trainings, {@link #leader()} and {@link #ready()} false ({@code /ready} 503, {@code /health} 200),
 * {@code weightcast_trainer_leader} 0, one ERROR line, and it keeps running and following the topics. It neither exits
 * nor claims the id back: either way two replicas would take turns fencing each other (docs/design-notes.md, "Trainer
 * replicas"). Readers use read_committed, so an aborted or fenced write is never seen.
 *
 * <h2>Catching up: one fit on a backlog, not one per poll batch</h2>
 * A poll returns at most {@code max.poll.records} (500) records, ~27 runs of 18 checkpoints. Fitting
 * whenever {@link RefitPolicy} was due after a poll would make a backlog a cascade of fits, each on a
 * zoo ~27 runs larger, falling further behind with every fit. So a due refit is first held while the
 * trainer lags behind {@code features} or {@code runs} (read_committed end offsets minus its
 * positions, asked only while a refit is due), and fitted once on everything when the lag is zero, or
 * after {@code trainer.refit.max.delay.ms} (30 s) so a topic that never goes quiet still gets fits
 * ({@link RefitBatcher}). The start-up replay is one fit on all runs, also when more arrived
 * meanwhile. {@code TrainerCatchUpIntegrationTest#catchUpBenchmark} measures this; its results, and
 * the cascade it replaced, are in docs/design-notes.md ("Trainer").
 *
 * <h2>The encoder never delays the predictor</h2>
 * The encoder ({@link EncoderCoordinator}) trains on its own thread; the poll thread never waits for
 * it. It yields to the predictor: while a refit is due, held or running ({@link PredictorFirst}) no
 * encoder training starts and one under way pauses before its next step. At start the encoder's
 * topics ({@code checkpoints}, the large ones, and {@code encoders}) are paused too, and read only
 * once the predictor has caught up and has no refit pending, so the first model is fitted on the
 * replayed zoo before any checkpoint is decoded; encoder training starts once they have caught up.
 *
 * <h2>Refit and publish</h2>
 * {@link RefitPolicy} decides when ({@code trainer.min.runs}, {@code trainer.refit.every}), {@link RefitBatcher}
 * holds a due refit while records are waiting;
 * {@link AccuracyModelFitter} fits and evaluates on held-out runs. The poll thread fits
 * synchronously: with no consumer group there is no poll-interval deadline or rebalance to
 * miss, and new records simply wait in Kafka meanwhile (a fit takes seconds for a zoo of thousands
 * of runs; the timings are in docs/design-notes.md, "Trainer").
 * A candidate is published as version current+1 only if it is not worse than the current version
 * ON THE SAME HELD-OUT RUNS ({@link PublishGate}): both are scored on the candidate's holdout runs
 * (final checkpoint), and the candidate's R² there may be below the current's by at most
 * {@code trainer.publish.tolerance} (default 0). Each model's own holdout metrics are not compared:
 * they come from different run sets (the zoo grew between the fits), and with a few held-out runs
 * that difference is mostly noise. Scoring the current version on the candidate's holdout runs does
 * not leak: {@link RunSplit} keeps each run on its side as the zoo grows, so no earlier version
 * trained on any of them (the one exception, every run of a tiny zoo hashing to the holdout side,
 * cannot happen at {@code trainer.min.runs} 10 in practice). With no current version, or one of
 * another feature layout (or one that does not load), the candidate is always published. The
 * published version's {@code holdout} stays the candidate's metrics on its own holdout runs; the
 * fit's log line gives both numbers of the comparison. The current version's booster stays loaded
 * between fits and is replaced (and freed) when the current version changes.
 *
 * <h2>Dying-ReLU classifier</h2>
 * At every refit the trainer also fits the dying-ReLU classifier ({@link DyingReluTrainer}: labels
 * from the dead fractions the loops report in {@code metrics} run events) and publishes it on the
 * models topic under its own name, {@code dying-relu}, which the scorer turns into DYING_RELU alerts.
 *
 * <h2>Bad input</h2>
 * A record that cannot be decoded or used (wrong layout version, run id disagreeing with the key,
 * a {@code finished} event without a label) is logged, counted in
 * {@code weightcast_trainer_malformed_records_total{topic}} and skipped; the streams service has
 * already dead-lettered what it could not process upstream. A fit that throws counts as
 * {@code fits_total{outcome="failed"}} and is retried when the zoo next grows.
 *
 * <h2>Settings</h2>
 * The common keys ({@link io.weightcast.core.config.CommonKeys}: {@code kafka.bootstrap.servers}, {@code topic.prefix},
 * the {@code kafka.*} client keys) and the trainer's own, declared in {@link TrainerSettings} and listed in the README's
 * generated configuration reference.
 *
 * <h2>Metrics</h2>
 * {@code weightcast_trainer_zoo_runs}, {@code _feature_vectors}, {@code _model_version},
 * {@code _holdout_r2}, {@code _holdout_mae}, {@code _holdout_kendall_tau} (of the current model),
 * {@code _candidate_holdout_r2} and {@code _current_on_holdout_r2} (the last fit's comparison),
 * {@code _fits_total{outcome=published|rejected|failed}}, {@code _fit_duration_seconds},
 * {@code _malformed_records_total{topic}}, {@code _poll_batches_total} (polls that returned records),
 * {@code _encoder_training} (1 while one is under way), {@code _encoder_paused_seconds_total} (encoder training
 * paused for the predictor), {@code _encoder_rested_seconds_total} (rests for {@code trainer.encoder.cpu.share}),
 * {@code _leader} (1 while this replica may publish, 0 once fenced);
 * {@code weightcast_consumer_lag_records{group="weightcast-trainer",topic}} (no consumer group: its positions against the read_committed end offsets, see {@link ConsumerLagMonitor});
 * served with /health and /ready by {@link OpsServer}.
 */
public final class TrainerService implements Service {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LAG_TIMEOUT = Duration.ofSeconds(5);

    private final Settings settings;
    private final TrainerSettings config;
    private final Topics topics;
    private final TrainerMetrics metrics;
    private final ZooState zoo;
    private final RefitPolicy policy;
    private final AccuracyModelFitter fitter;
    private final PublishGate gate;
    private final RefitBatcher batcher;
    private final PredictorFirst predictorFirst = new PredictorFirst();
    private final DyingReluTrainer dyingRelu;
    private final EncoderSettings encoderSettings;
    private final RecordSignature signature;
    private EncoderCoordinator encoders;
    private TransactionalPublisher transactions; // the one producer of models and encoders: fences older replicas
    private final String instanceId;
    private boolean steppedDown; // poll thread: fenced (or the producer failed for good), handled once
    private boolean refitRequested;
    private int taskReportEncoder; // encoder version whose task report was last measured

    private KafkaConsumer<byte[], byte[]> consumer;
    private ModelPublisher publisher;
    private String transactionalId;
    private OpsServer ops;
    private ConsumerLagMonitor lag;
    private volatile Map<TopicPartition, Long> positions = Map.of(); // the poll thread's copy, for the lag monitor
    private Thread thread;
    private Map<TopicPartition, Long> startEndOffsets; // features, runs, models: the predictor's replay
    private Map<TopicPartition, Long> encoderEndOffsets = Map.of(); // checkpoints, encoders: the encoder's replay
    private List<TopicPartition> zooPartitions; // features, runs: what a due refit reads first
    private List<TopicPartition> encoderPartitions = List.of();
    private boolean encoderPaused;
    private boolean encoderCaughtUp;
    private long heldRecords; // read while a due refit was held
    private long replayStartNanos;
    private long recordsReplayed;
    private int maxVersionSeen;

    private volatile boolean running;
    private volatile boolean loopAlive;
    private volatile boolean caughtUp;
    private volatile ModelVersion current;
    /**
     * The split fit of the current version when this process published it refit on every run ({@code
     * trainer.serve.all.runs}): what the gate compares candidates with, as the served model saw their held-out runs.
     */
    private ModelVersion currentSplit;
    private volatile ZooSnapshot snapshot = ZooSnapshot.EMPTY;

    public TrainerService(Settings settings) {
        this.settings = settings;
        this.config = TrainerSettings.from(settings);
        this.topics = settings.topics();
        this.metrics = new TrainerMetrics(topics.features(), topics.runs(), topics.models());
        this.policy = config.refitPolicy();
        this.zoo = config.zoo();
        this.fitter = new AccuracyModelFitter(config.fitParams());
        this.gate = config.publishGate();
        this.batcher = config.refitBatcher();
        this.dyingRelu = new DyingReluTrainer(config.fitParams(), metrics.registry(), config.maxRunsHeld());
        this.encoderSettings = EncoderSettings.from(settings, config.seed());
        this.signature = RecordSignature.from(settings);
        // names the replica in logs and in the header of what it publishes; HOSTNAME is the pod's name in k8s
        this.instanceId = System.getenv().getOrDefault("HOSTNAME", "trainer") + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String name() {
        return "trainer";
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("trainer already started");
        }
        String bootstrap = settings.bootstrap();
        KafkaClientSettings.install(KafkaClientSettings.from(settings));
        signature.logged("trainer");
        try {
            consumer = new KafkaConsumer<>(consumerProperties(bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<String> read = new ArrayList<>(List.of(topics.features(), topics.runs(), topics.models()));
            if (encoderSettings.enabled()) {
                read.addAll(List.of(topics.checkpoints(), topics.encoders()));
            }
            List<TopicPartition> all = partitions(read);
            zooPartitions = of(all, topics.features(), topics.runs());
            List<TopicPartition> predictor = of(all, topics.features(), topics.runs(), topics.models());
            encoderPartitions = of(all, topics.checkpoints(), topics.encoders());
            consumer.assign(all);
            consumer.seekToBeginning(all);
            // claimed before the end offsets are read: every version an older replica committed lies below them, so
            // the replay sees it before the first fit and the next number is above it (it can commit nothing after this)
            transactionalId = TrainerSettings.transactionalId(settings);
            transactions = new TransactionalPublisher(TransactionalPublisher.kafka(bootstrap, settings.under("kafka"), transactionalId),
                    transactionalId, instanceId);
            claim();
            metrics.leader.set(1);
            startEndOffsets = consumer.endOffsets(predictor, END_OFFSETS_TIMEOUT);
            if (!encoderPartitions.isEmpty()) {
                encoderEndOffsets = consumer.endOffsets(encoderPartitions, END_OFFSETS_TIMEOUT);
                consumer.pause(encoderPartitions); // read once the predictor has caught up and fitted (see class doc)
                encoderPaused = true;
            }
            publisher = new ModelPublisher(transactions, topics.models(), signature);
            if (encoderSettings.enabled()) {
                encoders = new EncoderCoordinator(encoderSettings, config.holdoutFraction(), config.seed(),
                        new ModelPublisher(transactions, topics.encoders(), signature), metrics, predictorFirst);
            }
            ops = OpsServer.start(config.host(), config.port(), TrainerSettings.PORT.name(), metrics.registry(), this::ready);
            lag = ConsumerLagMonitor.builder(bootstrap, metrics.registry()).positions("weightcast-trainer", () -> positions).start();
        } catch (RuntimeException e) {
            if (consumer != null) {
                consumer.close();
                consumer = null;
            }
            closeQuietly();
            throw e;
        }
        running = true;
        loopAlive = true;
        replayStartNanos = System.nanoTime();
        thread = new Thread(this::loop, "weightcast-trainer");
        thread.start();
        LOG.info("trainer {} started: publishing under transactional id {} (an older replica with it is fenced); "
                        + "replaying {} partitions of {}, {}, {}; ops on {}:{}", instanceId, transactionalId, startEndOffsets.size(),
                topics.features(), topics.runs(), topics.models(), config.host(), ops.port());
    }

    @Override
    public boolean ready() {
        return running && caughtUp && loopAlive && leader();
    }

    /**
     * True while this replica may publish: it holds {@code trainer.transactional.id} and no newer replica fenced it. A
     * replica learns it was fenced at its next publish; from then on it is false for good.
     */
    public boolean leader() {
        TransactionalPublisher t = transactions;
        return t != null && t.leader();
    }

    /** This replica's name, in its log and in the {@value TransactionalPublisher#PUBLISHER_HEADER} header of what it publishes. */
    public String instanceId() {
        return instanceId;
    }

    /** The ops endpoints' port (useful with {@code trainer.port=0}). */
    public int port() {
        if (ops == null) {
            throw new IllegalStateException("trainer not started");
        }
        return ops.port();
    }

    public PrometheusRegistry registry() {
        return metrics.registry();
    }

    /** The model the scorer should be using: the newest version read or published. */
    public Optional<ModelVersion> currentModel() {
        return Optional.ofNullable(current);
    }

    public ZooSnapshot snapshot() {
        return snapshot;
    }

    /** The dying-ReLU classifier the scorer should be using: the newest version read or published. */
    public Optional<ModelVersion> currentDyingReluModel() {
        return Optional.ofNullable(dyingRelu.current());
    }

    @Override
    public synchronized void close() {
        running = false;
        Thread t = thread;
        thread = null;
        if (t != null) {
            consumer.wakeup(); // the loop closes the consumer on its way out
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly();
        LOG.info("trainer stopped");
    }

    private void loop() {
        try {
            while (running) {
                try {
                    ConsumerRecords<byte[], byte[]> batch = consumer.poll(POLL);
                    if (!batch.isEmpty()) {
                        metrics.pollBatches.inc();
                        if (batcher.holding()) {
                            heldRecords += batch.count();
                        }
                    }
                    for (ConsumerRecord<byte[], byte[]> rec : batch) {
                        handle(rec);
                    }
                    if (!caughtUp) {
                        checkCaughtUp();
                    }
                    if (caughtUp && !steppedDown) {
                        maybeFit();
                        if (encoders != null) {
                            tickEncoder();
                        }
                        if (!transactions.leader()) {
                            stepDown();
                        }
                    }
                    refreshSnapshot();
                    publishPositions();
                } catch (WakeupException | InterruptException e) {
                    if (running) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    // e.g. broker unreachable for longer than the client's own retries: keep trying
                    LOG.warn("trainer poll failed, retrying in 1 s: {}", e.toString());
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            if (running) {
                LOG.error("trainer loop stopped: {}", e.toString(), e);
            }
        } finally {
            loopAlive = false;
            consumer.close();
            gate.close(); // only this thread uses the current model's booster
        }
    }

    private void claim() {
        try {
            transactions.claim();
        } catch (KafkaException e) {
            throw new IllegalStateException("trainer could not claim transactional id " + transactionalId + " on "
                    + settings.bootstrap() + " (its principal needs TransactionalId Write and Describe on it, see core "
                    + "ServiceAcls; trainer.transactional.id moves it): " + e, e);
        }
    }

    /**
     * Fenced by a newer replica (or the producer failed for good): stop fitting and training for good, but keep running,
     * not ready, following features, runs and models. Exiting would not help: a restarted replica would claim the id again and fence
     * the newer one, and the two would take turns (docs/design-notes.md, "Trainer replicas").
     */
    private void stepDown() {
        steppedDown = true;
        metrics.leader.set(0);
        predictorFirst.predictorBusy(false);
        if (encoders != null) {
            encoders.close(); // stops a training under way; nothing more is trained
            consumer.pause(encoderPartitions); // nor are checkpoints decoded for it
        }
        LOG.error("trainer {} stopped publishing for good: {}. It fits and publishes nothing more and reports not ready "
                + "(weightcast_trainer_leader 0); the replica that holds transactional id {} publishes. Run one trainer per "
                + "transactional id: remove this one", instanceId, transactions.lostReason(), transactionalId);
    }

    private void handle(ConsumerRecord<byte[], byte[]> rec) {
        if (!caughtUp) {
            recordsReplayed++;
        }
        String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
        if (!signedIfLoaded(rec, key)) {
            return;
        }
        try {
            if (rec.topic().equals(topics.features())) {
                FeatureVector features = Json.read(rec.value(), FeatureVector.class);
                zoo.addFeatures(features, key);
                dyingRelu.addFeatures(features);
            } else if (rec.topic().equals(topics.runs())) {
                RunEvent event = Json.read(rec.value(), RunEvent.class);
                zoo.addRunEvent(event, key);
                dyingRelu.addRunEvent(event, key);
            } else if (rec.topic().equals(topics.models()) && ModelVersion.ACCURACY_MODEL.equals(key) && rec.value() != null) {
                adopt(Json.read(rec.value(), ModelVersion.class));
            } else if (rec.topic().equals(topics.models()) && DyingReluModel.NAME.equals(key) && rec.value() != null) {
                dyingRelu.adopt(Json.read(rec.value(), ModelVersion.class));
            } else if (encoders != null && rec.topic().equals(topics.checkpoints()) && rec.value() != null) {
                encoders.offerCheckpoint(rec.value(), key);
            } else if (encoders != null && rec.topic().equals(topics.encoders()) && EncoderVersion.KEY.equals(key) && rec.value() != null) {
                encoders.adopt(Json.read(rec.value(), EncoderVersion.class));
            }
        } catch (RuntimeException e) {
            // never let one record stop the zoo: count, log where it is, move on
            metrics.malformed.labelValues(rec.topic()).inc();
            LOG.warn("skipping malformed record {}-{}@{} (key {}): {}", rec.topic(), rec.partition(), rec.offset(), key, e.getMessage());
        }
    }

    /**
     * Models and encoders count only with a valid signature (when a key is set): a forged version 2³¹−1 on {@code models}
     * would otherwise become the trainer's last version and overflow the next.
     */
    private boolean signedIfLoaded(ConsumerRecord<byte[], byte[]> rec, String key) {
        if (rec.value() == null || !(rec.topic().equals(topics.models()) || rec.topic().equals(topics.encoders()))) {
            return true;
        }
        RecordSignature.Verdict verdict = signature.verify(rec.headers(), rec.topic(), key, rec.value());
        if (!verdict.accepted()) {
            metrics.malformed.labelValues(rec.topic()).inc();
            LOG.warn("ignoring {} record {}-{}@{} (key {}): signature {}", rec.topic(), rec.topic(), rec.partition(), rec.offset(), key,
                    verdict.name().toLowerCase(java.util.Locale.ROOT));
        }
        return verdict.accepted();
    }

    private void adopt(ModelVersion mv) {
        maxVersionSeen = Math.max(maxVersionSeen, mv.version());
        if (current == null || mv.version() >= current.version()) {
            current = mv;
            metrics.current(mv);
        }
    }

    private void checkCaughtUp() {
        for (Map.Entry<TopicPartition, Long> e : startEndOffsets.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return;
            }
        }
        caughtUp = true;
        policy.resumeFrom(current);
        LOG.info("replayed {} records in {} s: zoo {} runs ({} runs seen, {} feature vectors), current model version {}",
                recordsReplayed, String.format("%.2f", (System.nanoTime() - replayStartNanos) / 1e9), zoo.zooSize(),
                zoo.runsSeen(), zoo.featureVectors(), current == null ? "none" : current.version());
    }

    /**
     * The encoder's side of a poll-loop turn, after the predictor's: its topics are read only once the predictor
     * has caught up and has no refit pending, its training only starts once those topics have caught up too.
     */
    private void tickEncoder() {
        if (encoderPaused) {
            if (predictorFirst.predictorBusy()) {
                return;
            }
            consumer.resume(encoderPartitions);
            encoderPaused = false;
            LOG.info("predictor caught up ({} zoo runs, model version {}): reading checkpoints for the encoder",
                    zoo.zooSize(), current == null ? "none" : current.version());
        }
        if (!encoderCaughtUp) {
            for (Map.Entry<TopicPartition, Long> e : encoderEndOffsets.entrySet()) {
                if (consumer.position(e.getKey()) < e.getValue()) {
                    return;
                }
            }
            encoderCaughtUp = true;
            LOG.info("encoder replay caught up: {} s after start", String.format("%.2f", (System.nanoTime() - replayStartNanos) / 1e9));
        }
        if (encoders.tick(zoo.zooRunIds())) {
            refitRequested = true; // new z: the accuracy model may now use it
        }
    }

    /** Records the trainer has not read yet on features and runs (read_committed end offsets minus positions). */
    private long zooLag() {
        try {
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(zooPartitions, LAG_TIMEOUT).entrySet()) {
                lag += Math.max(0, e.getValue() - consumer.position(e.getKey()));
            }
            return lag;
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("could not read end offsets ({}); fitting on what has been read", e.toString());
            return 0;
        }
    }

    private void maybeFit() {
        int size = zoo.zooSize();
        long checkpoints = zoo.zooCheckpoints();
        boolean due = policy.due(size, checkpoints) || (refitRequested && size >= config.minRuns());
        predictorFirst.predictorBusy(due); // the encoder pauses from now until the fit is done
        long now = System.nanoTime();
        if (batcher.decide(due, due ? zooLag() : 0, now) != RefitBatcher.Action.FIT) {
            return;
        }
        double heldSeconds = batcher.heldNanos(now) / 1e9;
        long read = heldRecords;
        batcher.fitted();
        heldRecords = 0;
        if (heldSeconds > 0) {
            LOG.info("refit held {} s to read {} more records first", String.format("%.2f", heldSeconds), read);
        }
        refitRequested = false;
        long t0 = System.nanoTime();
        try {
            List<ZooRun> runs = zoo.zooRuns();
            FitResult fit = bestFit(runs);
            ModelVersion candidate = accuracyVersion(fit, runs, Math.addExact(maxVersionSeen, 1));
            PublishDecision decision = judge(fit);
            boolean publish = decision.publish();
            metrics.compared(fit, decision);
            String servedNote = "";
            if (publish) {
                FitResult served = config.serveAllRuns() ? fitter.servedOnAll(fit, runs) : fit;
                ModelVersion published = served == fit ? candidate : accuracyVersion(served, runs, candidate.version());
                maxVersionSeen = candidate.version(); // even if the ack is lost: never reuse a number
                publisher.publish(published);
                adopt(published);
                currentSplit = served == fit ? null : candidate;
                servedNote = served == fit ? "" : "; served refit on all " + runs.size() + " runs";
                metrics.fits.labelValues(TrainerMetrics.PUBLISHED).inc();
            } else {
                metrics.fits.labelValues(TrainerMetrics.REJECTED).inc();
            }
            policy.fitted(size, checkpoints);
            log(fit, runs.size(), decision, candidate, (System.nanoTime() - t0) / 1e9, servedNote);
            dyingRelu.refit(runs, publisher::publish); // its own outcome; never throws
        } catch (TransactionalPublisher.LeadershipLostException e) {
            LOG.warn("fit on {} zoo runs not published: {}", size, e.getMessage()); // the loop steps down next
        } catch (RuntimeException e) {
            metrics.fits.labelValues(TrainerMetrics.FAILED).inc();
            policy.failed(size);
            LOG.error("fit on {} zoo runs failed (retried when the zoo grows): {}", size, e.toString(), e);
        } finally {
            metrics.fitDuration.observe((System.nanoTime() - t0) / 1e9);
            predictorFirst.predictorBusy(false); // fitted (or failed) on this zoo: not due until it grows
        }
    }

    private static ModelVersion accuracyVersion(FitResult fit, List<ZooRun> runs, int version) {
        return AccuracyRefit.version(fit, runs, version, System.currentTimeMillis());
    }

    /**
     * The gate's verdict on a split fit. A current version refit on every run saw the candidate's held-out runs, so it
     * is judged by its own split fit; one this process did not fit (published before a restart) has none to compare.
     */
    private PublishDecision judge(FitResult fit) {
        ModelVersion cur = current;
        if (!config.serveAllRuns() || cur == null) {
            return gate.judge(fit, cur);
        }
        if (currentSplit != null && currentSplit.version() == cur.version()) {
            return gate.judge(fit, currentSplit);
        }
        return PublishDecision.uncontested("current version " + cur.version() + " was fitted on every run, the candidate's "
                + "held-out ones included, and its split fit is not in this process: nothing fair to compare with");
    }

    /**
     * The layout-only fit, or, with a current encoder whose z covers zoo checkpoints, whichever of
     * [features] and [features + z] does better on the (shared) held-out runs' final checkpoints. With
     * {@code trainer.encoder.serve=false} (the default) the two are compared once per encoder version and the
     * features alone are served: a second fit per refit for z that has not earned its place would only slow refits.
     */
    private FitResult bestFit(List<ZooRun> runs) {
        var encoder = encoders == null ? null : encoders.current();
        if (encoder == null || !encoderSettings.serve() && taskReportEncoder == encoder.version()) {
            return fitter.fit(runs); // no encoder, or this one compared already and z is not served: no embedding pass
        }
        FeatureColumns.EmbeddingLookup z = encoders.embeddings(runs);
        if (z == null) {
            return fitter.fit(runs);
        }
        // both candidates calibrated on their held-out runs alone; the cross-conformal calibration (extra fits) only
        // for the one served
        FitResult features = fitter.fitSplit(runs, FeatureColumns.layout());
        FeatureColumns bothColumns = FeatureColumns.withEmbedding(encoder.version(), encoder.embeddingDim(), z);
        FitResult both = fitter.fitSplit(runs, bothColumns);
        if (taskReportEncoder != encoder.version()) {
            taskReportEncoder = encoder.version();
            reportTasks(runs, bothColumns, encoder.version());
        }
        record(both.holdout(), "both");
        record(features.holdout(), "features");
        record(both.ablations().get("statistics"), "embedding");
        boolean useBoth = encoderSettings.serve() && both.holdout().r2() > features.holdout().r2();
        LOG.info("inputs on {} held-out runs: features R² {} τ {}; embedding (encoder v{}) R² {} τ {}; both R² {} τ {} → serving {}",
                features.holdout().runs(), f(features.holdout().r2()), f(features.holdout().kendallTau()), encoder.version(),
                f(both.ablations().get("statistics").r2()), f(both.ablations().get("statistics").kendallTau()),
                f(both.holdout().r2()), f(both.holdout().kendallTau()),
                useBoth ? "both" : encoderSettings.serve() ? "features" : "features (trainer.encoder.serve=false)");
        return fitter.calibrated(useBoth ? both : features, runs);
    }

    /** Once per encoder version: R² and τ of [features], [z], [both] for three tasks (Schürholt et al. Table 6). */
    private void reportTasks(List<ZooRun> runs, FeatureColumns both, int encoderVersion) {
        StringBuilder table = new StringBuilder();
        for (EmbeddingTaskReport.Cell c : EmbeddingTaskReport.measure(runs, both, config.fitParams())) {
            String task = c.task().name().toLowerCase(java.util.Locale.ROOT);
            metrics.taskHoldoutR2.labelValues(task, c.inputs()).set(c.r2());
            metrics.taskHoldoutTau.labelValues(task, c.inputs()).set(c.kendallTau());
            table.append(String.format(java.util.Locale.ROOT, "%n  %-18s %-10s R² %7.4f  τ %7.4f  (%d held-out checkpoints)",
                    task, c.inputs(), c.r2(), c.kendallTau(), c.holdoutRows()));
        }
        LOG.info("encoder v{}: held-out R² and τ by task and inputs:{}", encoderVersion, table);
    }

    private void record(io.weightcast.core.records.HoldoutMetrics m, String inputs) {
        metrics.inputsHoldoutR2.labelValues(inputs).set(m.r2());
        metrics.inputsHoldoutTau.labelValues(inputs).set(m.kendallTau());
    }

    private static void log(FitResult fit, int zooRuns, PublishDecision decision, ModelVersion candidate, double seconds,
                            String servedNote) {
        var h = fit.holdout();
        var all = fit.holdoutAllRows();
        String outcome = (decision.publish() ? "published version " + candidate.version() : "rejected") + ": " + decision.reason()
                + servedNote;
        StringBuilder ablations = new StringBuilder();
        fit.ablations().forEach((family, m) -> ablations.append("; without ").append(family).append(": R² ").append(f(m.r2()))
                .append(" MAE ").append(f(m.mae())).append(" τ ").append(f(m.kendallTau())));
        String late = fit.stageModels().isEmpty() ? "pooled model for every checkpoint"
                : "late-stage model from step fraction " + fit.stageModels().get(0).fromStepFraction();
        String stop = fit.topRunRule() == null ? "no top-run rule (interval rule)"
                : String.format(java.util.Locale.ROOT, "early stop: share %.2f, %d checkpoint(s) in a row, guard %.2f %s below the %.2f"
                                + " percentile (%d runs calibrating)", fit.topRunRule().alpha(), fit.topRunRule().consecutive(),
                        fit.topRunRule().guardLevel(), fit.topRunRule().marginGuard() ? "top-run margin" : "interval",
                        fit.topRunRule().cutPercentile(), fit.topRunRule().calibrationRuns());
        LOG.info("fit on {} zoo runs: train {} runs / {} rows, holdout {} runs / {} rows; final checkpoint R² {} MAE {} τ {};"
                        + " all holdout rows R² {} MAE {}{}; {}; intervals calibrated on {} runs; {}; {} s; {}",
                zooRuns, fit.trainingRuns(), fit.trainingRows(), h.runs(), h.rows(), f(h.r2()), f(h.mae()), f(h.kendallTau()),
                f(all.r2()), f(all.mae()), ablations, late, fit.calibrationRuns(), stop, String.format("%.3f", seconds), outcome);
    }

    private static String f(double v) {
        return String.format("%.4f", v);
    }

    private void refreshSnapshot() {
        int zooSize = zoo.zooSize();
        metrics.zooRuns.set(zooSize);
        metrics.featureVectors.set(zoo.featureVectors());
        ModelVersion cur = current;
        snapshot = new ZooSnapshot(zooSize, zoo.runsSeen(), zoo.featureVectors(), cur == null ? 0 : cur.version(),
                metrics.fitCount(TrainerMetrics.PUBLISHED), metrics.fitCount(TrainerMetrics.REJECTED),
                metrics.fitCount(TrainerMetrics.FAILED), caughtUp);
    }

    private void publishPositions() {
        Map<TopicPartition, Long> p = new java.util.HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            p.put(tp, consumer.position(tp));
        }
        positions = p;
    }

    private Properties consumerProperties(String bootstrap) {
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weightcast-trainer");
        // a missing topic is a deployment error to report, not something to auto-create uncompacted
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.putAll(settings.under("kafka"));
        return p;
    }

    private List<TopicPartition> partitions(List<String> names) {
        List<TopicPartition> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Map<String, List<PartitionInfo>> all = consumer.listTopics(END_OFFSETS_TIMEOUT);
        for (String t : names) {
            List<PartitionInfo> infos = all.get(t);
            if (infos == null || infos.isEmpty()) {
                missing.add(t);
            } else {
                infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("trainer needs topics " + missing + " on " + settings.bootstrap()
                    + "; create them first (TopicSetup.ensure, as weightcast local does)");
        }
        return out;
    }

    private static List<TopicPartition> of(List<TopicPartition> partitions, String... topicNames) {
        List<String> names = List.of(topicNames);
        return partitions.stream().filter(tp -> names.contains(tp.topic())).toList();
    }

    private void closeQuietly() {
        if (lag != null) {
            lag.close();
            lag = null;
        }
        if (encoders != null) {
            encoders.close();
            encoders = null;
        }
        if (transactions != null) {
            transactions.close();
        }
        if (ops != null) {
            ops.close();
            ops = null;
        }
    }
}
