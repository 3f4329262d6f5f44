package io.weightcast.app.analyze;

import io.weightcast.core.records.Interval;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The human-readable form of a {@link CheckpointReport}: a per-layer table, a summary and the prediction. */
final class ReportTable {
    private record Column(String header, boolean left, Function<CheckpointReport.LayerRow, String> cell) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("layer", true, CheckpointReport.LayerRow::name),
            new Column("shape", true, CheckpointReport.LayerRow::shape),
            new Column("params", false, r -> String.format(Locale.ROOT, "%,d", r.parameters())),
            new Column("mean", false, r -> num(r.stat("kernel_mean"), "%.3g")),
            new Column("std", false, r -> num(r.stat("kernel_std"), "%.3g")),
            new Column("l2", false, r -> num(r.stat("kernel_l2"), "%.4g")),
            new Column("dead", false, r -> Double.isFinite(r.deadFraction())
                    ? String.format(Locale.ROOT, "%.1f%%", 100 * r.deadFraction()) : "-"),
            new Column("alpha", false, r -> num(r.spectral().alpha(), "%.3f")),
            new Column("alpha_weighted", false, r -> num(r.spectral().alphaWeighted(), "%.3f")),
            new Column("log_norm", false, r -> num(r.spectral().logNorm(), "%.3f")),
            new Column("log_spectral_norm", false, r -> num(r.spectral().logSpectralNorm(), "%.3f")),
            new Column("stable_rank", false, r -> num(r.spectral().stableRank(), "%.2f")),
            new Column("num_evals", false, r -> r.spectral().numEvals() == null ? "-" : r.spectral().numEvals().toString()),
            new Column("D", false, r -> num(r.spectral().d(), "%.4f")),
            new Column("flags", true, r -> String.join("; ", r.flags())));

    private ReportTable() {
    }

    static void print(CheckpointReport report, PrintWriter out) {
        printTable(report.layers(), out);
        out.println();
        printSummary(report, out);
        if (report.prediction() != null) {
            out.println();
            printPrediction(report.prediction(), out);
        }
        out.flush();
    }

    private static void printTable(List<CheckpointReport.LayerRow> rows, PrintWriter out) {
        List<String[]> cells = new ArrayList<>();
        for (CheckpointReport.LayerRow r : rows) {
            cells.add(COLUMNS.stream().map(c -> c.cell().apply(r)).toArray(String[]::new));
        }
        int[] width = new int[COLUMNS.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = COLUMNS.get(c).header().length();
            for (String[] row : cells) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        out.println(line(COLUMNS.stream().map(Column::header).toArray(String[]::new), width));
        for (String[] row : cells) {
            out.println(line(row, width));
        }
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            boolean last = c == cells.length - 1;
            String cell = cells[c];
            String pad = " ".repeat(width[c] - cell.length());
            if (COLUMNS.get(c).left()) {
                s.append(cell).append(last ? "" : pad);
            } else {
                s.append(pad).append(cell);
            }
            if (!last) {
                s.append("  ");
            }
        }
        return s.toString().stripTrailing();
    }

    private static void printSummary(CheckpointReport report, PrintWriter out) {
        CheckpointReport.Summary s = report.summary();
        Map<String, String> meta = report.metadata();
        out.printf(Locale.ROOT, "file           %s (%s, %d tensors%s)%n", report.file(), size(report.bytes()), report.tensors(),
                describe(meta));
        out.printf(Locale.ROOT, "layers         %d weight layers, %,d parameters, %d non-finite values%n",
                s.layers(), s.parameters(), s.nonfiniteValues());
        out.printf(Locale.ROOT, "spectra        %d of %d layers fitted; means: alpha %s, alpha_weighted %s, log_norm %s,"
                        + " log_spectral_norm %s, stable_rank %s%n", s.fittedLayers(), s.layers(), num(s.alpha(), "%.3f"),
                num(s.alphaWeighted(), "%.3f"), num(s.logNorm(), "%.3f"), num(s.logSpectralNorm(), "%.3f"), num(s.stableRank(), "%.2f"));
        out.printf("over-trained   %s%n", s.overTrained().isEmpty() ? "none (no layer with alpha < 2)"
                : String.join(", ", s.overTrained()) + " (alpha < 2)");
        out.printf("under-trained  %s%n", s.underTrained().isEmpty() ? "none (no layer with alpha > 6)"
                : String.join(", ", s.underTrained()) + " (alpha > 6)");
        if (!s.noFit().isEmpty()) {
            out.printf("no fit         %s%n", s.noFit().entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                    .collect(Collectors.joining(", ")));
        }
        if (!s.deadUnits().isEmpty()) {
            out.printf("dead units     %s%n", s.deadUnits().entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.1f%%", e.getKey(), 100 * e.getValue())).collect(Collectors.joining(", ")));
        }
        for (String note : s.notes()) {
            out.printf("note           %s%n", note);
        }
        out.printf(Locale.ROOT, "took           %.2f s (%s)%n", s.seconds().getOrDefault("total", Double.NaN),
                s.seconds().entrySet().stream().filter(e -> !e.getKey().equals("total"))
                        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
    }

    private static void printPrediction(AccuracyPrediction p, PrintWriter out) {
        String intervals = p.intervals().stream().map(ReportTable::interval).collect(Collectors.joining(", "));
        out.printf(Locale.ROOT, "prediction     final accuracy %.3f%s%n", p.predictedFinalAccuracy(),
                intervals.isEmpty() ? "" : " (" + intervals + ")");
        String holdout = p.holdout() == null ? "" : ", " + p.holdout().describe();
        out.printf(Locale.ROOT, "model          %s v%d from %s (feature layout v%d%s%s)%n", p.modelName(), p.modelVersion(), p.source(),
                p.modelLayoutVersion(), p.layoutMatches() ? ", same as this build" : ", this build: v" + p.layoutVersion(), holdout);
        out.printf(Locale.ROOT, "as            step %d of %s, activation %s%n", p.step(),
                p.plannedSteps() == null ? "?" : p.plannedSteps().toString(), p.activation() == null ? "?" : p.activation());
        for (String note : p.notes()) {
            out.printf("note           %s%n", note);
        }
    }

    private static String interval(Interval i) {
        return String.format(Locale.ROOT, "%.0f%%: %.3f–%.3f", 100 * i.level(), i.low(), i.high());
    }

    private static String describe(Map<String, String> meta) {
        StringBuilder s = new StringBuilder();
        if (meta.containsKey("run_id")) {
            s.append(", run ").append(meta.get("run_id"));
        }
        if (meta.containsKey("step")) {
            s.append(", step ").append(meta.get("step"));
            if (meta.containsKey("planned_steps")) {
                s.append(" of ").append(meta.get("planned_steps"));
            }
        }
        if (meta.containsKey("activation")) {
            s.append(", ").append(meta.get("activation"));
        }
        return s.toString();
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String num(Double v, String format) {
        return v == null || !Double.isFinite(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
