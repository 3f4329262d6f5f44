package io.weightcast.app.demo;

/**
 * The demo's run ids, {@code demo-<seed>-<index>}. The zoo generator ({@code clients/python/weightcast/demo/zoo.py})
 * names runs {@code <run prefix><seed>-<index>} itself, so the demo hands it {@code demo-} and follows the runs of
 * this seed by {@link #prefix()} (earlier demos' runs in a reused data dir have other seeds). Handing it a prefix
 * that already held the seed printed it twice ({@code demo563074078-563074078-33}).
 */
record DemoRunIds(long seed) {
    static final String ZOO_PREFIX = "demo-";

    /** What the zoo generator gets as {@code --run-prefix}. */
    String zooPrefix() {
        return ZOO_PREFIX;
    }

    /** Every run id of this demo starts with it. */
    String prefix() {
        return ZOO_PREFIX + seed + "-";
    }

    /** The id the zoo generator gives run {@code index}. */
    String id(int index) {
        return prefix() + index;
    }
}
