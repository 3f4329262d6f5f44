package io.weightcast.app.live;

import java.util.List;
import java.util.Map;

/** A baseline predictor fitted on the history runs and judged on the same live runs and epochs. */
public record BaselineResult(String description, Map<String, Object> params, int trainingRows,
                             List<EpochQuality> byEpoch) {
}
