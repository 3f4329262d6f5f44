package io.weightcast.scorer;

import io.vertx.core.Vertx;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.ConsumerLagMonitor;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.StreamsApp;
import io.weightcast.core.kafka.StreamsAppConfig;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.service.Service;
import io.weightcast.scorer.http.RunsView;
import io.weightcast.scorer.http.RunsViewFeeder;
import io.weightcast.scorer.http.ScorerHttpVerticle;
import io.weightcast.scorer.webhook.Hook;
import io.weightcast.scorer.webhook.HookBodies;
import io.weightcast.scorer.webhook.HookSettings;
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
 * <p>Settings (defaults):
 * <ul>
 * <li>{@code kafka.bootstrap.servers} (required), {@code topic.prefix} ({@code weightcast.}),
 *     {@code topics.partitions} (4; used only when the scorer creates missing topics)</li>
 * <li>{@code scorer.application.id} ({@code <prefix>scorer}), {@code scorer.threads} (1 stream thread),
 *     {@code scorer.state.dir} ({@code <data.dir>/scorer-state}, or a new temp dir without {@code data.dir});
 *     any {@code scorer.kafka.*} key is passed to Kafka Streams as is (e.g. {@code scorer.kafka.commit.interval.ms});
 *     other {@code kafka.*} keys (security: TLS, SASL) go to every Kafka client, see {@link KafkaClientSettings}</li>
 * <li>Gauge {@code weightcast_consumer_lag_records{group,topic}} ({@link ConsumerLagMonitor}): the Streams app's lag
 *     (group = its application id) and, with hooks, the webhook notifier's ({@code <prefix>scorer-webhooks})</li>
 * <li>{@code scorer.host} (127.0.0.1), {@code scorer.port} (8081; 0 = a free port, see {@link #port()})</li>
 * <li>{@code scorer.dying.relu.threshold} (0.5): a layer's dead-unit fraction from which DYING_RELU is raised</li>
 * <li>{@code scorer.alerts} ({@code EARLY_STOP_CANDIDATE,DYING_RELU,NONFINITE_WEIGHTS}): the alert kinds raised;
 *     SPECTRAL_COLLAPSE is off by default (it flagged most runs and predicted no bad outcome, see
 *     {@link ScorerConfig#DEFAULT_ALERTS}) and stays a flag on the scores</li>
 * <li>{@code scorer.early.stop.rule} ({@code top_run}): {@code top_run} judges runs by the model's top-run
 *     classifier rule where it has one, else by the interval rule; {@code interval} always by the interval rule
 *     ({@link io.weightcast.scorer.policy.EarlyStopPolicy})</li>
 * <li>{@code scorer.early.stop.interval.level} (0.9): the interval whose upper end the interval rule compares</li>
 * <li>{@code scorer.early.stop.threshold} (unset): early-stop reference when the model has none for the run's
 *     study; unset = no decision for such runs. Set, it selects the interval rule for every model</li>
 * <li>{@code scorer.early.stop.consecutive} (1, tuned in eval on training runs, see {@link ScorerConfig#defaults()}):
 *     checkpoints in a row whose interval lies below the reference</li>
 * <li>{@code scorer.early.stop.min.step.fraction} (0.0): step / planned_steps from which the early-stop rule counts</li>
 * <li>Alert hooks (see {@link io.weightcast.scorer.webhook.HookSettings}); each committed alert is POSTed to every
 *     hook whose filters match it:
 *   <ul>
 *   <li>{@code scorer.webhooks} (empty = none): comma-separated URLs that receive every alert as generic JSON
 *       (kept for compatibility; named {@code webhooks-1}, {@code webhooks-2}, ... in metrics and dead letters);
 *       {@code scorer.webhook.secret} (unset) signs their requests</li>
 *   <li>{@code scorer.hook.<name>.url} (required per named hook; {@code <name>} without dots, e.g. {@code slack}; from
 *       the environment: {@code WEIGHTCAST_SCORER_HOOK_SLACK_URL})</li>
 *   <li>{@code scorer.hook.<name>.format} ({@code json}): {@code json} = the alert record exactly as on the alerts topic;
 *       {@code slack} = a Slack incoming-webhook message {@code {"text": ..., "blocks": [...]}}; {@code alertmanager} =
 *       an Alertmanager API v2 {@code POST /api/v2/alerts} body, {@code [{labels: {alertname, run_id, study, severity,
 *       kind}, annotations: {summary, description, evidence}, startsAt, generatorURL}]} (alertname
 *       {@code Weightcast<CamelCaseKind>}, evidence as a JSON string, startsAt = raised_at; point the URL at
 *       {@code http://alertmanager:9093/api/v2/alerts})</li>
 *   <li>{@code scorer.hook.<name>.kinds} (empty = all): comma-separated alert kinds</li>
 *   <li>{@code scorer.hook.<name>.min.severity} ({@code info}): info &lt; warning &lt; critical; an alert with an unknown
 *       severity counts as info</li>
 *   <li>{@code scorer.hook.<name>.studies} (empty = all): comma-separated studies; alerts without a study then never match</li>
 *   <li>{@code scorer.hook.<name>.secret} (unset = unsigned): HMAC-SHA256 key. Signed requests carry
 *       {@code X-Weightcast-Signature: sha256=<hex HMAC(secret, body)>} over the exact body bytes,
 *       {@code X-Weightcast-Timestamp: <unix seconds>} (fresh per attempt) and
 *       {@code X-Weightcast-Signature-Timestamped: sha256=<hex HMAC(secret, "<timestamp>." + body)>}. A receiver
 *       recomputes the HMAC over the raw body it read (before parsing), compares in constant time, and, to refuse
 *       replays, verifies the timestamped signature and rejects timestamps more than its window (e.g. 300 s) away from
 *       its clock; as delivery is at-least-once it stays idempotent per (run_id, kind, step). See
 *       {@link io.weightcast.scorer.webhook.WebhookSignature} and {@code clients/python/examples/stop_receiver.py}.</li>
 *   <li>Unknown {@code scorer.hook.*} keys, a missing URL, an unknown format or severity fail the start.</li>
 *   <li>{@code scorer.webhook.retries} (5), {@code scorer.webhook.backoff.ms} (200, doubled per retry),
 *       {@code scorer.webhook.timeout.ms} (10000, per request): for every hook; after the last retry the alert
 *       goes to the dead-letters topic with the hook's name and the reason, and the next alert is delivered</li>
 *   <li>{@code scorer.public.url} ({@code http://<scorer.host>:<port>}): the scorer's URL as receivers reach it,
 *       for the run links (Slack) and generatorURL (Alertmanager): {@code <url>/v1/runs/<run id>}</li>
 *   <li>Metric {@code weightcast_webhook_deliveries_total{hook, outcome}} (outcome delivered|failed); alerts a
 *       hook's filters skip are not counted.</li>
 *   </ul></li>
 * </ul>
 */
public final class ScorerService implements Service {
    private static final Logger LOG = LoggerFactory.getLogger(ScorerService.class);

    private final Settings settings;
    private final Topics topics;
    private final ScorerMetrics metrics = new ScorerMetrics();
    private final ModelCache models = new ModelCache();
    private final RunsView view = new RunsView();
    private KafkaDeadLetterSink deadLetters;
    private StreamsApp streams;
    private RunsViewFeeder feeder;
    private WebhookNotifier webhooks;
    private Vertx vertx;
    private ScorerHttpVerticle http;
    private ConsumerLagMonitor lag;

    public ScorerService(Settings settings) {
        this.settings = settings;
        this.topics = settings.topics();
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
        TopicSetup.ensure(bootstrap, topics, settings.getInt("topics.partitions", 4), (short) 1);
        // runs and features share the run store by run id: the same key must land in the same task for both
        TopicSetup.requireCoPartitioned(bootstrap, topics.runs(), topics.features(), "scorer");
        deadLetters = new KafkaDeadLetterSink(bootstrap, topics.prefix() + "scorer-dead-letters", topics.deadLetters());

        streams = StreamsApp.start(applicationId(),
                ScoringTopology.build(topics, ScorerConfig.from(settings), models, metrics, deadLetters), streamsProperties());

        feeder = new RunsViewFeeder(bootstrap, topics, view);
        feeder.start();

        vertx = Vertx.vertx();
        http = new ScorerHttpVerticle(settings.get("scorer.host", "127.0.0.1"), settings.getInt("scorer.port", 8081),
                view, metrics.registry(), this::ready);
        try {
            vertx.deployVerticle(http).await();
        } catch (RuntimeException e) {
            close();
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
        return StreamsAppConfig.of("scorer", applicationId(), settings.getInt("scorer.threads", 1))
                .with(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                        KafkaConfigs.MAX_RECORD_BYTES + 64 * 1024)
                .properties(settings);
    }

    String applicationId() {
        return settings.get("scorer.application.id", topics.prefix() + "scorer");
    }


    /** After the HTTP server: the default public URL (run links in hook bodies) needs the bound port. */
    private void startWebhooks(String bootstrap, List<Hook> hooks) {
        if (hooks.isEmpty()) {
            return;
        }
        WebhookPoster poster = new WebhookPoster(settings.getInt("scorer.webhook.retries", 5),
                settings.getInt("scorer.webhook.backoff.ms", 200), Duration.ofMillis(settings.getInt("scorer.webhook.timeout.ms", 10_000)));
        HookBodies bodies = new HookBodies(settings.get("scorer.public.url",
                "http://" + settings.get("scorer.host", "127.0.0.1") + ":" + port()));
        webhooks = new WebhookNotifier(bootstrap, topics.prefix() + "scorer-webhooks", topics.alerts(), hooks, poster, bodies,
                metrics, deadLetters);
        webhooks.start();
    }

    @Override
    public boolean ready() {
        return streams != null && streams.running();
    }

    /** The HTTP port (the chosen one when {@code scorer.port} is 0). */
    public int port() {
        return http.port();
    }

    public ScorerMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
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
