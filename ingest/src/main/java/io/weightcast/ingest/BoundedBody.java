package io.weightcast.ingest;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a raw request body up to a limit, whatever its Content-Type. Vert.x's BodyHandler is not
 * used because it decodes form content types (curl's {@code --data-binary} default) as form fields,
 * which breaks binary safetensors uploads. A declared or actual size above the limit fails the
 * context with 413 without buffering the rest.
 */
final class BoundedBody implements Handler<RoutingContext> {
    static final String KEY = "weightcast.body";

    private final long limit;

    BoundedBody(long limit) {
        this.limit = limit;
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
            if ((long) body.length() + chunk.length() > limit) {
                failed[0] = true;
                ctx.fail(413);
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
