package io.weightcast.eval.ssl;

import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * ssl.json's {@code training_curve} (issue 23): at each evaluation of the encoder's training, the validation
 * runs' reconstruction R² (what the plan's schedule and early stop watch) and a linear probe's R² of the final
 * test accuracy from z: ridge fitted on a sample of the encoder's training runs' checkpoints, λ chosen on the
 * validation runs with an even zoo index, R² reported on those with an odd one (so λ is not chosen on the rows
 * it is scored on; a zoo with fewer than 2 validation runs on a side, like CI's, uses all of them for both).
 * Samples are fixed for the whole training, so the points are comparable.
 */
final class TrainingCurve {
    private final SslZoo zoo;
    private final SslOptions o;
    private final Consumer<String> say;
    private final List<WeightTokens> trainTokens = new ArrayList<>();
    private final List<WeightTokens> validationTokens = new ArrayList<>();
    private final double[] trainY;
    private final boolean[] selection;
    /** Whether λ and R² come from different validation runs (else from all of them). */
    private final boolean halves;
    private final double[] validationY;
    private final List<Map<String, Object>> points = new ArrayList<>();

    /** @param trainRows, validationRows run-major checkpoint indices (run r, step s → r·epochs + s − 1) */
    TrainingCurve(SslZoo zoo, int[] trainRows, int[] validationRows, SslOptions o, Consumer<String> say) {
        this.zoo = zoo;
        this.o = o;
        this.say = say;
        int epochs = zoo.epochs();
        trainY = new double[trainRows.length];
        for (int i = 0; i < trainRows.length; i++) {
            SslZoo.Run run = zoo.runs().get(trainRows[i] / epochs);
            trainTokens.add(zoo.tokens(run.weights()[trainRows[i] % epochs]));
            trainY[i] = run.eval().finalAccuracy();
        }
        validationY = new double[validationRows.length];
        selection = new boolean[validationRows.length];
        java.util.Set<Integer> even = new java.util.HashSet<>();
        java.util.Set<Integer> odd = new java.util.HashSet<>();
        for (int i = 0; i < validationRows.length; i++) {
            int r = validationRows[i] / epochs;
            SslZoo.Run run = zoo.runs().get(r);
            validationTokens.add(zoo.tokens(run.weights()[validationRows[i] % epochs]));
            validationY[i] = run.eval().finalAccuracy();
            selection[i] = r % 2 == 0;
            (selection[i] ? even : odd).add(r);
        }
        halves = even.size() >= 2 && odd.size() >= 2;
    }

    /** Evaluates the encoder as it stands at {@code p}; records the point; returns the validation reconstruction R². */
    double evaluate(HyperRepresentation encoder, HyperRepresentation.CurvePoint p) {
        long t = System.nanoTime();
        double reconstruction = encoder.reconstructionR2(validationTokens);
        double probe = probeR2(encoder);
        double seconds = (System.nanoTime() - t) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", p.epochs());
        m.put("steps", p.steps());
        m.put("seconds", p.seconds());
        m.put("loss", p.loss());
        m.put("ntxent", p.contrastive());
        m.put("mse", p.reconstruction());
        m.put("val_reconstruction_r2", reconstruction);
        m.put("val_probe_r2", probe);
        m.put("lr", p.learningRate());
        m.put("evaluation_seconds", seconds);
        m.put("load_1m", loadAverage());
        points.add(m);
        String epoch = p.epochs() == Math.rint(p.epochs()) ? String.valueOf((long) p.epochs())
                : String.format(Locale.ROOT, "%.2f", p.epochs());
        say.accept(String.format(Locale.ROOT, "encoder epoch %s/%d: loss %.4f (NT-Xent %.4f, reconstruction MSE %.4f) at step %d, "
                        + "%.0f s, lr %.2e; validation reconstruction R² %.3f, probe R² %.3f (%.1f s, load %.1f)", epoch,
                o.encoderEpochs(), p.loss(), p.contrastive(), p.reconstruction(), p.steps(), p.seconds(), p.learningRate(),
                reconstruction, probe, seconds, loadAverage()));
        return reconstruction;
    }

    /** Ridge from z to the final test accuracy: fit on the training sample, λ on one half of the validation runs, R² on the other. */
    private double probeR2(HyperRepresentation encoder) {
        float[][] zt = encoder.embed(trainTokens);
        float[][] zv = encoder.embed(validationTokens);
        List<float[]> selX = new ArrayList<>();
        List<Double> selY = new ArrayList<>();
        List<float[]> scoreX = new ArrayList<>();
        List<Double> scoreY = new ArrayList<>();
        for (int i = 0; i < zv.length; i++) {
            if (selection[i] || !halves) {
                selX.add(zv[i]);
                selY.add(validationY[i]);
            }
            if (!selection[i] || !halves) {
                scoreX.add(zv[i]);
                scoreY.add(validationY[i]);
            }
        }
        RidgeRegression.Model m = RidgeRegression.fit(zt, new double[][] {trainY}, selX.toArray(float[][]::new),
                new double[][] {selY.stream().mapToDouble(Double::doubleValue).toArray()}, RidgeRegression.LAMBDAS,
                SslBenchmark.RIDGE_ITERATIONS, o.threads()).get(0);
        return RegressionMetrics.r2(scoreY.stream().mapToDouble(Double::doubleValue).toArray(),
                m.predict(scoreX.toArray(float[][]::new)));
    }

    /** How the probe chose λ and where it was scored, for ssl.json. */
    String probeProtocol() {
        return halves ? "lambda on the even-indexed validation runs, R² on the odd-indexed ones"
                : "lambda and R² on all validation runs (fewer than 2 on a side)";
    }

    List<Map<String, Object>> json() {
        return List.copyOf(points);
    }

    /** The 1-minute load average (/proc/loadavg), NaN where there is none: recorded beside every timed figure. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
