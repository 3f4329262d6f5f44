package io.weightcast.scorer.http;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.records.Json;
import io.weightcast.core.service.OpsRoutes;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The scorer's HTTP API: {@code GET /v1/runs} (latest score per run), {@code GET /v1/runs/{run}}
 * (scores by step, alerts, reported metrics), the live page {@code GET /} (also {@code /live}) with its
 * server-sent event stream {@code GET /v1/events} ({@link LiveEventsHandler}), and the ops endpoints
 * {@code /health}, {@code /ready}, {@code /metrics}; {@code GET /openapi.json} describes them all (the resource
 * {@code openapi.json} beside this class; {@code ScorerOpenApiTest} keeps it and the routes equal).
 */
public final class ScorerHttpVerticle extends VerticleBase {
    /** Events a live client may have queued before it is dropped as too slow. */
    public static final int LIVE_QUEUE_EVENTS = 2048;
    public static final long LIVE_HEARTBEAT_MILLIS = 15_000;

    private final String host;
    private final int port;
    private final RunsView view;
    private final PrometheusRegistry registry;
    private final BooleanSupplier ready;
    private final LiveMetrics liveMetrics;
    private final int liveQueueEvents;
    private final long liveHeartbeatMillis;
    private volatile HttpServer server;
    private volatile Router router;

    public ScorerHttpVerticle(String host, int port, RunsView view, PrometheusRegistry registry, BooleanSupplier ready) {
        this(host, port, view, registry, ready, LIVE_QUEUE_EVENTS, LIVE_HEARTBEAT_MILLIS);
    }

    /** @param liveQueueEvents per-client queue bound of the live stream; {@code liveHeartbeatMillis} its heartbeat period */
    public ScorerHttpVerticle(String host, int port, RunsView view, PrometheusRegistry registry, BooleanSupplier ready,
                              int liveQueueEvents, long liveHeartbeatMillis) {
        this.host = host;
        this.port = port;
        this.view = view;
        this.registry = registry;
        this.ready = ready;
        this.liveMetrics = new LiveMetrics(registry);
        this.liveQueueEvents = liveQueueEvents;
        this.liveHeartbeatMillis = liveHeartbeatMillis;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        this.router = router;
        router.get("/v1/runs").handler(ctx -> json(ctx, 200, Map.of("runs", view.list())));
        router.get("/v1/runs/:run").handler(ctx -> view.run(ctx.pathParam("run")).ifPresentOrElse(
                run -> json(ctx, 200, run),
                () -> json(ctx, 404, Map.of("error", "unknown run '" + ctx.pathParam("run") + "'"))));
        router.get("/v1/events").handler(new LiveEventsHandler(vertx, view.live(), view::snapshot, liveMetrics,
                liveQueueEvents, liveHeartbeatMillis));
        LivePage page = LivePage.load();
        router.get("/").handler(page);
        router.get("/live").handler(page);
        OpsRoutes.mount(router, registry, ready);
        OpsRoutes.openApi(router.get(OpsRoutes.OPENAPI_PATH), ScorerHttpVerticle.class, "openapi.json");
        return vertx.createHttpServer().requestHandler(router).listen(port, host).onSuccess(s -> server = s);
    }

    /** The routes this verticle registered, as {@code "GET /v1/runs/{run}"} (the OpenAPI document lists them all). */
    public List<String> routes() {
        return OpsRoutes.describe(router);
    }

    /** The bound port (the chosen one when configured as 0). */
    public int port() {
        return server.actualPort();
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.string(body));
    }
}
