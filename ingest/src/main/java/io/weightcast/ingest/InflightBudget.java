package io.weightcast.ingest;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control: bounds the requests in flight and the bytes of their bodies (being read, or
 * waiting for Kafka acks), so a burst is refused with 429 instead of growing the heap. Each admitted
 * request holds a {@link Lease}; the lease gives back exactly what it took, so the totals never go
 * negative however often a path releases it. Lock-free, safe from any thread.
 */
final class InflightBudget {
    private final long maxBytes;
    private final int maxRequests;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();

    InflightBudget(long maxBytes, int maxRequests) {
        if (maxBytes <= 0 || maxRequests <= 0) {
            throw new IllegalArgumentException("budget limits must be positive, were " + maxBytes + " bytes, " + maxRequests + " requests");
        }
        this.maxBytes = maxBytes;
        this.maxRequests = maxRequests;
    }

    /** A lease for one request holding {@code initialBytes} (its Content-Length, or 0 when chunked), or null if either bound would be crossed. */
    Lease tryAcquire(long initialBytes) {
        if (initialBytes < 0) {
            throw new IllegalArgumentException("negative byte count " + initialBytes);
        }
        if (requests.getAndUpdate(n -> n >= maxRequests ? n : n + 1) >= maxRequests) {
            return null; // never over the bound, not even briefly (the gauge reads it)
        }
        if (!tryAddBytes(initialBytes)) {
            requests.decrementAndGet();
            return null;
        }
        return new Lease(initialBytes);
    }

    long bytes() {
        return bytes.get();
    }

    int requests() {
        return requests.get();
    }

    long maxBytes() {
        return maxBytes;
    }

    int maxRequests() {
        return maxRequests;
    }

    private boolean tryAddBytes(long n) {
        while (true) {
            long current = bytes.get();
            if (current + n > maxBytes) {
                return false;
            }
            if (bytes.compareAndSet(current, current + n)) {
                return true;
            }
        }
    }

    /**
     * One request's share. Holders: the HTTP exchange, plus any async work {@link #retain() retained}
     * (the body stays in memory until Kafka acked, even if the client hung up). The share returns to
     * the budget when the last holder releases; extra releases are ignored.
     */
    final class Lease {
        private final AtomicLong held;
        private final AtomicInteger holders = new AtomicInteger(1);

        private Lease(long initialBytes) {
            this.held = new AtomicLong(initialBytes);
        }

        /** Takes {@code n} more bytes (a chunk of a body without Content-Length); false if that crosses the bound. */
        boolean grow(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("negative byte count " + n);
            }
            if (holders.get() <= 0 || !tryAddBytes(n)) {
                return false;
            }
            held.addAndGet(n);
            if (holders.get() < 0) {
                bytes.addAndGet(-held.getAndSet(0)); // released meanwhile: give back what it did not see
                return false;
            }
            return true;
        }

        /** Returns up to {@code n} bytes this lease no longer needs (a copy that became garbage), keeping the request's slot. */
        void giveBack(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("negative byte count " + n);
            }
            long before = held.getAndUpdate(h -> Math.max(0, h - n));
            bytes.addAndGet(-Math.min(before, n));
        }

        /** Adds a holder (async work that still owns the body); pair with one {@link #release()}. */
        Lease retain() {
            holders.updateAndGet(h -> h <= 0 ? h : h + 1);
            return this;
        }

        /** Drops one holder; the last one gives the bytes and the request slot back. */
        void release() {
            int left = holders.updateAndGet(h -> h <= 0 ? h : h - 1);
            if (left == 0 && holders.compareAndSet(0, -1)) {
                bytes.addAndGet(-held.getAndSet(0));
                requests.decrementAndGet();
            }
        }

        long bytes() {
            return held.get();
        }
    }
}
