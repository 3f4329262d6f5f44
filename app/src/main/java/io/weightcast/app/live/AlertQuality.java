package io.weightcast.app.live;

/**
 * One alert kind over the live runs.
 *
 * @param flagged   live runs with at least one alert of the kind
 * @param positives live runs for which the outcome came true
 * @param share     flagged / live runs
 * @param precision flagged runs whose outcome came true / flagged (null when none flagged)
 * @param recall    flagged runs whose outcome came true / positives (null when no positives)
 * @param outcome   what the alert promises, as measured here
 */
public record AlertQuality(int flagged, int positives, double share, Double precision, Double recall, String outcome) {
}
