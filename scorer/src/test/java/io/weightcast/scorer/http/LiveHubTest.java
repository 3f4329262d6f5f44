package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hub's bookkeeping, with in-memory sinks: overflow drops exactly the full client; Last-Event-ID replay rules. */
class LiveHubTest {
    private static final class Sink implements LiveSink {
        final int capacity;
        final List<LiveEvent> got = new ArrayList<>();
        int overflowed;

        Sink(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(LiveEvent event) {
            return got.size() < capacity && got.add(event);
        }

        @Override
        public void overflowed() {
            overflowed++;
        }
    }

    private final LiveHub hub = new LiveHub();

    @Test
    void aFullClientIsDroppedOnceAndTheOthersGetEverything() {
        Sink small = new Sink(2);
        Sink big = new Sink(100);
        hub.subscribe(small, null, Map::of);
        hub.subscribe(big, null, Map::of);
        for (int i = 0; i < 5; i++) {
            hub.publish("score", Map.of("i", i));
        }
        assertThat(small.overflowed).isEqualTo(1);
        assertThat(small.got).hasSize(2);
        assertThat(big.got).extracting(LiveEvent::data).containsExactly("{\"i\":0}", "{\"i\":1}", "{\"i\":2}", "{\"i\":3}", "{\"i\":4}");
        assertThat(hub.clients()).isEqualTo(1);
    }

    @Test
    void lastEventIdReplaysTheEventsAfterItWhileTheHubStillHoldsThem() {
        Sink first = new Sink(10_000);
        LiveHub.Subscription s = hub.subscribe(first, null, () -> Map.of("runs", List.of()));
        assertThat(s.initial()).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo("snapshot"));
        String snapshotId = s.initial().get(0).id();
        hub.publish("score", Map.of("n", 1));
        hub.publish("alert", Map.of("n", 2));

        assertThat(hub.subscribe(new Sink(10), snapshotId, Map::of).initial()).extracting(LiveEvent::type).containsExactly("score", "alert");
        assertThat(hub.subscribe(new Sink(10), first.got.get(1).id(), Map::of).initial()).as("up to date: nothing").isEmpty();
        assertThat(hub.subscribe(new Sink(10), "x-1", Map::of).initial()).extracting(LiveEvent::type).containsExactly("snapshot");
        String future = first.got.get(1).id().replaceAll("-\\d+$", "-99");
        assertThat(hub.subscribe(new Sink(10), future, Map::of).initial()).extracting(LiveEvent::type).containsExactly("snapshot");

        for (int i = 0; i < LiveHub.REPLAY_EVENTS + 5; i++) {
            hub.publish("score", Map.of("n", i));
        }
        assertThat(hub.subscribe(new Sink(10), snapshotId, Map::of).initial()).as("too old: a snapshot instead")
                .extracting(LiveEvent::type).containsExactly("snapshot");
    }

    @Test
    void anEventIsOneSseFrameWithOneDataLine() {
        Sink sink = new Sink(10);
        hub.subscribe(sink, null, Map::of);
        hub.publish("alert", Map.of("message", "two\nlines"));
        String frame = sink.got.get(0).frame();
        assertThat(frame).startsWith("id: ").endsWith("\n\n").contains("\nevent: alert\ndata: {\"message\":\"two\\nlines\"}\n");
        assertThat(frame.split("\n")).hasSize(3);
    }
}
