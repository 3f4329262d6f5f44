package io.weightcast.app.live;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** The live benchmark's plots (PNG): R² and Kendall τ per epoch, Weightcast's scores vs the baselines. */
final class LivePlots {
    private LivePlots() {
    }

    /** Writes the plots into {@code dir}; file name → caption. */
    static Map<String, String> write(Path dir, List<HistoryResult> results) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> files = new LinkedHashMap<>();
        save(chart("R² of the final test accuracy, live runs", "R²", results, EpochQuality::r2), dir.resolve("live-r2.png"));
        files.put("live-r2.png", "R² per epoch over the live runs: the scores Weightcast published vs the baselines");
        save(chart("Kendall τ of the final test accuracy, live runs", "Kendall τ", results, EpochQuality::kendallTau),
                dir.resolve("live-tau.png"));
        files.put("live-tau.png", "Kendall τ per epoch over the live runs: Weightcast vs the baselines");
        return files;
    }

    private static XYChart chart(String title, String y, List<HistoryResult> results, ToDoubleFunction<EpochQuality> metric) {
        XYChart c = new XYChartBuilder().width(760).height(520).title(title).xAxisTitle("epoch").yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setAntiAlias(true);
        s.setLegendPosition(Styler.LegendPosition.InsideSE);
        double min = 0;
        for (HistoryResult r : results) {
            String who = "H=" + r.history() + " " + r.mode();
            min = Math.min(min, add(c, "weightcast " + who, r.byEpoch(), metric));
            for (Map.Entry<String, BaselineResult> b : r.predictors().entrySet()) {
                min = Math.min(min, add(c, b.getKey() + " " + who, b.getValue().byEpoch(), metric));
            }
        }
        c.getStyler().setYAxisMin(Math.max(-1.0, min)).setYAxisMax(1.0);
        return c;
    }

    /** Adds a series (non-finite values drawn at -1, the axis floor); returns its smallest value. */
    private static double add(XYChart c, String name, List<EpochQuality> rows, ToDoubleFunction<EpochQuality> metric) {
        if (rows.isEmpty()) {
            return 0;
        }
        double[] x = new double[rows.size()];
        double[] y = new double[rows.size()];
        double min = 0;
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i).epoch();
            double v = metric.applyAsDouble(rows.get(i));
            y[i] = Double.isFinite(v) ? Math.max(-1.0, v) : -1.0;
            min = Math.min(min, y[i]);
        }
        c.addSeries(name, x, y);
        return min;
    }

    private static void save(XYChart chart, Path png) throws IOException {
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
