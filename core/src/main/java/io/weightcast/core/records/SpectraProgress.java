package io.weightcast.core.records;

/**
 * How far a checkpoint's deferred spectra have got: carried by the {@code spectra} records sent while a large
 * checkpoint's layers are still being analysed (a 7B model's take tens of minutes), absent from the final one.
 *
 * @param layersDone  layers analysed so far (the record's {@code layers} holds them)
 * @param layersTotal weight layers of the checkpoint
 * @param lastLayer   the layer finished last
 * @param etaSeconds  the remaining layers' estimated time, from the flops done so far and the time they took; null
 *                    until a layer with any flops has finished
 */
public record SpectraProgress(int layersDone, int layersTotal, String lastLayer, Double etaSeconds) {
}
