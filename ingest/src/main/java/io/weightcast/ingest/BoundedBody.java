package io.weightcast.ingest;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

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
 *
 * <p>Memory: a body with Content-Length is read straight into one array of that size (no growing buffer, no
 * second copy), which is what the lease holds. A chunked body is kept as its chunks and joined at the end; the
 * join briefly holds it twice, so the lease takes that too and gives the chunks' share back afterwards.
 *
 * <p>Pace: a body that sends nothing for the idle timeout, or (after that long) arrives slower than the minimum
 * rate on average, fails with {@link RejectReason#BODY_TIMEOUT} (408), which ends the exchange and frees its
 * share of the budget; without it a client could declare 256 MiB, trickle, and hold the budget forever.
 * With {@link HeaderLimits}, a safetensors header length above the cap is refused once the first 8 bytes arrive.
 */
final class BoundedBody implements Handler<RoutingContext> {
    static final String KEY = "weightcast.body";
    static final String LEASE = "weightcast.lease";
    private static final byte[] EMPTY = new byte[0];

    private final long limit;
    private final InflightBudget budget;
    private final BodyPace pace;
    private final HeaderLimits header;

    /** {@code header} null: not a safetensors body. */
    BoundedBody(long limit, InflightBudget budget, BodyPace pace, HeaderLimits header) {
        this.limit = limit;
        this.budget = budget;
        this.pace = pace;
        this.header = header;
    }

    /** The request's share of the budget (set once admitted). */
    static InflightBudget.Lease lease(RoutingContext ctx) {
        return ctx.get(LEASE);
    }

    static byte[] of(RoutingContext ctx) {
        byte[] body = ctx.get(KEY);
        return body == null ? EMPTY : body;
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
        new Reading(ctx, lease, declared).start();
    }

    /** One body being read: where its bytes go, and the timer that watches its pace. */
    private final class Reading {
        private final RoutingContext ctx;
        private final InflightBudget.Lease lease;
        private final byte[] sized;
        private final List<Buffer> chunks = new ArrayList<>();
        private final long startNanos = System.nanoTime();
        private long lastByteNanos = startNanos;
        private long received;
        private boolean done;
        private long timer = -1;

        Reading(RoutingContext ctx, InflightBudget.Lease lease, long declared) {
            this.ctx = ctx;
            this.lease = lease;
            this.sized = declared >= 0 ? new byte[(int) declared] : null;
        }

        void start() {
            HttpServerRequest request = ctx.request();
            timer = ctx.vertx().setPeriodic(pace.checkIntervalMs(), id -> checkPace());
            ctx.addEndHandler(v -> stop());
            request.handler(this::chunk);
            request.endHandler(v -> end());
            request.exceptionHandler(e -> fail(400, e));
            request.resume();
        }

        private void chunk(Buffer chunk) {
            if (done) {
                return;
            }
            long size = received + chunk.length();
            if (size > limit || sized != null && size > sized.length) {
                fail(413, null);
                return;
            }
            // chunked: no length was taken up front; take each chunk twice, for the copy that joins them
            if (sized == null && !lease.grow(2L * chunk.length())) {
                fail(429, overloaded());
                return;
            }
            if (sized != null) {
                chunk.getBytes(0, chunk.length(), sized, (int) received);
            } else {
                chunks.add(chunk);
            }
            boolean first8 = received < 8 && size >= 8;
            received = size;
            lastByteNanos = System.nanoTime();
            if (first8 && header != null) {
                try {
                    header.checkLength(ByteBuffer.wrap(prefix8()));
                } catch (IngestRejection e) {
                    fail(e.reason().status(), e);
                }
            }
        }

        private byte[] prefix8() {
            if (sized != null) {
                return sized;
            }
            byte[] out = new byte[8];
            int pos = 0;
            for (Buffer c : chunks) {
                int n = Math.min(8 - pos, c.length());
                c.getBytes(0, n, out, pos);
                pos += n;
                if (pos == 8) {
                    break;
                }
            }
            return out;
        }

        private void end() {
            if (done) {
                return;
            }
            stop();
            ctx.put(KEY, sized != null ? sized : join());
            ctx.next();
        }

        private byte[] join() {
            byte[] out = new byte[(int) received];
            int pos = 0;
            for (Buffer c : chunks) {
                c.getBytes(0, c.length(), out, pos);
                pos += c.length();
            }
            chunks.clear();
            lease.giveBack(received); // the chunks are garbage now
            return out;
        }

        private void checkPace() {
            if (done) {
                return;
            }
            long now = System.nanoTime();
            long idleMs = (now - lastByteNanos) / 1_000_000;
            long elapsedMs = (now - startNanos) / 1_000_000;
            if (idleMs >= pace.idleTimeoutMs()) {
                fail(408, new IngestRejection(RejectReason.BODY_TIMEOUT, "no body bytes for " + idleMs + " ms (limit "
                        + pace.idleTimeoutMs() + " ms, " + IngestSettings.BODY_IDLE_TIMEOUT_MS.name() + "); " + received
                        + " bytes arrived"));
            } else if (idleMs < pace.idleTimeoutMs() / 2 && pace.tooSlow(received, elapsedMs)) {
                // the rate rule is for bodies still arriving; a stalled one gets the idle reason a moment later (a
                // check falls within half the idle timeout of every byte, so a trickle cannot slip between the two)
                fail(408, new IngestRejection(RejectReason.BODY_TIMEOUT, "body arrived at " + received * 1000 / elapsedMs
                        + " bytes/s on average over " + elapsedMs + " ms, below the minimum of " + pace.minBytesPerSecond()
                        + " (" + IngestSettings.BODY_MIN_BYTES_PER_SECOND.name() + ")"));
            }
        }

        private void fail(int status, Throwable e) {
            if (done) {
                return;
            }
            stop();
            chunks.clear();
            if (e == null) {
                ctx.fail(status);
            } else {
                ctx.fail(status, e);
            }
        }

        private void stop() {
            done = true;
            if (timer >= 0) {
                ctx.vertx().cancelTimer(timer);
                timer = -1;
            }
        }
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
