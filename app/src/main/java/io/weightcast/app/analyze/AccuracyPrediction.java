package io.weightcast.app.analyze;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.HyperparameterFeatures;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.ModelVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's predicted final accuracy from a model version, the way the scorer computes it: the
 * feature vector of core's {@link FeatureExtractor} from the file's {@code __metadata__} (step,
 * planned_steps, activation, reported metrics), overridable from the command line.
 *
 * @param source          where the model came from (a file, or a topic at a bootstrap address)
 * @param layoutMatches   whether the model was fit on this build's feature layout; if not, features
 *                        are matched by name and the ones this build does not compute are missing (NaN)
 * @param missingFeatures model features this build does not compute
 */
record AccuracyPrediction(String source, String modelName, int modelVersion, int modelLayoutVersion, int layoutVersion,
                          boolean layoutMatches, int missingFeatures, double predictedFinalAccuracy, List<Interval> intervals,
                          long step, Integer plannedSteps, String activation, HoldoutMetrics holdout, List<String> notes) {

    /** What the command line says about the checkpoint, each null when not given. */
    record Overrides(Long step, Integer plannedSteps, String activation) {
    }

    /** @param spectra the checkpoint's per-layer spectra (the same features the stream computes), or null */
    static AccuracyPrediction of(LoadedModel loaded, CheckpointFile file, Overrides overrides,
                                 Map<String, io.weightcast.core.records.LayerSpectralHealth> spectra) {
        List<String> notes = new ArrayList<>();
        CheckpointMetadata meta = metadata(file, overrides, notes);
        FeatureVector fv = FeatureExtractor.extract(file.tensors(), meta, System.currentTimeMillis(), spectra);
        List<HyperparameterFeatures.Unread> unread = HyperparameterFeatures.unread(meta.hparams());
        if (!unread.isEmpty()) {
            notes.add("hyper-parameters no feature takes (the model sees those columns as unknown): "
                    + unread.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", ")));
        }
        ModelVersion mv = loaded.version();
        int[] missing = new int[1];
        double[] x = aligned(fv.values(), FeatureLayout.names(), mv.featureNames(), missing);
        boolean matches = mv.layoutVersion() == fv.layoutVersion() && mv.featureNames().equals(FeatureLayout.names());
        if (!matches) {
            notes.add("the model was fit on feature layout v" + mv.layoutVersion() + ", this build computes v" + fv.layoutVersion()
                    + ": features matched by name, " + missing[0] + " of " + mv.featureNames().size()
                    + " model features missing (treated as unknown); the prediction is less reliable");
        }
        AccuracyModel model = loaded.model();
        double p = model.predict(x);
        return new AccuracyPrediction(loaded.source(), mv.name(), mv.version(), mv.layoutVersion(), fv.layoutVersion(), matches,
                missing[0], p, model.intervals(p, x), meta.step(), meta.plannedSteps(), meta.activation(), mv.holdout(),
                List.copyOf(notes));
    }

    private static CheckpointMetadata metadata(CheckpointFile file, Overrides o, List<String> notes) {
        Map<String, String> m = new LinkedHashMap<>(file.tensors().metadata());
        m.putIfAbsent("run_id", file.path().getFileName().toString());
        if (o.step() != null) {
            m.put("step", Long.toString(o.step()));
        } else if (!m.containsKey("step")) {
            m.put("step", "1");
            notes.add("the file's metadata has no step: predicted as at step 1 (give --step N --planned-steps N)");
        }
        if (o.plannedSteps() != null) {
            m.put("planned_steps", Integer.toString(o.plannedSteps()));
        } else if (!m.containsKey("planned_steps")) {
            notes.add("planned_steps unknown (give --planned-steps N): the model sees it and step_fraction as missing");
        }
        if (o.activation() != null) {
            m.put("activation", o.activation());
        }
        try {
            return CheckpointMetadata.parse(m, null);
        } catch (MalformedRecordException e) {
            throw AnalyzeFailure.badInput("checkpoint metadata: " + e.getMessage() + " (override with --step / --planned-steps)", e);
        }
    }

    /** Our vector re-indexed to the model's feature names; names we do not compute are NaN (LightGBM's missing). */
    static double[] aligned(double[] values, List<String> ours, List<String> theirs, int[] missing) {
        double[] out = new double[theirs.size()];
        for (int i = 0; i < out.length; i++) {
            int j = ours.indexOf(theirs.get(i));
            if (j < 0 || j >= values.length) {
                out[i] = Double.NaN;
                missing[0]++;
            } else {
                out[i] = values[j];
            }
        }
        return out;
    }
}
