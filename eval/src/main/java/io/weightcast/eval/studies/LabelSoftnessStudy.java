package io.weightcast.eval.studies;

import io.weightcast.eval.FeatureSet;
import io.weightcast.eval.ZooLoader;
import io.weightcast.eval.earlystop.EarlyStopOutcome;
import io.weightcast.eval.earlystop.TopQuantileStopRule;
import io.weightcast.eval.earlystop.EarlyStopBenchmark;
import io.weightcast.eval.earlystop.TopRunScores;
import io.weightcast.eval.EvalRun;
import io.weightcast.eval.TrainTestSplit;
import io.weightcast.core.model.TopRunModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How wide the early-stop classifier's soft labels should be ({@link TopRunModel#LABEL_SOFTNESS}): per split
 * seed and softness (in test-set standard errors; 0 = hard labels), the top-run rule's setting chosen by the
 * benchmark's repeated cross-validation on the training runs and its outcome on the held-out runs, as
 * {@code weightcast eval} computes them (no Optuna replay, no regression tuning: about 30 s per cell on 2 threads).
 *
 * <pre>java -cp app/target/weightcast.jar:app/target/lib/* io.weightcast.eval.studies.LabelSoftnessStudy ZOO OUT.json SEEDS SOFTNESSES [threads]</pre>
 * e.g. {@code /work/zoos/digits-3000 eval/results/label-softness.json 1,2,3,4,5 0,1,1.5,2 2}.
 */
public final class LabelSoftnessStudy {
    private static final double TEST_FRACTION = 0.3;
    private static final int FOLDS = 10;
    private static final int ORDERS = 1; // the rule is order-independent

    private LabelSoftnessStudy() {
    }

    public static void main(String[] args) throws Exception {
        StudyArgs a = StudyArgs.parse("LabelSoftnessStudy ZOO OUT.json SEEDS SOFTNESSES [threads]", args);
        ZooLoader.Loaded zoo = a.zoo();
        int threads = a.threads();
        int[] cols = FeatureSet.ALL.columns();
        List<Map<String, Object>> cells = new ArrayList<>();
        for (String seedText : a.first()) {
            long seed = Long.parseLong(seedText);
            TrainTestSplit split = TrainTestSplit.of(zoo.runs(), TEST_FRACTION, seed);
            double[] trainFinals = split.train().stream().mapToDouble(EvalRun::finalAccuracy).toArray();
            double[] testFinals = split.test().stream().mapToDouble(EvalRun::finalAccuracy).toArray();
            for (String softText : a.second()) {
                double softness = Double.parseDouble(softText);
                long t0 = System.nanoTime();
                // the same seeds as PredictBenchmark, so a cell matches the eval's numbers for that split
                TopRunScores scores = TopRunScores.of(split.train(), split.test(), cols, zoo.epochs(), FOLDS, seed + 7, threads,
                        softness);
                EarlyStopBenchmark.Scored chosen = EarlyStopBenchmark.best(TopQuantileStopRule.crossValidated(
                        EarlyStopBenchmark.WEIGHTCAST, scores.oof(), trainFinals, FOLDS,
                        TopQuantileStopRule.seeds(seed + 303, TopQuantileStopRule.CV_REPEATS)));
                EarlyStopOutcome held = TopQuantileStopRule.heldOut(EarlyStopBenchmark.WEIGHTCAST, chosen.params(), scores.oof(),
                        trainFinals, scores.test(), testFinals, ORDERS).outcome();
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("seed", seed);
                cell.put("softness", softness);
                cell.put("chosen", chosen.params());
                cell.put("cv_compute_saved", chosen.outcome().computeSaved());
                cell.put("held_out", held.toMap());
                cells.add(cell);
                System.out.printf(Locale.ROOT, "seed %d softness %.2f: chose %s (CV saved %.3f); held out saved %.3f, "
                                + "top-5%% kept %.3f, top-1 %.0f (%.0f s)%n", seed, softness, chosen.params(),
                        chosen.outcome().computeSaved(), held.computeSaved(), held.top5KeptMin(), held.top1Kept(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("zoo", a.zooDir().toString());
        tree.put("what", "the top-run rule's CV-chosen setting and its held-out outcome per split seed and label softness "
                + "(test-set standard errors at the label cut; 0 = hard labels)");
        tree.put("cells", cells);
        a.write(tree);
        System.out.println("written " + a.out());
    }
}
