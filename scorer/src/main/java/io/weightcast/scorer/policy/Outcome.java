package io.weightcast.scorer.policy;

import io.weightcast.core.records.Alert;
import io.weightcast.scorer.RunState;

/**
 * What one policy concluded about one checkpoint.
 *
 * @param run   the run's state afterwards
 * @param flag  the score flag when the condition holds at this checkpoint (null otherwise)
 * @param alert the alert to raise (null when none, e.g. already raised for this run)
 */
public record Outcome(RunState run, String flag, Alert alert) {
    public static Outcome quiet(RunState run) {
        return new Outcome(run, null, null);
    }
}
