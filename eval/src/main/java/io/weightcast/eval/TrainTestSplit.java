package io.weightcast.eval;

import io.weightcast.trainer.RunSplit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Training and held-out runs, split BY RUN with the trainer's {@link RunSplit} (a seeded hash of the
 * run id): all checkpoints of a run are on one side, and a run's side does not change as the zoo grows.
 *
 * @param train runs in zoo order
 * @param test  runs in zoo order
 */
public record TrainTestSplit(List<EvalRun> train, List<EvalRun> test) {

    public static TrainTestSplit of(List<EvalRun> runs, double testFraction, long seed) {
        Set<String> test = new HashSet<>(new RunSplit(testFraction, seed).split(runs.stream().map(EvalRun::runId).toList()).holdout());
        return new TrainTestSplit(runs.stream().filter(r -> !test.contains(r.runId())).toList(),
                runs.stream().filter(r -> test.contains(r.runId())).toList());
    }
}
