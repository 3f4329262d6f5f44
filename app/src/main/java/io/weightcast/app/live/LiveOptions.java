package io.weightcast.app.live;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code weightcast eval-live} was asked to do.
 *
 * @param modes       "plain" and/or "client", in that order
 * @param bootstrap   an external stack's Kafka, or null to start a local stack per mode (fresh data dir each)
 * @param settings    settings for the local stack and the topic prefix
 * @param python      the interpreter for the client mode
 * @param clientsPython the directory holding the {@code weightcast} Python package
 * @param orders      arrival orders of the live runs, each a full replay (early stopping is judged over all of them)
 */
public record LiveOptions(Path zoo, int history, int concurrency, List<String> modes, String bootstrap, Path out, long seed,
                          Integer limitLive, Map<String, String> settings, String python, Path clientsPython,
                          long scoreTimeoutMillis, long modelTimeoutMillis, int orders, String command) {

    public LiveOptions {
        if (history < 3) {
            throw new IllegalArgumentException("--history must be at least 3, was " + history);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be positive, was " + concurrency);
        }
        if (orders < 1) {
            throw new IllegalArgumentException("--orders must be positive, was " + orders);
        }
        if (limitLive != null && limitLive < 2) {
            throw new IllegalArgumentException("--limit-live must be at least 2 (R² and τ need two runs), was " + limitLive);
        }
        modes = List.copyOf(modes);
        settings = Map.copyOf(settings);
    }
}
