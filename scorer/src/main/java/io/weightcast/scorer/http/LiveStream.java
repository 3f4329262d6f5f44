package io.weightcast.scorer.http;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One live client's connection: a bounded queue filled by the publishing thread and drained on the
 * connection's event loop only while the response's write queue has room, so a client that stops
 * reading fills its own queue and is dropped, and never holds up the publisher or other clients.
 */
final class LiveStream implements LiveSink {
    private final Context context;
    private final HttpServerResponse response;
    private final BlockingQueue<LiveEvent> queue;
    private volatile Runnable drop = () -> { };
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    LiveStream(Context context, HttpServerResponse response, int capacity) {
        this.context = context;
        this.response = response;
        this.queue = new ArrayBlockingQueue<>(capacity);
        response.drainHandler(v -> drain());
    }

    /** @param drop what to do when the hub drops this client (count it, close the connection); runs on the event loop */
    void onDrop(Runnable drop) {
        this.drop = drop;
    }

    @Override
    public boolean offer(LiveEvent event) {
        if (closed.get()) {
            return true; // the close handler unsubscribes it
        }
        if (!queue.offer(event)) {
            return false;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
        return true;
    }

    @Override
    public void overflowed() {
        context.runOnContext(v -> {
            if (!closed.get()) {
                drop.run();
            }
        });
    }

    /** Writes events directly, on the event loop, before anything queued (the snapshot or the replay). */
    void writeNow(LiveEvent event) {
        response.write(event.frame());
    }

    /** An SSE comment keeps proxies from timing the connection out; skipped while the client is behind anyway. */
    void heartbeat() {
        if (!closed.get() && !response.writeQueueFull()) {
            response.write(": keep-alive\n\n");
        }
    }

    /** @return true the first time only */
    boolean markClosed() {
        queue.clear();
        return closed.compareAndSet(false, true);
    }

    private void drain() {
        drainScheduled.set(false);
        while (!closed.get() && !response.writeQueueFull()) {
            LiveEvent event = queue.poll();
            if (event == null) {
                return;
            }
            response.write(event.frame());
        }
        // write queue full: the drain handler resumes when the client has read enough
    }
}
