package io.weightcast.scorer;

import io.vertx.core.Vertx;
import io.weightcast.core.auth.ReloadingTokens;
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
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.service.PortInUseException;
import io.weightcast.core.service.Service;
import io.weightcast.scorer.http.RunsView;
import io.weightcast.scorer.http.RunsViewFeeder;
import io.weightcast.scorer.http.ScorerHttpVerticle;
import io.weightcast.scorer.webhook.Hook;
import io.weightcast.scorer.webhook.HookBodies;
import io.weightcast.scorer.webhook.HookSettings;
import io.weightcast.scorer.webhook.RetryBackoff;
import io.weightcast.scorer.webhook.WebhookNotifier;
import io.weightcast.scorer.webhook.WebhookPoster;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer service: features + the latest model version → scores and alerts (a Kafka Streams
 * application, exactly-once v2, see {@link ScoringTopology}); alert webhooks; and a Vert.x HTTP API for
 * runs, scores and alerts with the ops endpoints.
 *
 * <p>Settings: the common keys ({@link io.weightcast.core.config.CommonKeys}; other {@code kafka.*} keys, security
 * above all, go to every Kafka client, see {@link KafkaClientSettings}) and the scorer's, declared in {@link ScorerKeys}
 * (the README's generated reference lists them); any {@code scorer.kafka.*} key is passed to Kafka Streams as is.
 * Alert hooks ({@link HookSettings}): each committed alert is POSTed to every hook whose filters match it, each hook from
 * its own queue; after the last retry, or when the retry budget (a quarter of the notifier consumer's
 * {@code max.poll.interval.ms}, see {@link RetryBackoff}) is spent, it goes to the dead-letters topic with the hook's
 * name and the reason, and the hook's next alert is delivered.
 *
 * <p>Metrics besides the scoring ones: gauge {@code weightcast_consumer_lag_records{group,topic}}
 * ({@link ConsumerLagMonitor}: the Streams app's lag, group = its application id, and with hooks the webhook
 * notifier's, {@code <prefix>scorer-webhooks}); {@code weightcast_webhook_deliveries_total{hook, outcome}} (outcome
 * delivered|failed; alerts a hook's filters skip are not counted); {@code weightcast_webhook_notifier_errors_total{error}}
 * (errors the notifier survived). {@code /ready} fails while streams are not running or the notifier is not alive.
 */
public final class ScorerService implements Service {
    private static final Logger LOG = LoggerFactory.getLogger(ScorerService.class);

    private final Settings settings;
    private final Topics topics;
    private final ScorerMetrics metrics = new ScorerMetrics();
    private final ModelCache models = new ModelCache();
    private final RunsView view;
    private KafkaDeadLetterSink deadLetters;
    private StreamsApp streams;
    private RunsViewFeeder feeder;
    private volatile WebhookNotifier webhooks;
    private Vertx vertx;
    private ScorerHttpVerticle http;
    private ConsumerLagMonitor lag;
    private ReloadingTokens readTokens;

    public ScorerService(Settings settings) {
        this.settings = settings;
        this.topics = settings.topics();
        this.view = new RunsView(settings.get(ScorerKeys.VIEW_MAX_RUNS), metrics::viewEvicted);
        ScorerAuth.check(settings); // fails closed before anything starts
    }

    @Override
    public String name() {
        return "scorer";
    }

    @Override
    public void start() {
        String bootstrap = settings.bootstrap();
        KafkaClientSettings.install(KafkaClientSettings.from(settings));
        List<Hook> hooks = HookSettings.from(settings); // a bad hook setting fails before anything starts
        TopicSetup.ensure(bootstrap, topics, settings.get(CommonKeys.TOPICS_PARTITIONS), (short) 1);
        // runs and features share the run store by run id: the same key must land in the same task for both
        TopicSetup.requireCoPartitioned(bootstrap, topics.runs(), topics.features(), "scorer");
        deadLetters = new KafkaDeadLetterSink(bootstrap, topics.prefix() + "scorer-dead-letters", topics.deadLetters());

        streams = StreamsApp.start(applicationId(),
                ScoringTopology.build(topics, ScorerConfig.from(settings), models, metrics, deadLetters,
                        RecordSignature.from(settings).logged("scorer"), settings.get(ScorerKeys.RUN_RETENTION_MS)), streamsProperties());

        feeder = new RunsViewFeeder(bootstrap, topics, view);
        feeder.start();

        vertx = Vertx.vertx();
        http = new ScorerHttpVerticle(settings.get(ScorerKeys.HOST), settings.get(ScorerKeys.PORT),
                view, metrics.registry(), this::ready);
        readTokens = ScorerAuth.readTokens(settings, metrics.registry());
        if (readTokens != null) {
            http.requireReadTokens(readTokens);
        } else {
            LOG.warn("scorer.auth=none: the scorer's API and live stream are open to anyone who can reach {}:{}",
                    settings.get(ScorerKeys.HOST), settings.get(ScorerKeys.PORT));
        }
        try {
            vertx.deployVerticle(http).await();
        } catch (RuntimeException e) {
            close();
            if (PortInUseException.isBindFailure(e)) {
                throw new PortInUseException(settings.get(ScorerKeys.HOST), settings.get(ScorerKeys.PORT), ScorerKeys.PORT.name(), e);
            }
            throw new IllegalStateException("scorer HTTP server did not start: " + e.getMessage(), e);
        }
        startWebhooks(bootstrap, hooks);
        ConsumerLagMonitor.Builder lagOf = ConsumerLagMonitor.builder(bootstrap, metrics.registry())
                .group(applicationId(), topics.features(), topics.runs());
        if (webhooks != null) {
            lagOf.group(topics.prefix() + "scorer-webhooks", topics.alerts());
        }
        lag = lagOf.start();
        LOG.info("scorer started: {} + {} → {}, {}; hooks {}; HTTP on port {}", topics.features(), topics.models(),
                topics.scores(), topics.alerts(), hooks, port());
    }


    Properties streamsProperties() {
        // Model versions carry the LightGBM text: the global (models) consumer takes large records too.
        java.util.function.Consumer<String> unhandled = reason -> metrics.deadLetter("unhandled");
        return StreamsAppConfig.of("scorer", applicationId(), settings.get(ScorerKeys.THREADS))
                .with(DeadLetterProcessingHandler.LISTENER_CONFIG, unhandled)
                .with(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                        KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024)
                .properties(settings);
    }

    String applicationId() {
        return java.util.Objects.requireNonNullElse(settings.get(ScorerKeys.APPLICATION_ID), topics.prefix() + "scorer");
    }


    /** After the HTTP server: the default public URL (run links in hook bodies) needs the bound port. */
    private void startWebhooks(String bootstrap, List<Hook> hooks) {
        if (hooks.isEmpty()) {
            return;
        }
        Properties consumer = KafkaConfigs.consumer(bootstrap, topics.prefix() + "scorer-webhooks");
        // the retry budget follows the consumer's max.poll.interval.ms (kafka.max.poll.interval.ms): RetryBackoff.budgetFor
        RetryBackoff backoff = new RetryBackoff(settings.get(ScorerKeys.WEBHOOK_RETRIES), Duration.ofMillis(settings.get(ScorerKeys.WEBHOOK_BACKOFF_MS)),
                RetryBackoff.budgetFor(WebhookNotifier.maxPollInterval(consumer)));
        WebhookPoster poster = new WebhookPoster(backoff, Duration.ofMillis(settings.get(ScorerKeys.WEBHOOK_TIMEOUT_MS)));
        HookBodies bodies = new HookBodies(java.util.Objects.requireNonNullElse(settings.get(ScorerKeys.PUBLIC_URL),
                "http://" + settings.get(ScorerKeys.HOST) + ":" + port()));
        webhooks = new WebhookNotifier(consumer, topics.alerts(), hooks, poster, bodies, metrics, deadLetters);
        webhooks.start();
    }

    /** Streams are running and, with hooks, the webhook notifier is alive (its thread runs and polls). */
    @Override
    public boolean ready() {
        WebhookNotifier notifier = webhooks;
        return streams != null && streams.running() && (notifier == null || notifier.alive());
    }

    /** The webhook notifier, or null without hooks. */
    WebhookNotifier webhooks() {
        return webhooks;
    }

    /** The live accuracy model's version, or null before one. */
    Integer liveModelVersion() {
        return models.currentVersion();
    }

    /** The HTTP port (the chosen one when {@code scorer.port} is 0). */
    public int port() {
        return http.port();
    }

    /** The routes of the HTTP API ({@code "GET /v1/runs/{run}"}, ...). */
    List<String> routes() {
        return http.routes();
    }

    public ScorerMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (readTokens != null) {
            readTokens.close();
            readTokens = null;
        }
        if (lag != null) {
            lag.close();
            lag = null;
        }
        if (vertx != null) {
            vertx.close().await();
            vertx = null;
        }
        if (webhooks != null) {
            webhooks.close();
            webhooks = null;
        }
        if (feeder != null) {
            feeder.close();
            feeder = null;
        }
        if (streams != null) {
            streams.close();
            streams = null;
        }
        if (deadLetters != null) {
            deadLetters.close();
            deadLetters = null;
        }
        models.close();
    }
}
