package io.weightcast.scorer.policy;

import io.weightcast.scorer.RunState;

/** A rule over scored checkpoints: pure, so the run's memory travels in and out as {@link RunState}. */
public interface Policy {
    Outcome apply(Checkpoint checkpoint, RunState run);
}
