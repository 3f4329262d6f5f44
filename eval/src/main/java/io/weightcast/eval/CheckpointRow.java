package io.weightcast.eval;

import java.util.Map;

/**
 * What the feature pass computes for one checkpoint (and the cache keeps): core's layout vector,
 * extracted with the test-split metric keys stripped, and the dead fraction per layer from the
 * WEIGHT criterion alone (health.dead_fractions without the reported {@code dead_fraction/*}).
 */
public record CheckpointRow(int step, double[] layout, Map<String, Double> weightDead) {
}
