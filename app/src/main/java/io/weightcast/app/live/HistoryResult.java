package io.weightcast.app.live;

import java.util.List;
import java.util.Map;

/**
 * One replay (a history size and a producer mode): the entries of live.json's {@code by_history}.
 *
 * @param baselines name → {@link BaselineResult} (predictors) or {@link PrunerBaselines.Sweep} (early stopping)
 */
public record HistoryResult(int history, String mode, int concurrency, int liveRuns, List<EpochQuality> byEpoch,
                            EarlyStopQuality earlyStop, Map<String, AlertQuality> alerts, LatencyQuality latencyS,
                            Map<String, Object> baselines, Map<String, Object> replay, List<String> notMeasured) {

    /** The predictor baselines (the ones judged per epoch). */
    public Map<String, BaselineResult> predictors() {
        Map<String, BaselineResult> out = new java.util.LinkedHashMap<>();
        baselines.forEach((k, v) -> {
            if (v instanceof BaselineResult b) {
                out.put(k, b);
            }
        });
        return out;
    }
}

