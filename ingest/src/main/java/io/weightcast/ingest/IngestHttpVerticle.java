package io.weightcast.ingest;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.kafka.Topics;
import io.weightcast.store.ClaimChecks;
import io.weightcast.core.records.Json;
import io.weightcast.core.service.OpsRoutes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (design §4): {@code POST /v1/runs/{run}/checkpoints}, {@code POST /v1/runs/{run}/events},
 * and {@code /health}, {@code /ready}, {@code /metrics}; {@code GET /openapi.json} describes them all (the
 * resource {@code openapi.json} beside this class; {@code IngestOpenApiTest} keeps it and the routes equal). Auth
 * runs before the body is read, so an unauthenticated client never makes us buffer its upload nor touch Kafka. Parsing and splitting
 * run on worker threads; a request answers 202 only after Kafka acked every record. Admission control
 * ({@link InflightBudget}, in {@link BoundedBody}) refuses work beyond the in-flight bounds with 429 +
 * Retry-After before reading the body.
 */
final class IngestHttpVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(IngestHttpVerticle.class);
    private static final String ENDPOINT = "weightcast.endpoint";
    private static final String JSON = "application/json";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String SCOPE = "weightcast.token.scope";
    /** Seconds a client should wait before retrying after Kafka was unavailable. */
    static final int RETRY_AFTER_SECONDS = 5;

    private final IngestSettings settings;
    private final Topics topics;
    private final IngestProducer producer;
    private final IngestMetrics metrics;
    private final PrometheusRegistry registry;
    private final InflightBudget budget;
    private final BearerAuth auth;
    private final CheckpointValidator checkpoints;
    private final ClaimChecks claims;
    private final EventValidator events;
    private final IdempotencyKeys idempotency;
    private HttpServer server;
    private Router router;

    IngestHttpVerticle(IngestSettings settings, IngestProducer producer, InflightBudget budget, IngestMetrics metrics,
                       PrometheusRegistry registry, ClaimChecks claims) {
        this.budget = budget;
        this.settings = settings;
        this.topics = settings.topics();
        this.producer = producer;
        this.metrics = metrics;
        this.registry = registry;
        this.auth = BearerAuth.from(settings, registry);
        this.claims = claims;
        this.checkpoints = new CheckpointValidator(settings.maxCheckpointBytes(), settings.maxRecordBytes(), settings.headerLimits(),
                claims::claims);
        this.events = new EventValidator(System::currentTimeMillis);
        this.idempotency = new IdempotencyKeys(settings.idempotencyWindowMs(), settings.idempotencyMaxKeys());
    }

    @Override
    public Future<?> start() {
        BodyPace pace = new BodyPace(settings.bodyIdleTimeoutMs(), settings.bodyMinBytesPerSecond());
        router = Router.router(vertx);
        router.route().handler(this::measure);
        OpsRoutes.mount(router, registry, producer::ready, (name, route) -> route.handler(endpoint(name)));
        router.post("/v1/runs/:run/checkpoints").handler(endpoint("checkpoints")).handler(this::authenticate)
                .handler(this::idempotent).handler(new BoundedBody(settings.maxCheckpointBytes(), budget, pace,
                        settings.headerLimits())).handler(this::checkpoint);
        router.post("/v1/runs/:run/events").handler(endpoint("events")).handler(this::authenticate)
                .handler(this::idempotent).handler(new BoundedBody(settings.maxEventBytes(), budget, pace, null)).handler(this::event);
        OpsRoutes.openApi(router.get(OpsRoutes.OPENAPI_PATH).handler(endpoint("openapi")), IngestHttpVerticle.class, "openapi.json");
        router.route().failureHandler(this::failure);
        router.errorHandler(404, ctx -> error(ctx, 404, "no route for " + ctx.request().method() + " " + ctx.request().path()));
        router.errorHandler(405, ctx -> error(ctx, 405, "method " + ctx.request().method() + " not allowed on " + ctx.request().path()));
        return vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port()))
                .requestHandler(router)
                .listen()
                .onSuccess(s -> server = s);
    }

    int port() {
        return server.actualPort();
    }

    /** The routes this verticle registered, as {@code "POST /v1/runs/{run}/events"} (the OpenAPI document lists them all). */
    List<String> routes() {
        return OpsRoutes.describe(router);
    }

    private void measure(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.put(ENDPOINT, "other");
        // Counted when the status line is written, before the client can see it (so a scrape right
        // after a response includes it); a connection closed before any response counts as "aborted".
        ctx.addHeadersEndHandler(v -> metrics.response(ctx.get(ENDPOINT), Integer.toString(ctx.response().getStatusCode()), start));
        ctx.addEndHandler(done -> {
            if (done.failed() && !ctx.response().headWritten()) {
                metrics.response(ctx.get(ENDPOINT), "aborted", start);
            }
        });
        ctx.next();
    }

    private static io.vertx.core.Handler<RoutingContext> endpoint(String name) {
        return ctx -> {
            ctx.put(ENDPOINT, name);
            ctx.next();
        };
    }

    /** 401 without a valid token, 403 when the run id is outside its scope; the scope stays for the study check. */
    private void authenticate(RoutingContext ctx) {
        try {
            ctx.put(SCOPE, auth.authorize(ctx.request().getHeader("Authorization"), ctx.pathParam("run")));
            ctx.next();
        } catch (IngestRejection e) {
            if (e.reason() == RejectReason.UNAUTHORIZED) {
                header(ctx, "WWW-Authenticate", "Bearer");
            }
            reject(ctx, e);
        }
    }

    /** The study is known once the body is parsed: a token scoped to studies must cover it (else 403, nothing produced). */
    private static <T> T inScope(RoutingContext ctx, T valid, String study) {
        BearerAuth.requireStudy(ctx.get(SCOPE), study);
        return valid;
    }

    @Override
    public Future<?> stop() {
        auth.close();
        return Future.succeededFuture();
    }

    /**
     * {@code Idempotency-Key} (optional): a key whose request was answered gets that answer again before its body is
     * read or anything is produced; one whose request is still in progress gets 409; a new one goes on, and its
     * answer is remembered ({@link IdempotencyKeys}).
     */
    private void idempotent(RoutingContext ctx) {
        String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (key == null) {
            ctx.next();
            return;
        }
        if (!IdempotencyKeys.VALID.matcher(key).matches()) {
            reject(ctx, new IngestRejection(RejectReason.INVALID_PARAMETER,
                    IDEMPOTENCY_KEY + " must be 1-255 visible ASCII characters (a UUID, say)"));
            return;
        }
        IdempotencyKeys.Decision d = idempotency.begin(ctx.get(ENDPOINT), ctx.pathParam("run"), key, System.currentTimeMillis());
        if (d instanceof IdempotencyKeys.Replay replay) {
            metrics.idempotentReplay();
            header(ctx, "Idempotent-Replayed", "true");
            header(ctx, "Connection", "close"); // the retried body is not read
            json(ctx, 202, replay.receipt());
        } else if (d instanceof IdempotencyKeys.InFlight) {
            header(ctx, "Retry-After", "1");
            header(ctx, "Connection", "close");
            reject(ctx, new IngestRejection(RejectReason.IN_PROGRESS, "a request with this " + IDEMPOTENCY_KEY
                    + " is still in progress; retry when it is answered"));
        } else {
            String scoped = ((IdempotencyKeys.Proceed) d).scopedKey();
            ctx.put(IDEMPOTENCY_KEY, scoped);
            ctx.addEndHandler(done -> {
                if (ctx.response().getStatusCode() != 202) {
                    idempotency.abandon(scoped); // refused or failed: a retry is processed anew
                }
            });
            ctx.next();
        }
    }

    /** Remembers a 202's body under the request's idempotency key, if it has one, then sends it. */
    private void accepted(RoutingContext ctx, Object receipt) {
        String scoped = ctx.get(IDEMPOTENCY_KEY);
        if (scoped != null) {
            idempotency.complete(scoped, receipt, System.currentTimeMillis());
        }
        json(ctx, 202, receipt);
    }

    private void checkpoint(RoutingContext ctx) {
        String run = ctx.pathParam("run");
        byte[] body = BoundedBody.of(ctx);
        MetadataDefaults defaults;
        try {
            defaults = MetadataDefaults.fromQuery(name -> first(ctx.queryParam(name)));
        } catch (IngestRejection e) {
            reject(ctx, e);
            return;
        }
        // Parsing up to hundreds of MB must not run on the event loop. The body's budget stays taken until the chain
        // ends, even if the client hangs up meanwhile. Parts are built one at a time on the send thread, each dropped
        // once the producer took it: the body plus one part, not two copies of the body.
        InflightBudget.Lease lease = BoundedBody.lease(ctx).retain();
        vertx.executeBlocking(() -> checkpoints.validate(run, body, defaults), false)
                .map(valid -> inScope(ctx, valid, valid.metadata().study()))
                // above store.threshold.bytes: the body goes to the store (after the scope check), Kafka gets its reference
                .compose(valid -> valid.byReference() ? vertx.executeBlocking(() -> valid.stored(claims), false) : Future.succeededFuture(valid))
                .compose(valid -> Future.fromCompletionStage(
                        producer.send(topics.checkpoints(), run, valid.partCount(), valid::part), context).map(acks -> valid))
                .onSuccess(valid -> {
                    metrics.checkpoint(valid.bytes());
                    accepted(ctx, valid.receipt());
                })
                .onFailure(e -> handle(ctx, e))
                .onComplete(done -> lease.release());
    }

    private void event(RoutingContext ctx) {
        String run = ctx.pathParam("run");
        EventValidator.ValidEvent valid;
        try {
            valid = events.validate(run, BoundedBody.of(ctx));
            inScope(ctx, valid, valid.event().study());
        } catch (IngestRejection e) {
            reject(ctx, e);
            return;
        }
        InflightBudget.Lease lease = BoundedBody.lease(ctx).retain();
        Future.fromCompletionStage(producer.send(topics.runs(), run, List.of(valid.value())), context)
                .onSuccess(acks -> {
                    metrics.event(valid.value().length);
                    accepted(ctx, Map.of("run_id", run, "type", valid.event().type(), "bytes", valid.value().length));
                })
                .onFailure(e -> handle(ctx, e))
                .onComplete(done -> lease.release());
    }

    /** Failures of a request's async chain: rejections, Kafka trouble, or our own bugs. */
    private void handle(RoutingContext ctx, Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof IngestRejection r) {
            reject(ctx, r);
        } else if (e instanceof RecordTooLargeException) {
            reject(ctx, new IngestRejection(RejectReason.TOO_LARGE, "Kafka refused the record as too large: " + e.getMessage()));
        } else if (e instanceof KafkaException) {
            LOG.warn("Kafka unavailable for {} {}: {}", ctx.request().method(), ctx.request().path(), e.toString());
            header(ctx, "Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            reject(ctx, new IngestRejection(RejectReason.KAFKA_UNAVAILABLE, "Kafka unavailable: " + e.getMessage()));
        } else {
            LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), e);
            error(ctx, 500, "internal error: " + e);
        }
    }

    /** The router's failure route: body-limit hits from {@link BoundedBody}, and anything a handler threw. */
    private void failure(RoutingContext ctx) {
        if (ctx.failure() instanceof IngestRejection r && r.reason() != RejectReason.OVERLOADED) {
            header(ctx, "Connection", "close"); // refused while reading the body (too slow, header too large): the rest is not read
            reject(ctx, r);
        } else if (ctx.statusCode() == 413) {
            long limit = "events".equals(ctx.get(ENDPOINT)) ? settings.maxEventBytes() : settings.maxCheckpointBytes();
            header(ctx, "Connection", "close"); // the rest of the upload is not read
            reject(ctx, new IngestRejection(RejectReason.TOO_LARGE, "body larger than the limit of " + limit + " bytes"));
        } else if (ctx.statusCode() == 400 && ctx.failure() != null) {
            error(ctx, 400, "request body could not be read: " + ctx.failure().getMessage());
        } else if (ctx.failure() != null) {
            handle(ctx, ctx.failure());
        } else {
            error(ctx, ctx.statusCode(), "request failed with status " + ctx.statusCode());
        }
    }

    private void reject(RoutingContext ctx, IngestRejection e) {
        if (e.reason() == RejectReason.OVERLOADED) {
            header(ctx, "Retry-After", Integer.toString(settings.retryAfterSeconds()));
            header(ctx, "Connection", "close"); // the body was not (fully) read; shedding the connection sheds load too
        }
        metrics.rejected(e.reason());
        LOG.debug("rejected {} {}: {} ({})", ctx.request().method(), ctx.request().path(), e.getMessage(), e.reason().label());
        error(ctx, e.reason().status(), e.getMessage());
    }

    private static void error(RoutingContext ctx, int status, String reason) {
        json(ctx, status, Map.of("error", reason));
    }

    private static void header(RoutingContext ctx, String name, String value) {
        if (writable(ctx.response())) {
            ctx.response().putHeader(name, value);
        }
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        HttpServerResponse response = ctx.response();
        if (!writable(response)) {
            return; // the client went away; nothing left to tell it
        }
        response.setStatusCode(status).putHeader("Content-Type", JSON).end(Buffer.buffer(Json.bytes(body)));
    }

    private static boolean writable(HttpServerResponse response) {
        return !response.ended() && !response.closed() && !response.headWritten();
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
