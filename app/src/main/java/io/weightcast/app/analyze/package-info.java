/**
 * {@code weightcast analyze}: one safetensors checkpoint analysed offline (per-layer statistics, spectra,
 * the predicted final accuracy) and written as a table, JSON or an HTML report with plots.
 */
package io.weightcast.app.analyze;
