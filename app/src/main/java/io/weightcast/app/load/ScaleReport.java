package io.weightcast.app.load;

import java.util.List;

/**
 * What {@code weightcast bench --instances N} writes to {@code bench/results/scale-x<N>-<time>.json}: the pipeline as
 * separate JVMs (broker, N streams, N scorers, the trainer) on one machine, its end-to-end bench, and who used the
 * cores ({@link CpuSampler}): over the whole bench and over its busiest {@code busiestWindowSeconds}. The load
 * averages say how busy the shared machine was; {@code machine} cores bound what N instances can add.
 *
 * @param scoredPerSecond    the bench's highest scored rate (its {@code --max} step's)
 * @param processes          the child JVMs, name and pid
 */
public record ScaleReport(String bench, int instances, int partitions, String startedAt, String finishedAt, double wallSeconds,
                          BenchReport.Machine machine, String loadAverageAtStart, String loadAverageAtEnd,
                          List<String> processes, List<String> jvmOptions, Double scoredPerSecond, boolean everyCheckpointScoredOnce,
                          CpuSampler.Usage cpuWholeBench, double busiestWindowSeconds, CpuSampler.Usage cpuBusiestWindow,
                          BenchReport e2e) {
}
