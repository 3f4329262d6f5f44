package io.weightcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHolds() {
        AtomicInteger calls = new AtomicInteger();
        Await.until("three calls", Duration.ofSeconds(5), () -> calls.incrementAndGet() >= 3);
        assertThat(calls).hasValue(3);
    }

    @Test
    void aTimeoutNamesWhatItWaitedFor() {
        assertThatThrownBy(() -> Await.until("the impossible", Duration.ofMillis(150), () -> false))
                .isInstanceOf(AssertionError.class).hasMessageContaining("waiting for the impossible");
    }

    @Test
    void anExceptionFailsAtOnceUnlessIgnored() {
        assertThatThrownBy(() -> Await.until("io", Duration.ofSeconds(30), () -> {
            throw new IOException("refused");
        })).isInstanceOf(AssertionError.class).hasMessageContaining("refused");
        AtomicInteger calls = new AtomicInteger();
        Await.until("a server that starts", Duration.ofSeconds(5), Await.ignoringFailures(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IOException("refused");
            }
            return true;
        }));
        assertThatThrownBy(() -> Await.until("never up", Duration.ofMillis(150), Await.ignoringFailures(() -> {
            throw new IOException("refused");
        }))).isInstanceOf(AssertionError.class).hasRootCauseMessage("refused");
    }
}
