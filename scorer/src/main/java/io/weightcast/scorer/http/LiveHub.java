package io.weightcast.scorer.http;

import io.weightcast.core.records.Json;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Fans the {@link RunsView}'s changes out to the live clients. Publishing never blocks: each client
 * has a bounded queue ({@link LiveStream}); a client whose queue is full is dropped (its browser
 * reconnects and starts again from a snapshot). The last {@value #REPLAY_EVENTS} events are kept so
 * a client reconnecting with Last-Event-ID gets just what it missed.
 */
public final class LiveHub {
    static final int REPLAY_EVENTS = 1024;

    /** What a new client gets first: the missed events (a resumed client), or else a snapshot. */
    record Subscription(List<LiveEvent> replay, LiveEvent snapshot) {
        List<LiveEvent> initial() {
            return snapshot == null ? replay : List.of(snapshot);
        }
    }

    // Event ids restart with the process: the boot tag keeps an old id from matching a new event.
    private final String boot = Long.toString(System.currentTimeMillis(), 36);
    private final ArrayDeque<LiveEvent> recent = new ArrayDeque<>();
    private final Set<LiveSink> sinks = new LinkedHashSet<>();
    private long seq;

    synchronized void publish(String type, Object payload) {
        seq++;
        LiveEvent event = new LiveEvent(id(seq), seq, type, Json.string(payload));
        recent.addLast(event);
        if (recent.size() > REPLAY_EVENTS) {
            recent.removeFirst();
        }
        for (Iterator<LiveSink> it = sinks.iterator(); it.hasNext(); ) {
            LiveSink sink = it.next();
            if (!sink.offer(event)) {
                it.remove();
                sink.overflowed();
            }
        }
    }

    /**
     * Registers the client and returns what it must be sent before any queued event, atomically with
     * respect to {@link #publish}.
     *
     * @param lastEventId the Last-Event-ID header, or null
     * @param snapshot    the view's current state, called under this hub's lock
     */
    synchronized Subscription subscribe(LiveSink sink, String lastEventId, Supplier<Object> snapshot) {
        sinks.add(sink);
        List<LiveEvent> missed = missedSince(lastEventId);
        if (missed != null) {
            return new Subscription(missed, null);
        }
        return new Subscription(List.of(), new LiveEvent(id(seq), seq, "snapshot", Json.string(snapshot.get())));
    }

    synchronized void unsubscribe(LiveSink sink) {
        sinks.remove(sink);
    }

    synchronized int clients() {
        return sinks.size();
    }

    /** The events after {@code lastEventId}, or null when they cannot be replayed (unknown, other boot, too old). */
    private List<LiveEvent> missedSince(String lastEventId) {
        if (lastEventId == null || !lastEventId.startsWith(boot + "-")) {
            return null;
        }
        long last;
        try {
            last = Long.parseLong(lastEventId.substring(boot.length() + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (last > seq || last < seq && (recent.isEmpty() || recent.peekFirst().seq() > last + 1)) {
            return null;
        }
        List<LiveEvent> out = new ArrayList<>();
        for (LiveEvent e : recent) {
            if (e.seq() > last) {
                out.add(e);
            }
        }
        return out;
    }

    private String id(long n) {
        return boot + "-" + n;
    }
}
