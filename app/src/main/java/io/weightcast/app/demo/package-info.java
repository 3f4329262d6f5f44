/**
 * {@code weightcast demo}: local mode with a zoo streaming through it, its live table of runs, and a
 * summary counted from what the topics hold ({@link io.weightcast.app.demo.PipelineMonitor}).
 */
package io.weightcast.app.demo;
