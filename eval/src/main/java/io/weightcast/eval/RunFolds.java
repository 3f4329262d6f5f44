package io.weightcast.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * K folds BY RUN (all checkpoints of a run in one fold): the runs shuffled with a seed, then dealt
 * round-robin, so folds differ in size by at most one run.
 */
public final class RunFolds {
    private RunFolds() {
    }

    /** Fold (0..k-1) of each run, indexed like {@code runCount}. */
    public static int[] assign(int runCount, int k, long seed) {
        if (k < 2 || runCount < k) {
            throw new IllegalArgumentException(k + " folds need at least " + k + " runs, got " + runCount);
        }
        List<Integer> order = new ArrayList<>(IntStream.range(0, runCount).boxed().toList());
        Collections.shuffle(order, new Random(seed));
        int[] fold = new int[runCount];
        for (int i = 0; i < runCount; i++) {
            fold[order.get(i)] = i % k;
        }
        return fold;
    }

    /** The runs in fold {@code f} ({@code in}) or outside it. */
    public static <T> List<T> select(List<T> runs, int[] fold, int f, boolean in) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if ((fold[i] == f) == in) {
                out.add(runs.get(i));
            }
        }
        return out;
    }
}
