package io.weightcast.eval.ssl;

import io.weightcast.eval.JsonTree;
import io.weightcast.eval.PredictPlots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/** ssl-eval's PNG: the training curve (validation reconstruction R² and probe R² against training steps). */
final class SslPlots {
    static final String CURVE = "ssl-training-curve.png";
    static final String BOUND = "ssl-bound.png";

    private SslPlots() {
    }

    /** Writes {@value #CURVE} into {@code dir} when the curve has a point; returns whether it did. */
    static boolean writeCurve(Path dir, List<Map<String, Object>> curve) throws IOException {
        if (curve.isEmpty()) {
            return false;
        }
        System.setProperty("java.awt.headless", "true");
        double[] steps = column(curve, "steps");
        XYChart c = PredictPlots.chart("Encoder training: validation runs", "training steps", "R²");
        c.addSeries("reconstruction R²", steps, finiteOrZero(column(curve, "val_reconstruction_r2")));
        c.addSeries("linear probe R² of the final test accuracy from z", steps, finiteOrZero(column(curve, "val_probe_r2")));
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // inside, it hid the low reconstruction curve
        PredictPlots.save(c, dir.resolve(CURVE));
        return true;
    }

    /**
     * Writes {@value #BOUND}: the linear bound's R² against the number of directions (log scale), on the test runs and
     * on the fit checkpoints, with the trained encoder's test R² beside it when there is one.
     */
    static boolean writeBound(Path dir, Map<String, Object> bound, double encoderR2) throws IOException {
        List<Map<String, Object>> points = JsonTree.list(bound, "by_components").stream()
                .filter(p -> JsonTree.num(p, "components") >= 1).toList();
        if (points.isEmpty()) {
            return false;
        }
        System.setProperty("java.awt.headless", "true");
        double[] k = column(points, "components");
        XYChart c = PredictPlots.chart("Linear bound on reconstruction: PCA of the training runs' checkpoints",
                "directions kept (z size), log scale", "reconstruction R²");
        c.getStyler().setXAxisLogarithmic(true);
        c.addSeries("test runs", k, finiteOrZero(column(points, "test_r2")));
        c.addSeries("fit checkpoints (training runs)", k, finiteOrZero(column(points, "fit_r2")));
        if (Double.isFinite(encoderR2)) {
            double z = JsonTree.num(bound, "layer_components");
            c.addSeries(String.format(java.util.Locale.ROOT, "trained encoder, test runs (z = %.0f)", z), new double[] {z},
                    new double[] {encoderR2});
        }
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        PredictPlots.save(c, dir.resolve(BOUND));
        return true;
    }

    private static double[] column(List<Map<String, Object>> curve, String key) {
        return curve.stream().mapToDouble(p -> JsonTree.num(p, key)).toArray();
    }

    /** XChart refuses NaN; a missing point (null in the JSON) is drawn at 0 and the table says n/a. */
    private static double[] finiteOrZero(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isFinite(out[i]) ? out[i] : 0;
        }
        return out;
    }
}
