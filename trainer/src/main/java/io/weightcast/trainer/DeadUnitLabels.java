package io.weightcast.trainer;

import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.RunEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * The dying-ReLU ground truth, per (run, step): whether the training loop MEASURED some layer with
 * at least half of its units dead ({@code dead_fraction/<layer>}, see {@link DyingReluModel#label}),
 * wherever the loop reported it: in a {@code metrics} run event, or in the checkpoint's metadata, which
 * reaches the trainer as the feature record's {@link Health#measuredDeadFractions()} (not its
 * {@code deadFractions}: there the measurements are merged (max) with the weight criterion, so a run that
 * reported nothing could not be told apart). Steps without a measurement have no label and train nothing.
 * Poll thread only.
 */
final class DeadUnitLabels {
    private final Map<String, Map<Long, Boolean>> labels = new HashMap<>();
    private int count;

    /** Records the label of a {@code metrics} event that reports dead fractions; other events are ignored. */
    void add(RunEvent event, String keyRunId) {
        if (!RunEvent.METRICS.equals(event.type()) || event.step() == null) {
            return;
        }
        Boolean label = DyingReluModel.label(event.metrics());
        String runId = event.runId() != null && !event.runId().isBlank() ? event.runId() : keyRunId;
        if (label == null || runId == null) {
            return;
        }
        put(runId, event.step(), label);
    }

    private void put(String runId, long step, boolean label) {
        if (labels.computeIfAbsent(runId, k -> new HashMap<>()).put(step, label) == null) {
            count++;
        }
    }

    /** Records the label of a feature record whose checkpoint's loop reported measured dead fractions; others are ignored. */
    void add(FeatureVector features) {
        Boolean label = features.health() == null ? null : DyingReluModel.labelOfLayers(features.health().measuredDeadFractions());
        if (label != null && features.runId() != null) {
            put(features.runId(), features.step(), label);
        }
    }

    /** The label of a checkpoint, or null when its loop measured nothing at that step. */
    Boolean label(String runId, long step) {
        Map<Long, Boolean> run = labels.get(runId);
        return run == null ? null : run.get(step);
    }

    /** Labelled (run, step) pairs held. */
    int size() {
        return count;
    }
}
