package io.weightcast.trainer;

import io.weightcast.core.records.HoldoutMetrics;

/**
 * Whether a candidate replaces the current version, and on what evidence.
 *
 * @param currentOnHoldout the current version's metrics on the CANDIDATE's held-out runs; null when
 *                         there was nothing comparable (no current version, another layout, or a
 *                         current model that does not load)
 * @param reason           for the log: the comparison, or why none was needed
 */
public record PublishDecision(boolean publish, HoldoutMetrics currentOnHoldout, String reason) {

    /** Publish without a comparison. */
    static PublishDecision uncontested(String reason) {
        return new PublishDecision(true, null, reason);
    }
}
