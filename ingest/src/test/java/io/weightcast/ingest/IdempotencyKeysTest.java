package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Idempotency-Key window's decisions, bounds and expiry (pure logic). */
class IdempotencyKeysTest {
    @Test
    void aKeyIsNewThenInFlightThenReplayedAndAnAbandonedOneIsNewAgain() {
        IdempotencyKeys keys = new IdempotencyKeys(60_000, 100);
        IdempotencyKeys.Decision first = keys.begin("checkpoints", "run-1", "k", 0);
        assertThat(first).isInstanceOf(IdempotencyKeys.Proceed.class);
        assertThat(keys.begin("checkpoints", "run-1", "k", 10)).isInstanceOf(IdempotencyKeys.InFlight.class);
        assertThat(keys.begin("events", "run-1", "k", 10)).as("per endpoint").isInstanceOf(IdempotencyKeys.Proceed.class);
        assertThat(keys.begin("checkpoints", "run-2", "k", 10)).as("per run").isInstanceOf(IdempotencyKeys.Proceed.class);
        keys.complete(((IdempotencyKeys.Proceed) first).scopedKey(), Map.of("step", 3), 20);
        assertThat(keys.begin("checkpoints", "run-1", "k", 30)).isEqualTo(new IdempotencyKeys.Replay(Map.of("step", 3)));

        IdempotencyKeys.Decision failed = keys.begin("checkpoints", "run-1", "k2", 40);
        keys.abandon(((IdempotencyKeys.Proceed) failed).scopedKey());
        assertThat(keys.begin("checkpoints", "run-1", "k2", 50)).isInstanceOf(IdempotencyKeys.Proceed.class);
    }

    @Test
    void keysLeaveAfterTheWindowAndPastTheBoundOldestFirst() {
        IdempotencyKeys keys = new IdempotencyKeys(1_000, 3);
        for (int i = 0; i < 5; i++) {
            IdempotencyKeys.Proceed p = (IdempotencyKeys.Proceed) keys.begin("checkpoints", "r", "k" + i, i);
            keys.complete(p.scopedKey(), "receipt-" + i, i);
        }
        assertThat(keys.size()).isEqualTo(3);
        assertThat(keys.begin("checkpoints", "r", "k0", 10)).as("pushed out by the bound").isInstanceOf(IdempotencyKeys.Proceed.class);
        assertThat(keys.begin("checkpoints", "r", "k4", 10)).isEqualTo(new IdempotencyKeys.Replay("receipt-4"));
        assertThat(keys.begin("checkpoints", "r", "k4", 5_000)).as("after the window").isInstanceOf(IdempotencyKeys.Proceed.class);
        assertThat(IdempotencyKeys.VALID.matcher("6f1d2c4e-9b8a-4c3d-8e7f-0a1b2c3d4e5f").matches()).isTrue();
        assertThat(IdempotencyKeys.VALID.matcher("has space").matches()).isFalse();
        assertThat(IdempotencyKeys.VALID.matcher("x".repeat(256)).matches()).isFalse();
    }
}
