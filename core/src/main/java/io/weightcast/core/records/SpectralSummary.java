package io.weightcast.core.records;

import java.util.Map;

/**
 * A value of the {@code spectra} topic: the spectra of one checkpoint that was too large to get them
 * on the features path (design §5; the streams service's deferred spectral worker). Keyed by run id.
 *
 * <p>A large checkpoint's layers are analysed a few at a time, and a record with {@code progress} goes out after each
 * batch: {@code layers} then holds the layers done so far (largest first), {@code values} is null. The last record,
 * without {@code progress}, holds them all; only it counts as the checkpoint's spectra ({@link #complete()}).
 *
 * @param layoutVersion the {@code FeatureLayout} version whose spectral section {@code values} fills
 * @param values        the spectral section of the feature vector ({@code FeatureLayout.spectralNames()} order); null in a
 *                      progress record
 * @param layers        per layer, its spectral facts, in layer order (a progress record: the layers done, in the order done)
 * @param seconds       time spent computing them (so far)
 * @param progress      null in the final record; how far the analysis has got in a progress record
 */
public record SpectralSummary(
        String runId,
        long step,
        Integer plannedSteps,
        String study,
        int layoutVersion,
        double[] values,
        Map<String, LayerSpectralHealth> layers,
        double seconds,
        long checkpointTimestamp,
        long computedAt,
        SpectraProgress progress) {

    /** The final record of a checkpoint: all its layers, and the spectral section of its feature vector. */
    public boolean complete() {
        return progress == null;
    }
}
