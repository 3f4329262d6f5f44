package io.weightcast.trainer;

import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Health;
import io.weightcast.core.records.RunEvent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dying-ReLU ground truth, per (run, step): whether the training loop MEASURED some layer with
 * at least half of its units dead ({@code dead_fraction/<layer>}, see {@link DyingReluModel#label}),
 * wherever the loop reported it: in a {@code metrics} run event, or in the checkpoint's metadata, which
 * reaches the trainer as the feature record's {@link Health#measuredDeadFractions()} (not its
 * {@code deadFractions}: there the measurements are merged (max) with the weight criterion, so a run that
 * reported nothing could not be told apart). Steps without a measurement have no label and train nothing.
 * At most {@code maxRuns} runs are held: past it the run labelled least recently is forgotten (the zoo forgets
 * runs past its own bounds too, so their labels would train nothing). Poll thread only.
 */
final class DeadUnitLabels {
    static final int DEFAULT_MAX_RUNS = ZooState.DEFAULT_MAX_MEMBERS + ZooState.DEFAULT_MAX_UNFINISHED;

    private final Map<String, Map<Long, Boolean>> labels;
    private int count;

    DeadUnitLabels() {
        this(DEFAULT_MAX_RUNS);
    }

    DeadUnitLabels(int maxRuns) {
        if (maxRuns < 1) {
            throw new IllegalArgumentException("maxRuns must be at least 1, was " + maxRuns);
        }
        this.labels = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<Long, Boolean>> eldest) {
                boolean evict = size() > maxRuns;
                if (evict) {
                    count -= eldest.getValue().size();
                }
                return evict;
            }
        };
    }

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

    /**
     * The run's outcome: the label of its last measured step (a layer at least half dead when the run ended), or null
     * when its loop measured nothing. What the DYING_RELU alert predicts: a layer that dies and comes back is no
     * dying run.
     */
    Boolean finalLabel(String runId) {
        Map<Long, Boolean> run = labels.get(runId);
        if (run == null || run.isEmpty()) {
            return null;
        }
        long last = Long.MIN_VALUE;
        for (long step : run.keySet()) {
            last = Math.max(last, step);
        }
        return run.get(last);
    }

    /** Labelled (run, step) pairs held. */
    int size() {
        return count;
    }

    /** Runs with at least one label held. */
    int runs() {
        return labels.size();
    }
}
