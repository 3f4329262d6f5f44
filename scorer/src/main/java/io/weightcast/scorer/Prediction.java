package io.weightcast.scorer;

import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import java.util.List;

/**
 * One checkpoint's prediction, or why there is none.
 *
 * @param interval the 80% interval (null if the model carries no 0.8 level)
 * @param model    the model version that made it (null when none was used)
 * @param note     why there is no prediction (null when there is one)
 * @param topRun   P(the run finishes near the top) from the model's early-stop rule, null without one
 */
public record Prediction(Double value, Interval interval, List<Interval> intervals, ModelVersion model, String note,
                         Double topRun) {
    public static final double INTERVAL_LEVEL = 0.8;
    public static final String NO_MODEL_NOTE =
            "no model yet: the trainer publishes one after trainer.min.runs finished runs";

    public static Prediction none(String note) {
        return new Prediction(null, null, List.of(), null, note, null);
    }

    public Prediction(Double value, Interval interval, List<Interval> intervals, ModelVersion model, String note) {
        this(value, interval, intervals, model, note, null);
    }

    public Integer modelVersion() {
        return model == null ? null : model.version();
    }
}
