package io.weightcast.scorer.webhook;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The alerts polled but not yet committed, per partition in offset order. An offset is committed only once
 * every alert before it is done (delivered or dead-lettered and acked), so a slow hook holds back the commit,
 * never the other hooks. Used by the notifier's consumer thread only.
 */
final class PendingAlerts {
    /**
     * One polled alert.
     *
     * @param done      completes when every interested hook delivered it or its dead letter is acked
     * @param abandoned set when its partition left this consumer: queued deliveries skip it
     */
    record Pending(long offset, CompletableFuture<Void> done, AtomicBoolean abandoned) {
    }

    /**
     * What {@link #collect} found.
     *
     * @param commit the offsets to commit: one past the last done alert of each partition's done prefix
     * @param rewind partitions whose first unfinished alert failed (its dead letter was not stored): where to seek
     *               back to; their pending alerts are abandoned
     */
    record Progress(Map<TopicPartition, OffsetAndMetadata> commit, Map<TopicPartition, Long> rewind) {
    }

    private final Map<TopicPartition, ArrayDeque<Pending>> byPartition = new HashMap<>();
    private int size;

    void add(TopicPartition partition, Pending pending) {
        byPartition.computeIfAbsent(partition, p -> new ArrayDeque<>()).addLast(pending);
        size++;
    }

    int size() {
        return size;
    }

    Progress collect() {
        return collect(List.copyOf(byPartition.keySet()));
    }

    /** Takes the done prefix of each partition's alerts off the list. */
    Progress collect(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (TopicPartition tp : partitions) {
            ArrayDeque<Pending> queue = byPartition.get(tp);
            while (queue != null && !queue.isEmpty() && queue.peekFirst().done().isDone()) {
                Pending head = queue.peekFirst();
                if (head.done().isCompletedExceptionally()) {
                    rewind.put(tp, head.offset());
                    abandon(List.of(tp));
                    break;
                }
                queue.removeFirst();
                size--;
                commit.put(tp, new OffsetAndMetadata(head.offset() + 1));
            }
        }
        return new Progress(commit, rewind);
    }

    /** Completes when every pending alert of these partitions is done (or failed). */
    CompletableFuture<Void> allDone(Collection<TopicPartition> partitions) {
        return CompletableFuture.allOf(partitions.stream().filter(byPartition::containsKey)
                .flatMap(tp -> byPartition.get(tp).stream()).map(Pending::done).toArray(CompletableFuture[]::new));
    }

    /** Forgets these partitions' alerts, marked abandoned. @return each partition's first unfinished offset */
    Map<TopicPartition, Long> abandon(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> firstUnfinished = new HashMap<>();
        for (TopicPartition tp : partitions) {
            ArrayDeque<Pending> queue = byPartition.remove(tp);
            if (queue == null || queue.isEmpty()) {
                continue;
            }
            firstUnfinished.put(tp, queue.peekFirst().offset());
            queue.forEach(p -> p.abandoned().set(true));
            size -= queue.size();
        }
        return firstUnfinished;
    }

    Map<TopicPartition, Long> abandonAll() {
        return abandon(List.copyOf(byPartition.keySet()));
    }
}
