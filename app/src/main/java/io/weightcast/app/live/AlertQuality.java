package io.weightcast.app.live;

import java.util.Map;

/**
 * One alert kind over the live runs.
 *
 * @param flagged   live runs with at least one alert of the kind
 * @param positives live runs for which the outcome came true
 * @param share     flagged / live runs
 * @param precision flagged runs whose outcome came true / flagged (null when none flagged)
 * @param recall    flagged runs whose outcome came true / positives (null when no positives)
 * @param outcome   what the alert promises, as measured here
 * @param bySignal  the flagged runs by what raised their first alert of the kind ({@code <evidence signal>/<severity>}):
 *                  how many, and how many of them came true, so a signal that misleads shows
 */
public record AlertQuality(int flagged, int positives, double share, Double precision, Double recall, String outcome,
                           Map<String, Signal> bySignal) {

    /** Runs first flagged by one signal, and those whose outcome came true. */
    public record Signal(int flagged, int cameTrue) {
    }
}
