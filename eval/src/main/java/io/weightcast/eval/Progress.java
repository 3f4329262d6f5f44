package io.weightcast.eval;

/** Where the benchmark reports how far a long phase has come (the CLI draws a bar on stderr). */
public interface Progress {
    Progress NONE = new Progress() {
        @Override
        public void start(String phase, long total) {
        }

        @Override
        public void advance(long units) {
        }

        @Override
        public void finish() {
        }
    };

    void start(String phase, long total);

    /** Thread-safe: feature computation advances it from pool threads. */
    void advance(long units);

    void finish();
}
