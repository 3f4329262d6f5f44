package io.weightcast.scorer.http;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.auth.BearerTokens;
import io.weightcast.core.records.Json;
import io.weightcast.core.service.OpsRoutes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The scorer's HTTP API: {@code GET /v1/runs} (latest score per run), {@code GET /v1/runs/{run}}
 * (scores by step, alerts, reported metrics), the live page {@code GET /} (also {@code /live}) with its
 * server-sent event stream {@code GET /v1/events} ({@link LiveEventsHandler}), and the ops endpoints
 * {@code /health}, {@code /ready}, {@code /metrics}; {@code /v1/*} needs a read token when {@link #requireReadTokens} was
 * called (the page, the ops endpoints and the document stay open); {@code GET /openapi.json} describes them all (the resource
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
    private Supplier<BearerTokens> readTokens;
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

    /**
     * Requires one of these tokens on {@code /v1/*} ({@link ReadTokenHandler}); call it before deploying. Without it the
     * API is open ({@code scorer.auth=none}).
     */
    public ScorerHttpVerticle requireReadTokens(Supplier<BearerTokens> tokens) {
        this.readTokens = tokens;
        return this;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        this.router = router;
        if (readTokens != null) {
            router.route("/v1/*").handler(new ReadTokenHandler(readTokens));
        }
        router.get("/v1/runs").handler(this::listRuns);
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

    /** Most runs one page of {@code GET /v1/runs} holds. */
    public static final int MAX_LIMIT = 1000;

    private void listRuns(RoutingContext ctx) {
        String study;
        String cursor;
        int offset;
        int limit;
        try {
            study = single(ctx, "study");
            cursor = single(ctx, "cursor");
            String o = single(ctx, "offset");
            String l = single(ctx, "limit");
            offset = o == null ? 0 : integer("offset", o, 0, Integer.MAX_VALUE);
            limit = l == null ? MAX_LIMIT : integer("limit", l, 1, MAX_LIMIT);
            if (cursor != null && cursor.isEmpty()) {
                throw new IllegalArgumentException("cursor must not be empty");
            }
        } catch (IllegalArgumentException e) {
            json(ctx, 400, Map.of("error", e.getMessage()));
            return;
        }
        RunsView.Page page = view.page(study, cursor, offset, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("runs", page.runs());
        body.put("next", page.next());
        body.put("next_url", page.next() == null ? null : nextUrl(study, limit, page.next()));
        json(ctx, 200, body);
    }

    private static String nextUrl(String study, int limit, String next) {
        StringBuilder url = new StringBuilder("/v1/runs?limit=").append(limit).append("&cursor=").append(encode(next));
        if (study != null) {
            url.append("&study=").append(encode(study));
        }
        return url.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String single(RoutingContext ctx, String name) {
        List<String> values = ctx.queryParam(name);
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + " given " + values.size() + " times");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static int integer(String name, String value, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, not '" + value + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
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
