package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Splits a checkpoint too large for one Kafka record into parts, and reassembles them (design §4).
 * Each part is a valid safetensors file carrying the full metadata plus {@code part} and
 * {@code parts}. Tensors are packed whole while they fit; a tensor larger than a part is cut along
 * its first axis into pieces named {@code NAME#chunk=I/N} that {@link #merge} concatenates.
 */
public final class CheckpointParts {
    private CheckpointParts() {
    }

    public static List<byte[]> split(byte[] checkpoint, int maxPartBytes) {
        if (checkpoint.length <= maxPartBytes) {
            return List.of(checkpoint);
        }
        SafeTensors file = SafeTensors.read(checkpoint);
        return plan(file, file.metadata(), maxPartBytes).all();
    }

    /**
     * How {@code file}, with {@code metadata} instead of its own, is published in records of at most {@code maxPartBytes}:
     * one file when it fits, else the parts {@link #split} makes. Nothing is copied until a part is {@link Plan#part built},
     * so a caller that sends each part before building the next holds the file plus one part, not two files.
     */
    public static Plan plan(SafeTensors file, Map<String, String> metadata, int maxPartBytes) {
        SafeTensorsWriter whole = new SafeTensorsWriter().metadata(metadata);
        for (TensorInfo t : file.tensorsByOffset()) {
            whole.raw(t.name(), t.dtype(), t.shape(), file.view(t));
        }
        if (whole.size() <= maxPartBytes) {
            return new Plan(List.of(whole));
        }
        int budget = Math.max(1024, maxPartBytes - headerAllowance(file.size(), metadata));
        List<List<Piece>> groups = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        long used = 0;
        for (Piece piece : pieces(file, budget)) {
            if (used + piece.bytes.remaining() > budget && !current.isEmpty()) {
                groups.add(current);
                current = new ArrayList<>();
                used = 0;
            }
            current.add(piece);
            used += piece.bytes.remaining();
        }
        groups.add(current);
        List<SafeTensorsWriter> parts = new ArrayList<>();
        for (int p = 0; p < groups.size(); p++) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata(metadata)
                    .metadata("part", Integer.toString(p)).metadata("parts", Integer.toString(groups.size()));
            for (Piece piece : groups.get(p)) {
                w.raw(piece.name, piece.dtype, piece.shape, piece.bytes);
            }
            parts.add(w);
        }
        return new Plan(parts);
    }

    /** The records of one checkpoint, built on demand from views of its file (which must stay unchanged meanwhile). */
    public static final class Plan {
        private final List<SafeTensorsWriter> parts;
        private final long[] sizes;

        private Plan(List<SafeTensorsWriter> parts) {
            this.parts = parts;
            this.sizes = parts.stream().mapToLong(SafeTensorsWriter::size).toArray();
        }

        public int count() {
            return parts.size();
        }

        /** Bytes of part {@code i}, without building it. */
        public long size(int i) {
            return sizes[i];
        }

        /** Builds part {@code i}: a new array of {@link #size(int)} bytes. */
        public byte[] part(int i) {
            return parts.get(i).toBytes();
        }

        public List<byte[]> all() {
            List<byte[]> out = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                out.add(part(i));
            }
            return out;
        }
    }

    /**
     * Reassembles parts (any order) into one file with the original metadata (without part/parts). Refuses, with a
     * {@link SafeTensorsFormatException} that says why, parts that do not make one checkpoint: {@code part}/{@code parts}
     * that are not integers, disagree or repeat; a malformed chunk name ({@link ChunkName}); chunks out of order, of
     * another dtype or row shape, or missing; a tensor twice.
     */
    public static SafeTensors merge(List<SafeTensors> parts) {
        if (parts.size() == 1 && !parts.get(0).metadata().containsKey("parts")) {
            return parts.get(0);
        }
        SafeTensors[] ordered = inPartOrder(parts);
        Map<String, String> meta = new LinkedHashMap<>(ordered[0].metadata());
        meta.remove("part");
        meta.remove("parts");
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(meta);
        Set<String> written = new HashSet<>();
        Map<String, Chunks> open = new LinkedHashMap<>();
        for (SafeTensors part : ordered) {
            for (TensorInfo t : part.tensorsByOffset()) {
                Optional<ChunkName> chunk = ChunkName.of(t.name());
                if (chunk.isEmpty()) {
                    write(w, written, t.name(), t.dtype(), t.shape(), part.rawBytes(t));
                    continue;
                }
                ChunkName c = chunk.get();
                Chunks pieces = open.computeIfAbsent(c.base(), b -> new Chunks(t, c.count()));
                pieces.add(c, t, part.rawBytes(t));
                if (pieces.complete()) {
                    write(w, written, c.base(), t.dtype(), pieces.shape(), concat(pieces.bytes));
                    open.remove(c.base());
                }
            }
        }
        if (!open.isEmpty()) {
            Map.Entry<String, Chunks> first = open.entrySet().iterator().next();
            throw new SafeTensorsFormatException("tensor '" + first.getKey() + "': only " + first.getValue().bytes.size() + " of its "
                    + first.getValue().count + " chunks are in the parts");
        }
        return SafeTensors.read(w.toBytes());
    }

    /** The parts by their {@code part} number, which must be 0..n-1 once each, every one saying {@code parts} = n. */
    private static SafeTensors[] inPartOrder(List<SafeTensors> parts) {
        SafeTensors[] ordered = new SafeTensors[parts.size()];
        for (SafeTensors p : parts) {
            int count = partNumber(p, "parts");
            int index = partNumber(p, "part");
            if (count != parts.size()) {
                throw new SafeTensorsFormatException("a part says the checkpoint has " + count + " parts; " + parts.size() + " arrived");
            }
            if (index >= count || ordered[index] != null) {
                throw new SafeTensorsFormatException("part " + index + " of " + count + " is out of range or arrived twice");
            }
            ordered[index] = p;
        }
        return ordered;
    }

    private static int partNumber(SafeTensors part, String key) {
        String v = part.metadata().get(key);
        try {
            int n = Integer.parseInt(v == null ? "" : v.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new SafeTensorsFormatException("metadata '" + key + "' of a checkpoint part is not a non-negative integer: '" + v + "'");
    }

    private static void write(SafeTensorsWriter w, Set<String> written, String name, DType dtype, long[] shape, byte[] bytes) {
        if (!written.add(name)) {
            throw new SafeTensorsFormatException("tensor '" + name + "' is in the parts twice");
        }
        w.raw(name, dtype, shape, bytes);
    }

    /** One tensor's chunks as they arrive: in order, one dtype and row shape. */
    private static final class Chunks {
        private final TensorInfo first;
        private final int count;
        private final List<byte[]> bytes = new ArrayList<>();
        private long rows;

        Chunks(TensorInfo first, int count) {
            this.first = first;
            this.count = count;
        }

        void add(ChunkName c, TensorInfo t, byte[] piece) {
            boolean sameRows = t.rank() == first.rank() && t.rank() > 0
                    && Arrays.equals(t.shape(), 1, t.rank(), first.shape(), 1, first.rank());
            if (c.count() != count || c.index() != bytes.size() || t.dtype() != first.dtype() || !sameRows) {
                throw new SafeTensorsFormatException("tensor '" + t.name() + "': expected chunk " + bytes.size() + " of " + count + " as "
                        + first.dtype() + " rows of " + Arrays.toString(Arrays.copyOfRange(first.shape(), Math.min(1, first.rank()),
                        first.rank())) + ", got " + t);
            }
            bytes.add(piece);
            rows += t.rows();
        }

        boolean complete() {
            return bytes.size() == count;
        }

        long[] shape() {
            long[] shape = first.shape().clone();
            shape[0] = rows;
            return shape;
        }
    }

    private record Piece(String name, DType dtype, long[] shape, ByteBuffer bytes) {
    }

    /** Whole tensors, or row chunks of those above the budget: views into the file, nothing copied. */
    private static List<Piece> pieces(SafeTensors file, int budget) {
        List<Piece> out = new ArrayList<>();
        for (TensorInfo t : file.tensorsByOffset()) {
            ByteBuffer bytes = file.view(t);
            int length = bytes.remaining();
            if (length <= budget || t.rank() == 0 || t.rows() <= 1) {
                out.add(new Piece(t.name(), t.dtype(), t.shape(), bytes));
                continue;
            }
            long rowBytes = length / t.rows();
            long rowsPerChunk = Math.max(1, budget / rowBytes);
            int n = (int) ((t.rows() + rowsPerChunk - 1) / rowsPerChunk);
            for (int i = 0; i < n; i++) {
                long from = i * rowsPerChunk;
                long to = Math.min(t.rows(), from + rowsPerChunk);
                long[] shape = t.shape().clone();
                shape[0] = to - from;
                out.add(new Piece(ChunkName.format(t.name(), i, n), t.dtype(), shape,
                        bytes.slice((int) (from * rowBytes), (int) ((to - from) * rowBytes))));
            }
        }
        return out;
    }

    private static int headerAllowance(int tensors, Map<String, String> metadata) {
        return 4096 + 200 * tensors + metadata.toString().length();
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
