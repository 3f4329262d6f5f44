package io.weightcast.app.resilience;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** Thread-safe counts by label, and by label within a group (e.g. status by mutation kind); sorted when read. */
final class Tally {
    private final Map<String, Map<String, AtomicLong>> groups = new ConcurrentSkipListMap<>();

    void add(String group, String label) {
        groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).computeIfAbsent(label, l -> new AtomicLong()).incrementAndGet();
    }

    /** The counts of one group, sorted by label. */
    Map<String, Long> group(String group) {
        Map<String, Long> out = new TreeMap<>();
        groups.getOrDefault(group, Map.of()).forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every group's counts, sorted. */
    Map<String, Map<String, Long>> all() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        groups.keySet().forEach(g -> out.put(g, group(g)));
        return out;
    }

    /** Counts summed over every group, by label. */
    Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        groups.values().forEach(m -> m.forEach((k, v) -> out.merge(k, v.get(), Long::sum)));
        return out;
    }

    /**
     * A free-text reason (an error body, a dead letter's reason) reduced to its category: quoted values, numbers
     * and run ids out, so that the same cause with other values counts as one.
     */
    static String category(String reason) {
        if (reason == null || reason.isBlank()) {
            return "(none)";
        }
        String c = reason.replaceAll("'[^']*'", "'…'").replaceAll("\"[^\"]*\"", "\"…\"")
                .replaceAll("safety[0-9]+-[a-z]+[0-9]*", "RUN").replaceAll("-?\\d+(\\.\\d+)?", "N").replaceAll("\\s+", " ").strip();
        int colon = c.indexOf(" at [Source");
        if (colon > 0) {
            c = c.substring(0, colon);
        }
        return c.length() > 100 ? c.substring(0, 100) + "…" : c;
    }
}
