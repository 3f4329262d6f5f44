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
