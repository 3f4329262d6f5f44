package io.weightcast.ingest;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code Idempotency-Key} window (issue 21: "exactly once through HTTP"): a client that did not hear the 202 of a
 * request Kafka had already acked sends it again with the same key and gets the first answer back, without a second
 * record. Keys are scoped to their endpoint and run, held at most {@code ingest.idempotency.window.ms} and at most
 * {@code ingest.idempotency.max.keys} of them (oldest first out). A retry that reaches another ingest replica, or this
 * one after a restart, is not known here: streams drops its byte-identical record downstream
 * ({@code streams.dedup.window.ms}).
 */
final class IdempotencyKeys {
    /** What a request's key says to do. */
    sealed interface Decision {
    }

    /** A new key: process the request, then {@link #complete} or {@link #abandon} it. */
    record Proceed(String scopedKey) implements Decision {
    }

    /** The key's request was answered: answer the same again. */
    record Replay(Object receipt) implements Decision {
    }

    /** The key's first request is still being processed: the client should retry a moment later. */
    record InFlight() implements Decision {
    }

    /** What the header may hold: visible ASCII, as the IETF draft's examples (UUIDs, hashes). */
    static final Pattern VALID = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private record Entry(Object receipt, long at) {
    }

    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private final long windowMs;
    private final int maxKeys;

    IdempotencyKeys(long windowMs, int maxKeys) {
        this.windowMs = windowMs;
        this.maxKeys = maxKeys;
    }

    /** The decision for {@code key} (already {@link #VALID}) on {@code endpoint} of {@code run} at {@code now}. */
    synchronized Decision begin(String endpoint, String run, String key, long now) {
        expire(now);
        String scoped = endpoint + '\u0000' + run + '\u0000' + key;
        Entry e = entries.get(scoped);
        if (e != null) {
            return e.receipt() == null ? new InFlight() : new Replay(e.receipt());
        }
        entries.put(scoped, new Entry(null, now));
        while (entries.size() > maxKeys) {
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            it.next();
            it.remove();
        }
        return new Proceed(scoped);
    }

    /** The request was answered 202 with {@code receipt}: later requests with its key get the same. */
    synchronized void complete(String scopedKey, Object receipt, long now) {
        entries.remove(scopedKey); // re-inserted at the young end: the window counts from the answer
        entries.put(scopedKey, new Entry(receipt, now));
    }

    /** The request failed: a retry with its key is processed anew. */
    synchronized void abandon(String scopedKey) {
        entries.remove(scopedKey);
    }

    synchronized int size() {
        return entries.size();
    }

    private void expire(long now) {
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            if (now - it.next().at() < windowMs) {
                return; // insertion order is age order
            }
            it.remove();
        }
    }
}
