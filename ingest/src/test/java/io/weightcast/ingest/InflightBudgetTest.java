package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InflightBudgetTest {

    @Test
    void admitsUpToTheRequestBoundAndReleasesTheSlot() {
        InflightBudget budget = new InflightBudget(1000, 2);
        InflightBudget.Lease a = budget.tryAcquire(10);
        InflightBudget.Lease b = budget.tryAcquire(20);

        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(budget.tryAcquire(0)).as("third request over the bound of 2").isNull();
        assertThat(budget.requests()).isEqualTo(2);
        assertThat(budget.bytes()).isEqualTo(30);

        a.release();
        assertThat(budget.requests()).isEqualTo(1);
        assertThat(budget.bytes()).isEqualTo(20);
        assertThat(budget.tryAcquire(5)).isNotNull();
    }

    @Test
    void refusesBytesOverTheBoundWithoutTakingASlot() {
        InflightBudget budget = new InflightBudget(100, 10);
        InflightBudget.Lease a = budget.tryAcquire(60);

        assertThat(budget.tryAcquire(41)).isNull();
        assertThat(budget.requests()).as("a refused request holds nothing").isEqualTo(1);
        assertThat(budget.bytes()).isEqualTo(60);
        assertThat(budget.tryAcquire(40)).isNotNull();
        assertThat(budget.bytes()).isEqualTo(100);
        assertThat(a.grow(1)).isFalse();
        assertThat(budget.bytes()).isEqualTo(100);
    }

    @Test
    void growingCountsChunksAndReleaseGivesBackEverything() {
        InflightBudget budget = new InflightBudget(100, 10);
        InflightBudget.Lease chunked = budget.tryAcquire(0);

        assertThat(chunked.grow(30)).isTrue();
        assertThat(chunked.grow(50)).isTrue();
        assertThat(chunked.grow(21)).as("crosses 100").isFalse();
        assertThat(chunked.bytes()).isEqualTo(80);
        assertThat(budget.bytes()).isEqualTo(80);

        chunked.release();
        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).isZero();
        assertThat(chunked.grow(10)).as("a released lease cannot take more").isFalse();
        assertThat(budget.bytes()).isZero();
    }

    @Test
    void extraReleasesNeverDriveTheTotalsNegative() {
        InflightBudget budget = new InflightBudget(100, 10);
        InflightBudget.Lease a = budget.tryAcquire(40);

        a.release();
        a.release();
        a.retain().release();

        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).isZero();
    }

    @Test
    void aRetainedLeaseHoldsItsShareUntilTheLastHolderReleases() {
        InflightBudget budget = new InflightBudget(100, 10);
        InflightBudget.Lease a = budget.tryAcquire(40).retain(); // the exchange + the Kafka send

        a.release(); // the client hung up
        assertThat(budget.bytes()).as("the body is still waiting for acks").isEqualTo(40);
        assertThat(budget.requests()).isEqualTo(1);

        a.release(); // acked
        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).isZero();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new InflightBudget(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InflightBudget(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InflightBudget(1, 1).tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentUseNeverExceedsTheBoundsNorGoesNegativeAndEndsAtZero() throws Exception {
        long maxBytes = 3_000;
        int maxRequests = 4;
        InflightBudget budget = new InflightBudget(maxBytes, maxRequests);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong violations = new AtomicLong();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                go.await();
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < 20_000; i++) {
                    InflightBudget.Lease lease = budget.tryAcquire(r.nextInt(3) == 0 ? 0 : r.nextInt(2_000));
                    if (lease == null) {
                        refused.incrementAndGet();
                    } else {
                        admitted.incrementAndGet();
                        lease.grow(r.nextInt(500));
                        boolean retained = r.nextBoolean();
                        if (retained) {
                            lease.retain();
                        }
                        check(budget, maxBytes, maxRequests, violations);
                        lease.release();
                        if (retained) {
                            lease.release();
                        }
                        if (r.nextInt(10) == 0) {
                            lease.release(); // a stray extra release must not count twice
                        }
                    }
                    check(budget, maxBytes, maxRequests, violations);
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(violations.get()).as("observed totals outside [0, bound]").isZero();
        assertThat(admitted.get()).isPositive();
        assertThat(refused.get()).as("8 threads against 4 slots and 3 KB").isPositive();
        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).isZero();
    }

    private static void check(InflightBudget budget, long maxBytes, int maxRequests, AtomicLong violations) {
        long bytes = budget.bytes();
        int requests = budget.requests();
        if (bytes < 0 || bytes > maxBytes || requests < 0 || requests > maxRequests) {
            violations.incrementAndGet();
        }
    }

    @Test
    void giveBackReturnsACopysShareAndNeverMoreThanTheLeaseHolds() {
        InflightBudget budget = new InflightBudget(1000, 2);
        InflightBudget.Lease a = budget.tryAcquire(0);
        assertThat(a.grow(600)).isTrue(); // a chunked body, charged twice while it streams
        a.giveBack(300); // joined: the chunks are garbage
        assertThat(budget.bytes()).isEqualTo(300);
        assertThat(a.bytes()).isEqualTo(300);
        a.giveBack(5000);
        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).as("the slot stays taken until release").isEqualTo(1);
        a.release();
        a.giveBack(10);
        assertThat(budget.bytes()).isZero();
        assertThat(budget.requests()).isZero();
    }
}
