/** The self-supervised weight encoder's benchmark ({@code weightcast ssl-eval}): its zoo, tasks, probes and report. */
package io.weightcast.eval.ssl;
