package io.weightcast.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaClientSettings;
import io.weightcast.core.service.PortInUseException;
import io.weightcast.core.service.Service;
import io.weightcast.store.ClaimChecks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP ingest gateway (design §4): accepts checkpoints (safetensors) and run events, validates
 * them, produces them to the {@code checkpoints} / {@code runs} topics keyed by run id, and answers
 * 202 only after Kafka acked. One Vert.x verticle serves HTTP ({@link IngestHttpVerticle}); the
 * Kafka producer is its own component ({@link IngestProducer}). Settings are documented on
 * {@link IngestSettings} ({@code ingest.port}, {@code ingest.host}, {@code ingest.tokens},
 * {@code ingest.max.checkpoint.bytes}, {@code ingest.max.event.bytes}, {@code ingest.max.record.bytes},
 * {@code ingest.ack.timeout.ms}, {@code ingest.max.inflight.bytes}, {@code ingest.max.inflight.requests},
 * {@code ingest.retry.after.seconds}, {@code ingest.max.header.bytes}, {@code ingest.max.tensors}, {@code ingest.max.rank},
 * {@code ingest.body.idle.timeout.ms}, {@code ingest.body.min.bytes.per.second}, {@code kafka.bootstrap.servers},
 * {@code topic.prefix}).
 * The topics must exist ({@code TopicSetup.ensure}); until the producer has their metadata, {@code /ready} says 503.
 * Other {@code kafka.*} keys (security: TLS, SASL) go to the producer: built from {@link Settings}, the service
 * installs them ({@link KafkaClientSettings}); built from {@link IngestSettings}, the caller does.
 */
public final class IngestService implements Service {
    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);

    private final IngestSettings settings;
    private final ClaimChecks claims;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private Vertx vertx;
    private IngestProducer producer;
    private IngestHttpVerticle verticle;

    public IngestService(Settings settings) {
        this(IngestSettings.from(settings), ClaimChecks.from(settings));
        KafkaClientSettings.install(KafkaClientSettings.from(settings));
    }

    public IngestService(IngestSettings settings) {
        this(settings, ClaimChecks.none());
    }

    /** @param claims where checkpoints above {@code store.threshold.bytes} go (the claim check); {@link ClaimChecks#none()}: inline */
    public IngestService(IngestSettings settings, ClaimChecks claims) {
        this.settings = settings;
        this.claims = claims;
    }

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public void start() {
        if (settings.auth().equals(IngestSettings.AUTH_NONE)) {
            LOG.warn("ingest.auth=none: bearer-token auth is DISABLED, anyone who can reach {}:{} may publish",
                    settings.host(), settings.port());
        }
        producer = new IngestProducer(settings.bootstrap(), settings.ackTimeoutMs(),
                List.of(settings.topics().checkpoints(), settings.topics().runs()));
        vertx = Vertx.vertx();
        InflightBudget budget = new InflightBudget(settings.maxInflightBytes(), settings.maxInflightRequests());
        verticle = new IngestHttpVerticle(settings, producer, budget, new IngestMetrics(registry, budget), registry, claims);
        try {
            vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            if (PortInUseException.isBindFailure(e)) {
                throw new PortInUseException(settings.host(), settings.port(), IngestSettings.PORT.name(), e);
            }
            throw new IllegalStateException("ingest could not listen on " + settings.host() + ":" + settings.port()
                    + ": " + rootMessage(e), e);
        }
        LOG.info("ingest listening on http://{}:{} ({})", settings.host(), port(), settings);
    }

    /** The bound HTTP port (the chosen one when {@code ingest.port} is 0). */
    public int port() {
        if (verticle == null) {
            throw new IllegalStateException("ingest is not started");
        }
        return verticle.port();
    }

    /** The routes the gateway registered ({@code "POST /v1/runs/{run}/events"}, ...). */
    List<String> routes() {
        if (verticle == null) {
            throw new IllegalStateException("ingest is not started");
        }
        return verticle.routes();
    }

    @Override
    public boolean ready() {
        return producer != null && producer.ready();
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Vert.x did not close cleanly: {}", rootMessage(e));
            }
            vertx = null;
        }
        if (producer != null) {
            producer.close();
            producer = null;
        }
        claims.close();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
