package io.weightcast.streams;

import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.ConsumerLagMonitor;
import io.weightcast.core.kafka.DeadLetterProcessingHandler;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.StreamsApp;
import io.weightcast.core.kafka.StreamsAppConfig;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.service.OpsServer;
import io.weightcast.core.service.Service;
import io.weightcast.store.ClaimChecks;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ForkJoinPool;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams service: a Kafka Streams application (exactly-once v2) computing every checkpoint's
 * feature vector, and a second one, with its own threads, computing the spectra of checkpoints too
 * large to get them inline ({@link SpectraStage}, {@link SpectraTopology}).
 *
 * <p>Settings: the common keys ({@link io.weightcast.core.config.CommonKeys}; other {@code kafka.*} keys, security
 * above all, go to every Kafka client, see {@link KafkaClientSettings}), the streams service's, declared in
 * {@link StreamsKeys}, and the {@code spectral.*} keys (the README's generated reference lists them all). Any
 * {@code streams.kafka.*} key is passed to Kafka Streams as is.
 *
 * <p>Embeddings ({@link EncoderWatcher}, {@link EmbeddingStage}) join the current encoder's z to every checkpoint of
 * its architecture. Split checkpoints whose parts do not all arrive within their TTL go to {@code dead-letters}
 * (reason category {@code incomplete_parts}). The learning curve keeps each run's reported {@code val_acc},
 * {@code val_loss}, {@code train_acc} per step in a changelogged store ({@link MetricHistory}). Run events (design §4
 * contract) join the checkpoints by run id ({@link RunEventProcessor}), so a {@code started} event's study, planned
 * steps and hyper-parameters and a {@code metrics} event's values count like the same values in checkpoint metadata
 * (the metadata's own win); the two topics must have the same partition count (checked at start). Gauge
 * {@code weightcast_consumer_lag_records{group,topic}} ({@link ConsumerLagMonitor}) shows both apps' lag. Reference records
 * (claim checks) are read from the {@code store.*} roots ({@link ClaimChecks}, {@link CheckpointSource}).
 */
public final class FeatureService implements Service {
    /** How long one transaction (a poll's records, processed and committed) may stay open: see {@link #app}. */
    static final int TRANSACTION_TIMEOUT_MS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(FeatureService.class);

    private final Settings settings;
    private final StreamsMetrics metrics = new StreamsMetrics();
    private StreamsApp streams;
    private StreamsApp spectraStreams;
    private ForkJoinPool spectraPool;
    private OpsServer ops;
    private ConsumerLagMonitor lag;
    private EncoderWatcher encoders;
    private ClaimChecks references;

    public FeatureService(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "streams";
    }

    @Override
    public void start() {
        KafkaClientSettings.install(KafkaClientSettings.from(settings));
        TopicSetup.ensure(settings.bootstrap(), settings.topics(), settings.get(CommonKeys.TOPICS_PARTITIONS), (short) 1);
        SpectraStage spectra = SpectraStage.from(settings);
        EmbeddingStage embeddings = EmbeddingStage.off();
        if (settings.get(StreamsKeys.EMBEDDINGS_ENABLED)) {
            encoders = new EncoderWatcher(encoderClientProperties(), settings.topics().encoders(), reason -> metrics.encodersRejected.inc(),
                    RecordSignature.from(settings).logged("streams"));
            embeddings = new EmbeddingStage(this::currentEncoder);
        }
        FeatureSettings limits = FeatureSettings.from(settings);
        references = ClaimChecks.from(settings);
        // checkpoints and runs share the run stores by run id: the same key must land in the same task for both
        TopicSetup.requireCoPartitioned(settings.bootstrap(), settings.topics().checkpoints(), settings.topics().runs(), "streams service");
        FeatureTopology.Options features = FeatureTopology.Options.of(settings.topics(), metrics)
                .withSpectra(spectra).withEmbeddings(embeddings).withLimits(limits).withReferences(references);
        streams = StreamsApp.start(applicationId(), FeatureTopology.build(features), properties());
        if (spectra.enabled()) {
            int threads = settings.get(StreamsKeys.SPECTRA_THREADS);
            spectraPool = threads > 1 ? new ForkJoinPool(threads) : null;
            spectraStreams = StreamsApp.start(spectraApplicationId(),
                    SpectraTopology.build(settings.topics(), metrics, spectra, spectraPool, limits, references), spectraProperties());
        }
        ops = OpsServer.start(settings.get(StreamsKeys.HOST), settings.get(StreamsKeys.PORT), StreamsKeys.PORT.name(),
                metrics.registry(), this::ready);
        ConsumerLagMonitor.Builder lagOf = ConsumerLagMonitor.builder(settings.bootstrap(), metrics.registry())
                .group(applicationId(), settings.topics().checkpoints());
        if (spectraStreams != null) {
            lagOf.group(spectraApplicationId(), settings.topics().checkpoints());
        }
        lag = lagOf.start();
        LOG.info("streams service started: {} → {}, ops on port {}", settings.topics().checkpoints(),
                settings.topics().features(), ops.port());
    }

    private io.weightcast.core.records.EncoderVersion currentEncoder() {
        io.weightcast.core.records.EncoderVersion v = encoders.current();
        metrics.encoderVersion.set(v == null ? 0 : v.version());
        return v;
    }

    private Properties encoderClientProperties() {
        return KafkaConfigs.consumer(settings.bootstrap(), null); // security settings installed above
    }

    Properties properties() {
        return app(applicationId(), settings.get(StreamsKeys.THREADS)).properties(settings);
    }

    String applicationId() {
        return java.util.Objects.requireNonNullElse(settings.get(StreamsKeys.APPLICATION_ID), settings.topics().prefix() + "streams");
    }

    String spectraApplicationId() {
        return java.util.Objects.requireNonNullElse(settings.get(StreamsKeys.SPECTRA_APPLICATION_ID),
                settings.topics().prefix() + "streams-spectra");
    }

    /**
     * The spectral worker's: its own group, one stream thread (its pool parallelises within a checkpoint). An inline
     * checkpoint's spectra, or a batch of a spectra job's largest layers, may hold the thread for minutes: a poll interval
     * of 15 minutes keeps the group from dropping it meanwhile. A job's step (at most {@code streams.spectra.step.ms} plus
     * one batch, and opening the file after a restart) must fit the transaction timeout of {@link #app}.
     */
    Properties spectraProperties() {
        return app(spectraApplicationId(), 1).instance("streams-spectra")
                .with(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int) Duration.ofMinutes(15).toMillis())
                .properties(settings);
    }

    /**
     * Both apps: lz4-compressed output, changelogs that take a whole split checkpoint's parts, unhandled failures counted,
     * and a transaction timeout of {@value #TRANSACTION_TIMEOUT_MS} ms instead of Streams' exactly-once default of 10 s:
     * one big checkpoint by reference takes longer than 10 s to verify and analyse (a 2.7 GB BF16 1.3B model: hashing and
     * statistics, ~40 s at a load of 20 on 2 cores), its transaction was aborted by the coordinator, the thread fenced, and
     * the same record processed again, for ever (each attempt mapping the files anew). Not longer by default: an instance
     * that dies with a transaction open holds its partitions' readers (and the survivor taking them over) until the
     * transaction times out, so this bounds the failover after a crash too ({@code ScaleOutIntegrationTest}).
     * {@code streams.kafka.producer.transaction.timeout.ms} overrides it (at most the broker's
     * {@code transaction.max.timeout.ms}, 15 min by default) for checkpoints that take longer.
     */
    private StreamsAppConfig app(String applicationId, int threads) {
        java.util.function.Consumer<String> unhandled = reason -> metrics.deadLetters.labelValues("unhandled").inc();
        return StreamsAppConfig.of("streams", applicationId, threads)
                .with(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS)
                .with(DeadLetterProcessingHandler.LISTENER_CONFIG, unhandled)
                .with(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4")
                .with(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(KafkaConfigs.MAX_RECORD_BYTES * 2));
    }

    @Override
    public boolean ready() {
        return streams != null && streams.running() && (spectraStreams == null || spectraStreams.running());
    }

    public int port() {
        return ops.port();
    }

    public StreamsMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (lag != null) {
            lag.close();
            lag = null;
        }
        if (spectraStreams != null) {
            spectraStreams.close();
            spectraStreams = null;
        }
        if (spectraPool != null) {
            spectraPool.shutdownNow();
            spectraPool = null;
        }
        if (encoders != null) {
            encoders.close();
            encoders = null;
        }
        if (streams != null) {
            streams.close();
            streams = null;
        }
        if (ops != null) {
            ops.close();
            ops = null;
        }
        if (references != null) {
            references.close();
            references = null;
        }
    }
}
