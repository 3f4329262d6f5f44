package io.weightcast.core.records;

/** A prediction interval at nominal coverage {@code level} (e.g. 0.8). */
public record Interval(double level, double low, double high) {
}
