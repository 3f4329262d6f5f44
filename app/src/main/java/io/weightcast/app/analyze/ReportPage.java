package io.weightcast.app.analyze;

import io.weightcast.core.records.Interval;
import io.weightcast.core.spectral.SpectralMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The HTML of {@code weightcast analyze --report}: summary, prediction, per-layer table, then each layer's plots. */
final class ReportPage {
    private ReportPage() {
    }

    /**
     * @param alphaPng   file name of the α chart, or null when no layer was fitted
     * @param layerPngs  per layer {ESD png or null, weight histogram png}
     */
    static String html(CheckpointReport report, String alphaPng, List<String[]> layerPngs) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>weightcast analyze: ")
                .append(esc(report.file())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;font-size:13px}")
                .append("td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td.l,th{text-align:left}")
                .append(".flag{color:#b03020}img{margin:4px;border:1px solid #eee}</style></head><body>\n");
        h.append("<h1>weightcast analyze</h1>\n");
        summary(h, report);
        prediction(h, report.prediction());
        if (alphaPng != null) {
            h.append("<h2>alpha per layer</h2>\n<img src=\"").append(esc(alphaPng)).append("\" alt=\"alpha per layer\">\n");
        }
        table(h, report);
        h.append("<h2>Layers</h2>\n");
        for (int i = 0; i < report.layers().size(); i++) {
            CheckpointReport.LayerRow r = report.layers().get(i);
            String[] png = layerPngs.get(i);
            h.append("<h3 id=\"layer-").append(i).append("\">").append(esc(r.name())).append(" <small>")
                    .append(esc(r.shape())).append("</small></h3>\n");
            if (!r.flags().isEmpty()) {
                h.append("<p class=\"flag\">").append(esc(String.join("; ", r.flags()))).append("</p>\n");
            }
            if (png[0] != null) {
                h.append("<img src=\"").append(esc(png[0])).append("\" alt=\"ESD of ").append(esc(r.name())).append("\">");
            } else {
                h.append("<p>No spectrum to plot: ").append(esc(r.spectral().reason())).append("</p>");
            }
            h.append("<img src=\"").append(esc(png[1])).append("\" alt=\"weights of ").append(esc(r.name())).append("\">\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, CheckpointReport report) {
        CheckpointReport.Summary s = report.summary();
        h.append("<h2>Summary</h2>\n<table>\n");
        row(h, "file", report.file() + " (" + ReportTable.size(report.bytes()) + ", " + report.tensors() + " tensors)");
        for (Map.Entry<String, String> e : report.metadata().entrySet()) {
            row(h, "metadata " + e.getKey(), e.getValue());
        }
        row(h, "weight layers", s.layers() + " (" + String.format(Locale.ROOT, "%,d", s.parameters()) + " parameters)");
        row(h, "fitted layers", s.fittedLayers() + " of " + s.layers());
        row(h, "mean alpha", ReportTable.num(s.alpha(), "%.3f"));
        row(h, "mean alpha_weighted", ReportTable.num(s.alphaWeighted(), "%.3f"));
        row(h, "mean log_norm", ReportTable.num(s.logNorm(), "%.3f"));
        row(h, "mean log_spectral_norm", ReportTable.num(s.logSpectralNorm(), "%.3f"));
        row(h, "mean stable_rank", ReportTable.num(s.stableRank(), "%.2f"));
        rowHtml(h, "over-trained (alpha &lt; 2)", s.overTrained().isEmpty() ? "none" : String.join(", ", s.overTrained()));
        rowHtml(h, "under-trained (alpha &gt; 6)", s.underTrained().isEmpty() ? "none" : String.join(", ", s.underTrained()));
        s.noFit().forEach((layer, reason) -> row(h, "no fit: " + layer, reason));
        s.deadUnits().forEach((layer, f) -> row(h, "dead units: " + layer, String.format(Locale.ROOT, "%.1f%%", 100 * f)));
        row(h, "non-finite values", Long.toString(s.nonfiniteValues()));
        s.notes().forEach(n -> row(h, "note", n));
        h.append("</table>\n");
    }

    private static void prediction(StringBuilder h, AccuracyPrediction p) {
        if (p == null) {
            return;
        }
        h.append("<h2>Predicted final accuracy</h2>\n<table>\n");
        row(h, "prediction", String.format(Locale.ROOT, "%.3f", p.predictedFinalAccuracy()));
        for (Interval i : p.intervals()) {
            row(h, String.format(Locale.ROOT, "%.0f%% interval", 100 * i.level()), String.format(Locale.ROOT, "%.3f – %.3f", i.low(), i.high()));
        }
        row(h, "model", p.modelName() + " v" + p.modelVersion() + " from " + p.source());
        row(h, "feature layout", "model v" + p.modelLayoutVersion() + ", this build v" + p.layoutVersion()
                + (p.layoutMatches() ? " (same)" : " (differs: " + p.missingFeatures() + " model features missing)"));
        row(h, "as", "step " + p.step() + " of " + (p.plannedSteps() == null ? "?" : p.plannedSteps())
                + ", activation " + (p.activation() == null ? "?" : p.activation()));
        p.notes().forEach(n -> row(h, "note", n));
        h.append("</table>\n");
    }

    private static void table(StringBuilder h, CheckpointReport report) {
        h.append("<h2>Per layer</h2>\n<table>\n<tr><th>layer</th><th>shape</th><th>params</th><th>kernel mean</th><th>kernel std</th>")
                .append("<th>l2</th><th>dead</th><th>alpha</th><th>alpha_weighted</th><th>log_norm</th><th>log_spectral_norm</th>")
                .append("<th>log_alpha_norm</th><th>stable_rank</th><th>num_evals</th><th>xmin</th><th>D</th><th>flags</th></tr>\n");
        int i = 0;
        for (CheckpointReport.LayerRow r : report.layers()) {
            SpectralMetrics s = r.spectral();
            h.append("<tr><td class=\"l\"><a href=\"#layer-").append(i++).append("\">").append(esc(r.name())).append("</a></td>");
            cell(h, r.shape());
            cell(h, String.format(Locale.ROOT, "%,d", r.parameters()));
            cell(h, ReportTable.num(r.stat("kernel_mean"), "%.4g"));
            cell(h, ReportTable.num(r.stat("kernel_std"), "%.4g"));
            cell(h, ReportTable.num(r.stat("kernel_l2"), "%.4g"));
            cell(h, Double.isFinite(r.deadFraction()) ? String.format(Locale.ROOT, "%.1f%%", 100 * r.deadFraction()) : "-");
            cell(h, ReportTable.num(s.alpha(), "%.3f"));
            cell(h, ReportTable.num(s.alphaWeighted(), "%.3f"));
            cell(h, ReportTable.num(s.logNorm(), "%.3f"));
            cell(h, ReportTable.num(s.logSpectralNorm(), "%.3f"));
            cell(h, ReportTable.num(s.logAlphaNorm(), "%.3f"));
            cell(h, ReportTable.num(s.stableRank(), "%.2f"));
            cell(h, s.numEvals() == null ? "-" : s.numEvals().toString());
            cell(h, ReportTable.num(s.xmin(), "%.4g"));
            cell(h, ReportTable.num(s.d(), "%.4f"));
            h.append("<td class=\"l flag\">").append(esc(String.join("; ", r.flags()))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String key, String value) {
        rowHtml(h, esc(key), value);
    }

    private static void rowHtml(StringBuilder h, String keyHtml, String value) {
        h.append("<tr><th>").append(keyHtml).append("</th><td class=\"l\">").append(esc(value)).append("</td></tr>\n");
    }

    private static void cell(StringBuilder h, String text) {
        h.append("<td>").append(esc(text)).append("</td>");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
