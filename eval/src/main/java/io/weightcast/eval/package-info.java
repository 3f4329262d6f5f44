/**
 * The offline benchmarks on zoo directories ({@code weightcast eval}): loading zoos and their features, the predictor
 * as the trainer fits it, its metrics by epoch, intervals and the dying-ReLU flag, and the report. Early stopping,
 * the self-supervised encoder and one-off studies have packages of their own.
 */
package io.weightcast.eval;
