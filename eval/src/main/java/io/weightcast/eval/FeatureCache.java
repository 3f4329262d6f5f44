package io.weightcast.eval;

import io.weightcast.core.features.FeatureLayout;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-zoo feature cache, {@code ZOO/.weightcast-features-v<layout>.bin}: per run, a fingerprint
 * of its checkpoint files and every checkpoint's {@link CheckpointRow}. Runs are immutable once the
 * zoo renamed their directory, so a growing zoo only computes its new runs. The header holds the
 * layout's version and a hash of its names; a cache written for another layout is ignored.
 */
public final class FeatureCache {
    private static final int MAGIC = 0x57434546; // "WCEF"
    private static final int FORMAT = 1;
    /** The cache file name before the layout version (the file is per layout: another layout is recomputed). */
    static final String FILE_PREFIX = ".weightcast-features-v";

    /** A run's cached rows and the fingerprint of the files they were computed from. */
    public record Entry(long fingerprint, List<CheckpointRow> rows) {
    }

    private FeatureCache() {
    }

    public static Path file(Path zoo) {
        return zoo.resolve(FILE_PREFIX + FeatureLayout.VERSION + ".bin");
    }

    /** The cached runs; empty when there is no cache or it belongs to another layout or format. */
    public static Map<String, Entry> read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT || in.readInt() != FeatureLayout.VERSION
                    || in.readInt() != layoutHash()) {
                return Map.of();
            }
            int cols = in.readInt();
            int runs = in.readInt();
            Map<String, Entry> out = new HashMap<>();
            for (int r = 0; r < runs; r++) {
                String runId = in.readUTF();
                long fingerprint = in.readLong();
                int n = in.readInt();
                List<CheckpointRow> rows = new ArrayList<>(n);
                for (int c = 0; c < n; c++) {
                    int step = in.readInt();
                    double[] v = new double[cols];
                    for (int j = 0; j < cols; j++) {
                        v[j] = in.readDouble();
                    }
                    int dead = in.readInt();
                    Map<String, Double> d = new LinkedHashMap<>();
                    for (int k = 0; k < dead; k++) {
                        d.put(in.readUTF(), in.readDouble());
                    }
                    rows.add(new CheckpointRow(step, v, d));
                }
                out.put(runId, new Entry(fingerprint, rows));
            }
            return out;
        } catch (NoSuchFileException e) {
            return Map.of();
        }
    }

    /** Writes atomically (a temp file renamed over the cache), so a killed run never leaves half a cache. */
    public static void write(Path file, Map<String, Entry> runs) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream raw = Files.newOutputStream(tmp);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(FeatureLayout.VERSION);
            out.writeInt(layoutHash());
            out.writeInt(FeatureLayout.size());
            out.writeInt(runs.size());
            for (Map.Entry<String, Entry> e : runs.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue().fingerprint());
                out.writeInt(e.getValue().rows().size());
                for (CheckpointRow row : e.getValue().rows()) {
                    out.writeInt(row.step());
                    for (double v : row.layout()) {
                        out.writeDouble(v);
                    }
                    out.writeInt(row.weightDead().size());
                    for (Map.Entry<String, Double> d : row.weightDead().entrySet()) {
                        out.writeUTF(d.getKey());
                        out.writeDouble(d.getValue());
                    }
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static int layoutHash() {
        return String.join(",", FeatureLayout.names()).hashCode();
    }
}
