package io.weightcast.app.stack;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.service.Service;
import io.weightcast.ingest.IngestService;
import io.weightcast.ingest.IngestSettings;
import io.weightcast.scorer.ScorerAuth;
import io.weightcast.scorer.ScorerKeys;
import io.weightcast.scorer.ScorerService;
import io.weightcast.streams.FeatureService;
import io.weightcast.trainer.TrainerService;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: an embedded KRaft broker and the four services in one process, sharing one data dir.
 * Used by {@code weightcast local}, {@code weightcast demo} and the end-to-end tests.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final EmbeddedKafka kafka;
    /** The models signing key local mode creates in its data dir ({@code models.signing.key.file}). */
    public static final String SIGNING_KEY_FILE = "models-signing.key";

    private final Settings settings;
    private final IngestService ingest;
    private final FeatureService streams;
    private final ScorerService scorer;
    private final TrainerService trainer;
    /** The trainer's {@code trainer.encoder.enabled}, which local mode defaults to false. */
    public static final String ENCODER_ENABLED = "trainer.encoder.enabled";
    private final List<Service> started = new ArrayList<>();

    private LocalStack(EmbeddedKafka kafka, Settings settings) {
        this.kafka = kafka;
        this.settings = settings;
        this.ingest = new IngestService(settings);
        this.streams = new FeatureService(settings);
        this.scorer = new ScorerService(settings);
        this.trainer = new TrainerService(settings);
    }

    /**
     * @param dataDir    broker log, state stores and logs live here; reused across runs
     * @param httpBase   ingest port; scorer, streams and trainer take the next three (0: free ports)
     * @param overrides  further settings (e.g. trainer.min.runs, scorer.webhooks)
     */
    public static LocalStack start(Path dataDir, int kafkaPort, int httpBase, Map<String, String> overrides) {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), kafkaPort);
        Map<String, String> s = new LinkedHashMap<>();
        s.put(Settings.BOOTSTRAP, kafka.bootstrapServers());
        s.put("data.dir", dataDir.toString());
        s.put("ingest.port", Integer.toString(httpBase));
        s.put("scorer.port", Integer.toString(httpBase == 0 ? 0 : httpBase + 1));
        s.put("streams.port", Integer.toString(httpBase == 0 ? 0 : httpBase + 2));
        s.put("trainer.port", Integer.toString(httpBase == 0 ? 0 : httpBase + 3));
        s.putAll(overrides);
        Settings settings = settings(dataDir, s, System.getenv());
        LocalStack stack;
        try {
            TopicSetup.ensure(kafka.bootstrapServers(), settings.topics(), settings.get(CommonKeys.TOPICS_PARTITIONS), (short) 1);
            stack = new LocalStack(kafka, settings);
            stack.startAll();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        return stack;
    }

    /**
     * Local mode's settings: {@code explicit} (the command's, with its environment and settings file merged in by the
     * caller) over the environment over local mode's own defaults.
     */
    static Settings settings(Path dataDir, Map<String, String> explicit, Map<String, String> env) {
        // the trainer signs models and encoders, the others verify: with a key kept beside the data, so a restart still
        // reads what was written before (the environment or the overrides may name another)
        // The weight encoder is off in local mode (and so in demo) until its embedding earns its place in the served model:
        // live, the predictions were worse with it (final R² 0.951 vs 0.983 without; README, "The weight encoder is off
        // in local mode"). A lowest-priority default: the environment, a settings file or -s turn it on.
        Map<String, String> defaults = Map.of(CommonKeys.MODELS_SIGNING_KEY_FILE.name(),
                RecordSignature.ensureKeyFile(dataDir.resolve(SIGNING_KEY_FILE)).toString(),
                ENCODER_ENABLED, "false");
        Settings loaded = Settings.load(defaults, null, env, explicit);
        return openOnLoopback(loaded);
    }

    /**
     * Local mode's rule for ingest and the scorer alike: no token on a loopback listener nobody configured (only this
     * machine can reach it); anywhere else each keeps its fail-closed default.
     */
    static Settings openOnLoopback(Settings loaded) {
        Settings s = IngestSettings.openOnLoopback(loaded) ? loaded.with(IngestSettings.AUTH.name(), IngestSettings.AUTH_NONE) : loaded;
        return ScorerAuth.openOnLoopback(s) ? s.with(ScorerKeys.AUTH.name(), ScorerKeys.AUTH_NONE) : s;
    }

    private void startAll() {
        for (Service service : List.of(streams, trainer, scorer, ingest)) {
            try {
                service.start();
                started.add(service);
            } catch (RuntimeException e) {
                close();
                throw new IllegalStateException("service " + service.name() + " failed to start: " + e.getMessage(), e);
            }
        }
    }

    /** Blocks until every service reports ready, or the timeout passes. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        return awaitReady(timeoutMillis, () -> false);
    }

    /** As {@link #awaitReady(long)}, giving up early when {@code cancelled} turns true (Ctrl-C). */
    public boolean awaitReady(long timeoutMillis, java.util.function.BooleanSupplier cancelled) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline && !cancelled.getAsBoolean()) {
            if (started.stream().allMatch(Service::ready)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public Settings settings() {
        return settings;
    }

    public IngestService ingest() {
        return ingest;
    }

    public ScorerService scorer() {
        return scorer;
    }

    public TrainerService trainer() {
        return trainer;
    }

    public FeatureService streams() {
        return streams;
    }

    /** Human-readable endpoints, printed by {@code weightcast local}. */
    public String describe() {
        return String.join("\n",
                "Kafka bootstrap : " + bootstrapServers() + "   (topics prefix '" + settings.topics().prefix() + "')",
                "ingest  HTTP    : http://127.0.0.1:" + ingest.port() + "/v1/runs/{run}/checkpoints  (/metrics /health /ready)",
                "scorer  HTTP    : http://127.0.0.1:" + scorer.port() + "/v1/runs  (/metrics /health /ready)",
                "streams ops     : http://127.0.0.1:" + streams.port() + "/metrics",
                "trainer ops     : http://127.0.0.1:" + trainer.port() + "/metrics");
    }

    @Override
    public void close() {
        List<Service> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        for (Service s : reverse) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", s.name(), e);
            }
        }
        started.clear();
        kafka.close();
    }
}
