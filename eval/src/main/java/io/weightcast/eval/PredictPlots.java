package io.weightcast.eval;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG plots (XChart, headless): predicted vs true, R² per epoch, coverage, saved vs kept. */
public final class PredictPlots {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 520;

    private PredictPlots() {
    }

    /** Epochs shown in the predicted-vs-true plots: 1, 3, 7 and the last (those that exist). */
    static List<Integer> scatterEpochs(int epochs) {
        List<Integer> out = new ArrayList<>();
        for (int e : new int[] {1, 3, 7, epochs}) {
            if (e <= epochs && !out.contains(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Writes every plot into {@code dir}; returns file name → caption. */
    public static Map<String, String> write(Path dir, PredictBenchmark.Plots p) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> files = new LinkedHashMap<>();
        for (int e : scatterEpochs(p.epochs())) {
            String name = String.format(Locale.ROOT, "predict-scatter-e%02d.png", e);
            save(scatter(p, e), dir.resolve(name));
            files.put(name, "predicted vs true final test accuracy at epoch " + e + " of " + p.epochs() + " (held-out runs, all features)");
        }
        save(r2(p), dir.resolve("predict-r2-by-epoch.png"));
        files.put("predict-r2-by-epoch.png", "R² on held-out runs per epoch, per feature set");
        save(coverage(p), dir.resolve("predict-coverage.png"));
        files.put("predict-coverage.png", "coverage of the conformal intervals on held-out runs per epoch");
        save(savedVsKept(p), dir.resolve("predict-saved-vs-kept.png"));
        files.put("predict-saved-vs-kept.png", "early stopping: compute saved vs share of the top-5% runs kept, every setting of every policy");
        return files;
    }

    private static XYChart scatter(PredictBenchmark.Plots p, int epoch) {
        XYChart c = chart("Epoch " + epoch + ": predicted vs true final accuracy", "true final test accuracy", "predicted");
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(5);
        double[] x = p.testFinals();
        double[] y = new double[x.length];
        for (int r = 0; r < x.length; r++) {
            y[r] = p.predAll()[r][epoch - 1];
        }
        c.addSeries("held-out runs (" + x.length + ")", x, y).setMarkerColor(new Color(40, 90, 170, 150));
        XYSeries diag = c.addSeries("y = x", new double[] {0, 1}, new double[] {0, 1});
        diag.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        diag.setMarker(SeriesMarkers.NONE);
        diag.setLineColor(Color.GRAY);
        c.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        return c;
    }

    private static XYChart r2(PredictBenchmark.Plots p) {
        XYChart c = chart("R² of the final accuracy on held-out runs", "epoch", "R²");
        double[] x = epochs(p.epochs());
        double min = 0;
        for (Map.Entry<String, double[]> e : p.r2BySet().entrySet()) {
            double[] y = e.getValue().clone();
            for (int i = 0; i < y.length; i++) {
                y[i] = Double.isFinite(y[i]) ? Math.max(-0.5, y[i]) : 0;
                min = Math.min(min, y[i]);
            }
            c.addSeries(e.getKey(), x, y);
        }
        c.getStyler().setYAxisMin(min).setYAxisMax(1.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        return c;
    }

    private static XYChart coverage(PredictBenchmark.Plots p) {
        XYChart c = chart("Conformal interval coverage on held-out runs", "epoch", "coverage");
        double[] x = epochs(p.epochs());
        for (double level : new double[] {0.8, 0.95}) {
            double[] cov = p.coverage().get(level);
            if (cov != null) {
                c.addSeries(String.format(Locale.ROOT, "%.0f%% interval", level * 100), x, cov);
                XYSeries t = c.addSeries(String.format(Locale.ROOT, "target %.0f%%", level * 100),
                        new double[] {1, p.epochs()}, new double[] {level, level});
                t.setMarker(SeriesMarkers.NONE);
                t.setLineColor(Color.LIGHT_GRAY);
            }
        }
        c.getStyler().setYAxisMin(0.5).setYAxisMax(1.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        return c;
    }

    private static XYChart savedVsKept(PredictBenchmark.Plots p) {
        XYChart c = chart("Early stopping on held-out runs (mean over orders)", "fraction of epochs saved",
                "share of top-5% runs kept");
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(7);
        p.sweeps().forEach((policy, sweep) -> {
            double[] x = sweep.stream().mapToDouble(s -> s.outcome().computeSaved()).toArray();
            double[] y = sweep.stream().mapToDouble(s -> s.outcome().top5Kept()).toArray();
            c.addSeries(policy + " (" + sweep.size() + ")", x, y);
        });
        double[] bx = p.best().values().stream().mapToDouble(s -> s.outcome().computeSaved()).toArray();
        double[] by = p.best().values().stream().mapToDouble(s -> s.outcome().top5Kept()).toArray();
        XYSeries best = c.addSeries("chosen setting of each", bx, by);
        best.setMarker(SeriesMarkers.DIAMOND);
        best.setMarkerColor(Color.BLACK);
        c.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.02);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        return c;
    }

    private static double[] epochs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    /** A white, anti-aliased chart of the reports' size (also ssl-eval's training curve). */
    public static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setAntiAlias(true);
        return c;
    }

    public static void save(XYChart chart, Path png) throws IOException {
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
