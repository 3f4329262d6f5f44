package io.weightcast.ingest;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Admits a request into the {@link InflightBudget} and reads its raw body up to a limit, whatever its
 * Content-Type. Admission happens before the body is read: the declared Content-Length is taken up
 * front (a chunked body is counted as it streams), and a request that would cross a bound fails the
 * context with an {@link RejectReason#OVERLOADED} rejection (429). The lease is released when the
 * exchange ends (response sent or connection closed); handlers that keep the body for async work
 * {@link InflightBudget.Lease#retain() retain} it. Reading: Vert.x's BodyHandler is not
 * used because it decodes form content types (curl's {@code --data-binary} default) as form fields,
 * which breaks binary safetensors uploads. A declared or actual size above the limit fails the
 * context with 413 without buffering the rest.
 */
final class BoundedBody implements Handler<RoutingContext> {
    static final String KEY = "weightcast.body";
    static final String LEASE = "weightcast.lease";

    private final long limit;
    private final InflightBudget budget;

    BoundedBody(long limit, InflightBudget budget) {
        this.limit = limit;
        this.budget = budget;
    }

    /** The request's share of the budget (set once admitted). */
    static InflightBudget.Lease lease(RoutingContext ctx) {
        return ctx.get(LEASE);
    }

    static Buffer of(RoutingContext ctx) {
        Buffer body = ctx.get(KEY);
        return body == null ? Buffer.buffer() : body;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        long declared = declaredLength(request);
        if (declared > limit) {
            ctx.fail(413);
            return;
        }
        InflightBudget.Lease lease = budget.tryAcquire(Math.max(0, declared));
        if (lease == null) {
            ctx.fail(429, overloaded());
            return;
        }
        ctx.put(LEASE, lease);
        ctx.addEndHandler(done -> lease.release()); // every path: response sent, failure, or client gone
        if (request.isEnded()) {
            ctx.next(); // nothing (more) to read
            return;
        }
        if (request.version() != HttpVersion.HTTP_1_0 && "100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            request.response().writeContinue();
        }
        Buffer body = Buffer.buffer((int) Math.max(0, Math.min(declared, 16 * 1024 * 1024)));
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            long size = (long) body.length() + chunk.length();
            if (size > limit) {
                failed[0] = true;
                ctx.fail(413);
                return;
            }
            if (size > lease.bytes() && !lease.grow(size - lease.bytes())) { // chunked: no length taken up front
                failed[0] = true;
                ctx.fail(429, overloaded());
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> {
            if (!failed[0]) {
                ctx.put(KEY, body);
                ctx.next();
            }
        });
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                ctx.fail(400, e);
            }
        });
        request.resume();
    }

    private IngestRejection overloaded() {
        return new IngestRejection(RejectReason.OVERLOADED, "ingest is overloaded (at most " + budget.maxRequests()
                + " requests and " + budget.maxBytes() + " body bytes in flight); retry later");
    }

    private static long declaredLength(HttpServerRequest request) {
        String v = request.getHeader("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
