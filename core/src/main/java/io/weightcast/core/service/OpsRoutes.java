package io.weightcast.core.service;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.records.Json;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The ops endpoints of every service, defined once so probes and dashboards see the same everywhere:
 * {@code GET /health} (200 {@code {"status":"UP"}}: the process is up), {@code GET /ready} (200
 * {@code {"ready":true}}, or 503 {@code {"ready":false}} until the service says it is ready) and
 * {@code GET /metrics} (the registry in Prometheus text format).
 */
public final class OpsRoutes {
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private OpsRoutes() {
    }

    public static void mount(Router router, PrometheusRegistry registry, BooleanSupplier ready) {
        mount(router, registry, ready, (name, route) -> { });
    }

    /**
     * @param first given each route with its name ({@code health}, {@code ready}, {@code metrics}) before the
     *              route's own handler, for a service's handler that must run first (ingest labels its metrics so)
     */
    public static void mount(Router router, PrometheusRegistry registry, BooleanSupplier ready, BiConsumer<String, Route> first) {
        route(router, "health", first).handler(ctx -> json(ctx, 200, Map.of("status", "UP")));
        route(router, "ready", first).handler(ctx -> {
            boolean ok = ready.getAsBoolean();
            json(ctx, ok ? 200 : 503, Map.of("ready", ok));
        });
        route(router, "metrics", first).handler(ctx -> ctx.response()
                .putHeader("Content-Type", PROMETHEUS_TEXT).end(OpsServer.scrape(registry)));
    }

    private static Route route(Router router, String name, BiConsumer<String, Route> first) {
        Route route = router.get("/" + name);
        first.accept(name, route);
        return route;
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(Json.string(body));
    }
}
