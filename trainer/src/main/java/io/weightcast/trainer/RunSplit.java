package io.weightcast.trainer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Train/holdout split BY RUN: every checkpoint of a run lands on the same side, because rows of
 * one run share its label and would leak it. A run's side comes from a seeded 64-bit hash of its
 * id mapped to [0, 1): held out when below the fraction. The side therefore depends only on
 * (run id, seed), not on input order or on the other runs, so a run stays on its side as the zoo
 * grows. Two exceptions keep every split usable: at least {@value #MIN_HOLDOUT} runs are held out
 * (the train runs with the smallest hashes move over) and at least one run trains (the holdout run
 * with the largest hash moves back).
 */
public final class RunSplit {
    public static final int MIN_HOLDOUT = 2;
    /** Fewest runs a split accepts: {@value #MIN_HOLDOUT} held out plus one to train on. */
    public static final int MIN_RUNS = MIN_HOLDOUT + 1;

    /** The two sides, each sorted by run id. */
    public record Split(List<String> train, List<String> holdout) {
    }

    /** Items on each side. */
    public record Sides<T>(List<T> train, List<T> holdout) {
    }

    private final double holdoutFraction;
    private final long seed;

    public RunSplit(double holdoutFraction, long seed) {
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 1), was " + holdoutFraction);
        }
        this.holdoutFraction = holdoutFraction;
        this.seed = seed;
    }

    public Split split(List<String> runIds) {
        if (runIds.size() < MIN_RUNS) {
            throw new IllegalArgumentException("a split needs at least " + MIN_RUNS + " runs, got " + runIds.size());
        }
        Comparator<String> byHash = Comparator.comparingDouble((String id) -> unit(id)).thenComparing(id -> id);
        List<String> train = new ArrayList<>();
        List<String> holdout = new ArrayList<>();
        for (String id : runIds) {
            (unit(id) < holdoutFraction ? holdout : train).add(id);
        }
        train.sort(byHash);
        holdout.sort(byHash);
        while (holdout.size() < MIN_HOLDOUT) {
            holdout.add(train.remove(0));
        }
        while (train.isEmpty()) {
            train.add(holdout.remove(holdout.size() - 1));
        }
        train.sort(Comparator.naturalOrder());
        holdout.sort(Comparator.naturalOrder());
        return new Split(List.copyOf(train), List.copyOf(holdout));
    }

    /** Partitions items (e.g. zoo runs) by their run's side, keeping input order on each side. */
    public <T> Sides<T> apply(List<T> items, Function<T, String> runId) {
        Set<String> holdout = new HashSet<>(split(items.stream().map(runId).toList()).holdout());
        List<T> train = new ArrayList<>();
        List<T> held = new ArrayList<>();
        items.forEach(item -> (holdout.contains(runId.apply(item)) ? held : train).add(item));
        return new Sides<>(List.copyOf(train), List.copyOf(held));
    }

    /** The run's position in [0, 1): FNV-1a over seed and id, finished with SplitMix64's mixer. */
    double unit(String runId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < 8; i++) {
            h = (h ^ ((seed >>> (8 * i)) & 0xff)) * 0x100000001b3L;
        }
        for (byte b : runId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h = h ^ (h >>> 31);
        return (h >>> 11) * 0x1.0p-53;
    }
}
