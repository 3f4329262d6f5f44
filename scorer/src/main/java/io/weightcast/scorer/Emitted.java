package io.weightcast.scorer;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Score;

/** What the scorer's processors emit, routed by the topology to the scores, alerts or dead-letters topic. */
public record Emitted(Score score, Alert alert, DeadLetter deadLetter) {

    public static Emitted of(Score score) {
        return new Emitted(score, null, null);
    }

    public static Emitted of(Alert alert) {
        return new Emitted(null, alert, null);
    }

    public static Emitted of(DeadLetter deadLetter) {
        return new Emitted(null, null, deadLetter);
    }

    public boolean hasScore() {
        return score != null;
    }

    public boolean hasAlert() {
        return alert != null;
    }

    public boolean hasDeadLetter() {
        return deadLetter != null;
    }
}
