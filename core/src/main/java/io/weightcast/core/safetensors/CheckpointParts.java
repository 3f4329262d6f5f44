package io.weightcast.core.safetensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a checkpoint too large for one Kafka record into parts, and reassembles them (design §4).
 * Each part is a valid safetensors file carrying the full metadata plus {@code part} and
 * {@code parts}. Tensors are packed whole while they fit; a tensor larger than a part is cut along
 * its first axis into pieces named {@code NAME#chunk=I/N} that {@link #merge} concatenates.
 */
public final class CheckpointParts {
    static final String CHUNK = "#chunk=";

    private CheckpointParts() {
    }

    public static List<byte[]> split(byte[] checkpoint, int maxPartBytes) {
        if (checkpoint.length <= maxPartBytes) {
            return List.of(checkpoint);
        }
        SafeTensors file = SafeTensors.read(checkpoint);
        int budget = Math.max(1024, maxPartBytes - headerAllowance(file));
        List<List<Piece>> groups = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        long used = 0;
        for (Piece piece : pieces(file, budget)) {
            if (used + piece.bytes.length > budget && !current.isEmpty()) {
                groups.add(current);
                current = new ArrayList<>();
                used = 0;
            }
            current.add(piece);
            used += piece.bytes.length;
        }
        groups.add(current);
        List<byte[]> parts = new ArrayList<>();
        for (int p = 0; p < groups.size(); p++) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata(file.metadata())
                    .metadata("part", Integer.toString(p)).metadata("parts", Integer.toString(groups.size()));
            for (Piece piece : groups.get(p)) {
                w.raw(piece.name, piece.dtype, piece.shape, piece.bytes);
            }
            parts.add(w.toBytes());
        }
        return parts;
    }

    /** Reassembles parts (any order) into one file with the original metadata (without part/parts). */
    public static SafeTensors merge(List<SafeTensors> parts) {
        if (parts.size() == 1 && !parts.get(0).metadata().containsKey("parts")) {
            return parts.get(0);
        }
        List<SafeTensors> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(p -> Integer.parseInt(p.metadata().getOrDefault("part", "0"))));
        Map<String, String> meta = new LinkedHashMap<>(sorted.get(0).metadata());
        meta.remove("part");
        meta.remove("parts");
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(meta);
        Map<String, List<byte[]>> chunks = new LinkedHashMap<>();
        Map<String, TensorInfo> chunkInfo = new LinkedHashMap<>();
        Map<String, Long> chunkRows = new LinkedHashMap<>();
        for (SafeTensors part : sorted) {
            for (TensorInfo t : part.tensorsByOffset()) {
                int at = t.name().indexOf(CHUNK);
                if (at < 0) {
                    w.raw(t.name(), t.dtype(), t.shape(), part.rawBytes(t));
                    continue;
                }
                String base = t.name().substring(0, at);
                chunks.computeIfAbsent(base, k -> new ArrayList<>()).add(part.rawBytes(t));
                chunkInfo.putIfAbsent(base, t);
                chunkRows.merge(base, t.rows(), Long::sum);
                String[] iOfN = t.name().substring(at + CHUNK.length()).split("/");
                if (Integer.parseInt(iOfN[0]) == Integer.parseInt(iOfN[1]) - 1) {
                    TensorInfo first = chunkInfo.get(base);
                    long[] shape = first.shape().clone();
                    shape[0] = chunkRows.get(base);
                    w.raw(base, first.dtype(), shape, concat(chunks.get(base)));
                }
            }
        }
        return SafeTensors.read(w.toBytes());
    }

    private record Piece(String name, DType dtype, long[] shape, byte[] bytes) {
    }

    private static List<Piece> pieces(SafeTensors file, int budget) {
        List<Piece> out = new ArrayList<>();
        for (TensorInfo t : file.tensorsByOffset()) {
            byte[] bytes = file.rawBytes(t);
            if (bytes.length <= budget || t.rank() == 0 || t.rows() <= 1) {
                out.add(new Piece(t.name(), t.dtype(), t.shape(), bytes));
                continue;
            }
            long rowBytes = bytes.length / t.rows();
            long rowsPerChunk = Math.max(1, budget / rowBytes);
            int n = (int) ((t.rows() + rowsPerChunk - 1) / rowsPerChunk);
            for (int i = 0; i < n; i++) {
                long from = i * rowsPerChunk;
                long to = Math.min(t.rows(), from + rowsPerChunk);
                long[] shape = t.shape().clone();
                shape[0] = to - from;
                out.add(new Piece(t.name() + CHUNK + i + "/" + n, t.dtype(), shape,
                        Arrays.copyOfRange(bytes, (int) (from * rowBytes), (int) (to * rowBytes))));
            }
        }
        return out;
    }

    private static int headerAllowance(SafeTensors file) {
        return 4096 + 200 * file.size() + file.metadata().toString().length();
    }

    private static byte[] concat(List<byte[]> arrays) {
        int total = arrays.stream().mapToInt(a -> a.length).sum();
        byte[] out = new byte[total];
        int pos = 0;
        for (byte[] a : arrays) {
            System.arraycopy(a, 0, out, pos, a.length);
            pos += a.length;
        }
        return out;
    }
}
