package io.weightcast.eval.earlystop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** Seeded shuffled arrival orders of the held-out runs: the same orders go to every policy. */
public final class ArrivalOrders {
    private ArrivalOrders() {
    }

    public static List<int[]> of(int runs, int count, long seed) {
        List<int[]> orders = new ArrayList<>();
        for (int o = 0; o < count; o++) {
            List<Integer> order = new ArrayList<>(IntStream.range(0, runs).boxed().toList());
            Collections.shuffle(order, new Random(seed * 1_000_003L + o));
            orders.add(order.stream().mapToInt(Integer::intValue).toArray());
        }
        return orders;
    }
}
