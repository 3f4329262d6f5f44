package io.weightcast.eval.studies;

import io.weightcast.eval.ZooLoader;
import io.weightcast.eval.JsonTree;
import io.weightcast.eval.ScorerModelCheck;
import io.weightcast.eval.TrainerConfig;
import io.weightcast.eval.EvalRun;
import io.weightcast.trainer.FitParams;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How the trainer should calibrate its intervals ({@link FitParams#conformalFolds()}): per setting and zoo size,
 * the coverage and width of the intervals scores carry, cross-fitted ({@link ScorerModelCheck#crossFit}: every run
 * scored once by the trainer's fit on the other folds). The zoo is dealt into disjoint sub-zoos of each size (the
 * whole zoo for 0), each cross-fitted on its own, their counts pooled; {@code coverage80_zoo_sd} is how much one
 * sub-zoo's coverage (mean over epochs) wanders from another's.
 *
 * <pre>java -cp app/target/weightcast.jar io.weightcast.eval.studies.IntervalCalibrationStudy ZOO OUT.json FOLDS SIZES [threads]</pre>
 * e.g. {@code /work/zoos/digits-3000 eval/results/interval-calibration.json 0,5 0,300,60 2}.
 */
public final class IntervalCalibrationStudy {
    private static final long SEED = 505;

    private IntervalCalibrationStudy() {
    }

    public static void main(String[] args) throws Exception {
        StudyArgs a = StudyArgs.parse("IntervalCalibrationStudy ZOO OUT.json FOLDS SIZES [threads]", args);
        ZooLoader.Loaded zoo = a.zoo();
        List<EvalRun> shuffled = new ArrayList<>(zoo.runs());
        Collections.shuffle(shuffled, new Random(SEED));
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("zoo", a.zooDir().toString());
        tree.put("runs", zoo.runs().size());
        tree.put("what", "coverage and mean width of the per-stage intervals scores carry, per trainer.conformal.folds (0: the "
                + "held-out quarter alone calibrates) and zoo size (disjoint sub-zoos of that many runs, 0 = the whole zoo), "
                + "every run scored once by the trainer's fit on the other folds of its sub-zoo");
        List<Map<String, Object>> cells = new ArrayList<>();
        tree.put("cells", cells);
        for (String sizeText : a.second()) {
            int size = Integer.parseInt(sizeText);
            List<List<EvalRun>> subZoos = subZoos(shuffled, size);
            for (String foldText : a.first()) {
                int folds = Integer.parseInt(foldText);
                cells.add(cell(subZoos, size, folds, zoo.epochs(), a.threads()));
                // after every cell: a long study stopped early keeps what it measured
                a.write(tree);
            }
        }
        System.out.println("written " + a.out());
    }

    /** Disjoint sub-zoos of {@code size} runs (the remainder left out); the whole zoo for 0. */
    static List<List<EvalRun>> subZoos(List<EvalRun> runs, int size) {
        if (size <= 0 || size >= runs.size()) {
            return List.of(runs);
        }
        List<List<EvalRun>> out = new ArrayList<>();
        for (int from = 0; from + size <= runs.size(); from += size) {
            out.add(runs.subList(from, from + size));
        }
        return out;
    }

    private static Map<String, Object> cell(List<List<EvalRun>> subZoos, int size, int folds, int epochs, int threads) {
        long t0 = System.nanoTime();
        ScorerModelCheck.Coverage all = new ScorerModelCheck.Coverage(epochs);
        double[] zooMean80 = new double[subZoos.size()];
        for (int z = 0; z < subZoos.size(); z++) {
            ScorerModelCheck.CrossFit cf = ScorerModelCheck.crossFit(subZoos.get(z), epochs,
                    new TrainerConfig(ScorerModelCheck.params(threads, SEED + z, folds), false), SEED + z);
            all.add(cf.coverage());
            zooMean80[z] = java.util.Arrays.stream(cf.coverage().staged(0.8)).average().orElse(Double.NaN);
        }
        List<Map<String, Object>> byEpoch = new ArrayList<>();
        double lo80 = 1;
        double hi80 = 0;
        double lo95 = 1;
        double hi95 = 0;
        for (int e = 0; e < epochs; e++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", e + 1);
            m.putAll(all.toMap(e));
            byEpoch.add(m);
            lo80 = Math.min(lo80, JsonTree.num(m, "coverage80"));
            hi80 = Math.max(hi80, JsonTree.num(m, "coverage80"));
            lo95 = Math.min(lo95, JsonTree.num(m, "coverage95"));
            hi95 = Math.max(hi95, JsonTree.num(m, "coverage95"));
        }
        Map<String, Object> cell = new LinkedHashMap<>();
        cell.put("conformal_folds", folds);
        cell.put("zoo_size", size <= 0 ? subZoos.get(0).size() : size);
        cell.put("sub_zoos", subZoos.size());
        cell.put("coverage80_range", List.of(lo80, hi80));
        cell.put("coverage95_range", List.of(lo95, hi95));
        cell.put("coverage80_zoo_sd", sd(zooMean80));
        cell.put("seconds", (System.nanoTime() - t0) / 1e9);
        cell.put("by_epoch", byEpoch);
        System.out.printf(Locale.ROOT, "folds %d, %d sub-zoos of %d runs: 80%% %.3f-%.3f (sd over zoos %.3f), 95%% %.3f-%.3f, "
                        + "width80 epoch 1 %.3f last %.3f (%.0f s)%n", folds, subZoos.size(), subZoos.get(0).size(), lo80, hi80,
                sd(zooMean80), lo95, hi95, JsonTree.num(byEpoch.get(0), "width80"),
                JsonTree.num(byEpoch.get(epochs - 1), "width80"), (System.nanoTime() - t0) / 1e9);
        return cell;
    }

    private static double sd(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1));
    }
}
