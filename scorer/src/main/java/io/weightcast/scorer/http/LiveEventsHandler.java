package io.weightcast.scorer.http;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * {@code GET /v1/events}: server-sent events for the live page. On connect a {@code snapshot} (or, with a
 * Last-Event-ID the hub still holds, just the missed events), then {@code score}, {@code alert} and
 * {@code run} events as the view applies committed records, and a heartbeat comment every interval.
 */
final class LiveEventsHandler implements Handler<RoutingContext> {
    private final Vertx vertx;
    private final LiveHub hub;
    private final Supplier<Object> snapshot;
    private final LiveMetrics metrics;
    private final int queueCapacity;
    private final long heartbeatMillis;

    LiveEventsHandler(Vertx vertx, LiveHub hub, Supplier<Object> snapshot, LiveMetrics metrics, int queueCapacity,
                      long heartbeatMillis) {
        this.vertx = vertx;
        this.hub = hub;
        this.snapshot = snapshot;
        this.metrics = metrics;
        this.queueCapacity = queueCapacity;
        this.heartbeatMillis = heartbeatMillis;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerResponse response = ctx.response()
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no"); // nginx would otherwise buffer the stream
        Context context = vertx.getOrCreateContext();
        LiveStream stream = new LiveStream(context, response, queueCapacity);
        metrics.connected();
        long timer = vertx.setPeriodic(heartbeatMillis, id -> stream.heartbeat());
        Runnable gone = () -> {
            if (stream.markClosed()) {
                vertx.cancelTimer(timer);
                hub.unsubscribe(stream);
                metrics.disconnected();
            }
        };
        stream.onDrop(() -> {
            metrics.dropped();
            gone.run();
            ctx.request().connection().close();
        });
        response.closeHandler(v -> gone.run());
        response.exceptionHandler(e -> gone.run());
        response.write("retry: 2000\n\n"); // reconnect after 2 s instead of the browser's default
        hub.subscribe(stream, ctx.request().getHeader("Last-Event-ID"), snapshot).initial().forEach(stream::writeNow);
    }
}
