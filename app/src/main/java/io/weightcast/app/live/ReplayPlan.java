package io.weightcast.app.live;

import io.weightcast.eval.RunEvents;
import io.weightcast.eval.ZooManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Which zoo runs go in as history and which are trained live: the zoo's finished runs shuffled by
 * the seed, the first {@code history} of them history, the rest (at most {@code limitLive}) live.
 */
public record ReplayPlan(ZooManifest manifest, String runPrefix, List<ZooRun> history, List<ZooRun> live) {

    public int epochs() {
        return manifest.epochs();
    }

    /** The same split with the live runs in arrival order {@code order} (0: the seed's order, unchanged). */
    public ReplayPlan withLiveOrder(long seed, int order) {
        if (order == 0) {
            return this;
        }
        List<ZooRun> shuffled = new ArrayList<>(live);
        Collections.shuffle(shuffled, new Random(seed * 1_000_003L + order));
        return new ReplayPlan(manifest, runPrefix, history, List.copyOf(shuffled));
    }

    public static ReplayPlan of(Path zoo, int history, Integer limitLive, long seed, String runPrefix, String study)
            throws IOException {
        ZooManifest manifest = ZooManifest.read(zoo);
        List<Path> dirs = runDirectories(zoo);
        List<ZooRun> runs = new ArrayList<>();
        for (Path dir : dirs) {
            RunEvents events = RunEvents.read(dir.resolve("events.jsonl"), manifest.epochs());
            runs.add(new ZooRun(runPrefix + events.runId(), study, dir, events, manifest.epochs()));
        }
        Collections.shuffle(runs, new Random(seed));
        if (history < 3) {
            throw new IllegalArgumentException("--history must be at least 3 (the trainer needs 2 holdout runs + 1), was " + history);
        }
        if (runs.size() <= history) {
            throw new IllegalArgumentException("the zoo " + zoo + " has " + runs.size() + " finished runs: none left live after "
                    + history + " history runs");
        }
        List<ZooRun> live = runs.subList(history, runs.size());
        if (limitLive != null && limitLive < live.size()) {
            live = live.subList(0, limitLive);
        }
        return new ReplayPlan(manifest, runPrefix, List.copyOf(runs.subList(0, history)), List.copyOf(live));
    }

    /** Finished runs' directories ({@code .tmp-*} ones are being written), sorted by name for a stable shuffle. */
    private static List<Path> runDirectories(Path zoo) throws IOException {
        Path runs = zoo.resolve("runs");
        if (!Files.isDirectory(runs)) {
            throw new IllegalArgumentException(zoo + " has no runs/ directory (is it a zoo made by eval/generate-zoos.sh?)");
        }
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
