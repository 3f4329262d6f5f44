package io.weightcast.app.live;

import java.util.List;
import java.util.Map;

/** One replay (a history size and a producer mode): the entries of live.json's {@code by_history}. */
public record HistoryResult(int history, String mode, int concurrency, int liveRuns, List<EpochQuality> byEpoch,
                            EarlyStopQuality earlyStop, Map<String, AlertQuality> alerts, LatencyQuality latencyS,
                            Map<String, BaselineResult> baselines, Map<String, Object> replay, List<String> notMeasured) {
}
