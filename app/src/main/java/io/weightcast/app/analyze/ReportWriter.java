package io.weightcast.app.analyze;

import io.weightcast.app.cli.ProgressBar;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.spectral.SpectralMetrics;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code weightcast analyze --report DIR}: {@code DIR/index.html} with PNG plots drawn by XChart
 * (headless): α per layer with the over-/under-trained lines, and per layer its ESD on log-log axes
 * (a log-binned density of the eigenvalues with the fitted power-law tail and xmin marked) and the
 * histogram of its kernel weights.
 */
final class ReportWriter {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;
    private static final int HISTOGRAM_BINS = 50;

    static {
        // Charts are drawn off-screen; without this AWT wants a display on a server.
        System.setProperty("java.awt.headless", "true");
    }

    private ReportWriter() {
    }

    /** Writes the page and its images; returns the PNGs written. */
    static List<Path> write(Path dir, CheckpointReport report, SafeTensors file, ProgressBar progress) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw AnalyzeFailure.badInput("cannot create report directory " + dir + ": " + e.getMessage(), e);
        }
        List<Path> images = new ArrayList<>();
        List<String[]> layerImages = new ArrayList<>();
        progress.start("report", report.layers().size() + 1L, false);
        try {
            CategoryChart alphaChart = alphaChart(report.layers());
            Path alpha = alphaChart == null ? null : save(alphaChart, dir.resolve("alpha.png"), images);
            progress.advance(1);
            int i = 0;
            for (CheckpointReport.LayerRow r : report.layers()) {
                String stem = String.format(Locale.ROOT, "%02d-%s", i++, r.name().replaceAll("[^A-Za-z0-9._-]", "_"));
                XYChart esd = esdChart(r);
                Path esdPng = esd == null ? null : save(esd, dir.resolve("esd-" + stem + ".png"), images);
                Path histPng = save(weightHistogram(r, file.values(r.layer().kernel())), dir.resolve("weights-" + stem + ".png"), images);
                layerImages.add(new String[] {esdPng == null ? null : esdPng.getFileName().toString(), histPng.getFileName().toString()});
                progress.advance(1);
            }
            Files.writeString(dir.resolve("index.html"), ReportPage.html(report, alpha == null ? null : alpha.getFileName().toString(),
                    layerImages), StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            throw AnalyzeFailure.badInput("cannot write the report to " + dir + ": " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
        return images;
    }

    private static Path save(Chart<?, ?> chart, Path png, List<Path> images) throws IOException {
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        images.add(png);
        return png;
    }

    /** α of every fitted layer as bars, with the lines α = 2 (below: over-trained) and α = 6 (above: under-trained). */
    static CategoryChart alphaChart(List<CheckpointReport.LayerRow> rows) {
        List<String> names = new ArrayList<>();
        List<Double> alphas = new ArrayList<>();
        for (CheckpointReport.LayerRow r : rows) {
            if (r.spectral().fitted()) {
                names.add(r.name());
                alphas.add(r.spectral().alpha());
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(WIDTH, 40 * names.size())).height(HEIGHT)
                .title("alpha per layer").xAxisTitle("layer").yAxisTitle("alpha").build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(names.size() > 6 ? 60 : 0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(Math.max(7.0, 1.1 * alphas.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.addSeries("alpha", names, alphas).setFillColor(new Color(70, 110, 180));
        line(chart, "alpha = 2 (below: over-trained)", names, SpectralMetrics.OVER_TRAINED_BELOW, new Color(200, 60, 40));
        line(chart, "alpha = 6 (above: under-trained)", names, SpectralMetrics.UNDER_TRAINED_ABOVE, new Color(230, 150, 20));
        return chart;
    }

    private static void line(CategoryChart chart, String name, List<String> x, double value, Color color) {
        CategorySeries s = chart.addSeries(name, x, x.stream().map(n -> value).toList());
        s.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
    }

    /**
     * The empirical spectral density on log-log axes: positive eigenvalues in log-spaced bins (density =
     * count / (N · bin width)), the fitted tail p(x) = (α−1)/xmin · (x/xmin)^−α scaled by the tail's share
     * of the eigenvalues so it sits on the histogram, and a vertical line at xmin. Null when the layer
     * has fewer than 2 positive eigenvalues.
     */
    static XYChart esdChart(CheckpointReport.LayerRow r) {
        double[] evals = r.eigenvalues();
        if (evals == null) {
            return null;
        }
        double[] positive = java.util.Arrays.stream(evals).filter(v -> v > 0 && Double.isFinite(v)).sorted().toArray();
        if (positive.length < 2 || positive[0] == positive[positive.length - 1]) {
            return null;
        }
        int bins = Math.max(10, Math.min(60, (int) Math.ceil(2 * Math.sqrt(positive.length))));
        double lo = Math.log10(positive[0]);
        double hi = Math.log10(positive[positive.length - 1]);
        double step = (hi - lo) / bins;
        int[] counts = new int[bins];
        for (double v : positive) {
            counts[Math.min(bins - 1, (int) ((Math.log10(v) - lo) / step))]++;
        }
        double[] edges = new double[bins + 1];
        for (int b = 0; b <= bins; b++) {
            edges[b] = Math.pow(10, lo + b * step);
        }
        double[] density = new double[bins];
        double minPositive = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int b = 0; b < bins; b++) {
            density[b] = counts[b] / (evals.length * (edges[b + 1] - edges[b]));
            if (density[b] > 0) {
                minPositive = Math.min(minPositive, density[b]);
                max = Math.max(max, density[b]);
            }
        }
        // Log axes cannot show 0: empty bins drop to a floor a decade below the smallest non-empty one.
        double floor = minPositive / 10;
        double[] stepX = new double[bins + 1];
        double[] stepY = new double[bins + 1];
        for (int b = 0; b < bins; b++) {
            stepX[b] = edges[b];
            stepY[b] = density[b] > 0 ? density[b] : floor;
        }
        stepX[bins] = edges[bins];
        stepY[bins] = stepY[bins - 1];

        SpectralMetrics s = r.spectral();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("ESD of " + r.name() + (s.fitted() ? String.format(Locale.ROOT, "  (alpha %.3f, D %.3f)", s.alpha(), s.d()) : "  (no fit)"))
                .xAxisTitle("eigenvalue").yAxisTitle("density").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        XYSeries hist = chart.addSeries("ESD (" + evals.length + " eigenvalues, log bins)", stepX, stepY);
        hist.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        hist.setMarker(SeriesMarkers.NONE);
        hist.setLineColor(new Color(70, 110, 180));
        if (s.fitted() && s.xmin() > 0) {
            double alpha = s.alpha();
            double xmin = s.xmin();
            double share = (double) s.numPlSpikes() / evals.length;
            int points = 40;
            double[] fx = new double[points];
            double[] fy = new double[points];
            double span = Math.log10(Math.max(s.xmax(), xmin * 1.0001) / xmin);
            for (int k = 0; k < points; k++) {
                fx[k] = xmin * Math.pow(10, span * k / (points - 1));
                fy[k] = share * (alpha - 1) / xmin * Math.pow(fx[k] / xmin, -alpha);
            }
            double yLow = Math.min(floor, fy[points - 1]);
            double yHigh = Math.max(max, fy[0]);
            XYSeries fit = chart.addSeries(String.format(Locale.ROOT, "power law, alpha %.3f", alpha), fx, fy);
            fit.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            fit.setMarker(SeriesMarkers.NONE);
            fit.setLineColor(new Color(200, 60, 40));
            XYSeries mark = chart.addSeries(String.format(Locale.ROOT, "xmin %.4g", xmin), new double[] {xmin, xmin},
                    new double[] {yLow, yHigh});
            mark.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            mark.setMarker(SeriesMarkers.NONE);
            mark.setLineColor(new Color(90, 150, 60));
        }
        return chart;
    }

    /** The layer's kernel weights (finite ones) in equal-width bins. */
    static XYChart weightHistogram(CheckpointReport.LayerRow r, double[] values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int finite = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                finite++;
            }
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("weights of " + r.name() + " (" + r.shape() + ")")
                .xAxisTitle("weight").yAxisTitle("count").build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        if (finite == 0) {
            chart.addSeries("no finite weights", new double[] {0, 1}, new double[] {0, 0});
            return chart;
        }
        if (min == max) {
            min -= 0.5;
            max += 0.5;
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern(Math.max(Math.abs(min), Math.abs(max)) >= 0.01 ? "0.###" : "0.##E0");
        double width = (max - min) / HISTOGRAM_BINS;
        double[] counts = new double[HISTOGRAM_BINS + 1];
        for (double v : values) {
            if (Double.isFinite(v)) {
                counts[Math.min(HISTOGRAM_BINS - 1, (int) ((v - min) / width))]++;
            }
        }
        counts[HISTOGRAM_BINS] = counts[HISTOGRAM_BINS - 1];
        double[] x = new double[HISTOGRAM_BINS + 1];
        for (int b = 0; b <= HISTOGRAM_BINS; b++) {
            x[b] = min + b * width;
        }
        XYSeries s = chart.addSeries("weights", x, counts);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        s.setMarker(SeriesMarkers.NONE);
        s.setFillColor(new Color(70, 110, 180, 160));
        s.setLineColor(new Color(70, 110, 180));
        return chart;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setAntiAlias(true);
    }
}
