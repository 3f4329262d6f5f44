package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.features.LearningCurveFeatures;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's feature columns: core's {@link FeatureLayout} vector (what the live pipeline
 * computes per checkpoint) followed by the {@link LearningCurveFeatures} of the run's reported
 * history up to that checkpoint (which the live scorer does not compute yet).
 */
public final class EvalColumns {
    private static final List<String> NAMES = build();

    private EvalColumns() {
    }

    public static List<String> names() {
        return NAMES;
    }

    public static int size() {
        return NAMES.size();
    }

    public static int layoutSize() {
        return FeatureLayout.size();
    }

    private static List<String> build() {
        List<String> names = new ArrayList<>(FeatureLayout.names());
        names.addAll(LearningCurveFeatures.NAMES);
        return List.copyOf(names);
    }
}
