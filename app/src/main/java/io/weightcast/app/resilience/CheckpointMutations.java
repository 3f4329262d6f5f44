package io.weightcast.app.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.app.load.SyntheticCheckpoints;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded mutations of a valid safetensors checkpoint (the digits CNN of {@link SyntheticCheckpoints}),
 * for {@code weightcast safety}. Input {@code i} gets kind {@code KINDS[i % KINDS.size()]} and its own
 * random stream ({@code seed ^ i}), so a run is reproducible input by input. Each input names its own
 * run id, so whatever it causes downstream (a dead letter, a features record) can be traced back to it.
 *
 * <p>Some mutations can come out valid (a flipped header byte inside a metadata string): that is
 * not a bug of the generator; the harness reports what each input actually caused.
 */
final class CheckpointMutations {
    /** Every kind, in the order inputs cycle through them. */
    static final List<String> KINDS = List.of("truncated", "header_byte_flips", "absurd_header_length", "invalid_header_json",
            "unknown_dtype", "shape_offset_mismatch", "duplicate_tensor_names", "nan_inf_weights", "missing_run_id",
            "part_with_space", "parts_disagree", "malformed_chunk_name", "bad_metadata_value", "huge_shape", "no_float_tensor",
            "random_bytes", "empty_body");

    /** Kinds whose value is a well-formed checkpoint the pipeline should take (and judge), not refuse. */
    static final Map<String, String> ACCEPTABLE = Map.of(
            "nan_inf_weights", "well-formed: NaN/Inf weights are a training fault its features report (health.nonfinite_values), not a malformed record",
            "missing_run_id", "the run id comes from the request path (HTTP); on Kafka it is sent without a key, so nothing names its run");

    /** One mutated input: its kind, the run it claims (unique per input), its step, and its bytes. */
    record Mutant(String kind, String runId, long step, byte[] bytes) {
    }

    private final SyntheticCheckpoints valid;
    private final long seed;

    CheckpointMutations(long seed) {
        this.seed = seed;
        this.valid = SyntheticCheckpoints.of(SyntheticCheckpoints.DIGITS_CNN_PARAMS, seed);
    }

    /** A valid checkpoint (the base every mutation starts from; also the duplicates phase's input). */
    byte[] valid(String runId, long step) {
        return valid.checkpoint(runId, step);
    }

    Mutant mutant(int index, String runId) {
        String kind = KINDS.get(index % KINDS.size());
        SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
        long step = 1 + r.nextInt(SyntheticCheckpoints.PLANNED_STEPS);
        return new Mutant(kind, runId, step, mutate(kind, runId, step, r));
    }

    private byte[] mutate(String kind, String runId, long step, SplittableRandom r) {
        byte[] base = valid(runId, step);
        return switch (kind) {
            case "truncated" -> java.util.Arrays.copyOf(base, 1 + r.nextInt(base.length - 1));
            case "header_byte_flips" -> flipHeaderBytes(base, r);
            case "absurd_header_length" -> absurdHeaderLength(base, r);
            case "invalid_header_json" -> invalidHeaderJson(base, r);
            case "unknown_dtype" -> replaceInHeader(base, "\"F32\"", List.of("\"Q32\"", "\"F33\"", "\"f32\"", "\"   \"").get(r.nextInt(4)));
            case "shape_offset_mismatch" -> shapeOffsetMismatch(base, r);
            case "duplicate_tensor_names" -> duplicateTensorName(base);
            case "nan_inf_weights" -> nonFinite(runId, step, r);
            case "missing_run_id" -> withMetadata(runId, step, Map.of(), List.of("run_id"));
            case "part_with_space" -> split(runId, step, " 1", "2", "#chunk=1/2");
            case "parts_disagree" -> split(runId, step, "0", "2", "#chunk=0/3");
            case "malformed_chunk_name" -> split(runId, step, "0", "2", List.of("#chunk=x/2", "#chunk=01/2", "#chunk=2/2", "#chunk=-1/2",
                    "#chunk=0/ 2").get(r.nextInt(5)));
            case "bad_metadata_value" -> badMetadataValue(runId, step, r);
            case "huge_shape" -> hugeShape(base, r);
            case "no_float_tensor" -> noFloatTensor(runId, step);
            case "random_bytes" -> randomBytes(r);
            case "empty_body" -> new byte[0];
            default -> throw new IllegalArgumentException("unknown mutation " + kind);
        };
    }

    private static int headerLength(byte[] file) {
        return (int) ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String header(byte[] file) {
        return new String(file, 8, headerLength(file), StandardCharsets.UTF_8);
    }

    /** The file with another header (its data section unchanged: offsets are relative to the data's start). */
    private static byte[] withHeader(byte[] file, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int dataStart = 8 + headerLength(file);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + file.length - dataStart).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(file, dataStart, file.length - dataStart);
        return out.array();
    }

    private static byte[] flipHeaderBytes(byte[] base, SplittableRandom r) {
        byte[] out = base.clone();
        int n = 1 + r.nextInt(8);
        int len = headerLength(base);
        for (int i = 0; i < n; i++) {
            int at = 8 + r.nextInt(len);
            out[at] ^= (byte) (1 + r.nextInt(255));
        }
        return out;
    }

    private static byte[] absurdHeaderLength(byte[] base, SplittableRandom r) {
        long[] lengths = {Long.MAX_VALUE, -1L, 1L << 40, base.length, base.length - 7L, 0L, 100_000_001L};
        byte[] out = base.clone();
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(lengths[r.nextInt(lengths.length)]);
        return out;
    }

    /** The header text cut short (or given a stray character) and padded back to its length with spaces. */
    private static byte[] invalidHeaderJson(byte[] base, SplittableRandom r) {
        String h = header(base);
        String broken = switch (r.nextInt(4)) {
            case 0 -> h.substring(0, 1 + r.nextInt(h.length() - 1));
            case 1 -> "[" + h.substring(1);
            case 2 -> h.replaceFirst(":", "");
            default -> h.substring(0, h.length() - 1) + ",";
        };
        StringBuilder padded = new StringBuilder(broken);
        while (padded.length() < h.length()) {
            padded.append(' ');
        }
        return withHeader(base, padded.toString());
    }

    private static byte[] replaceInHeader(byte[] base, String from, String to) {
        return withHeader(base, header(base).replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    /** One tensor whose shape or data offsets no longer fit its bytes. */
    private static byte[] shapeOffsetMismatch(byte[] base, SplittableRandom r) {
        ObjectNode h = parse(header(base));
        ObjectNode t = (ObjectNode) h.get(tensorNames(h).get(r.nextInt(tensorNames(h).size())));
        ArrayNode offsets = (ArrayNode) t.get("data_offsets");
        switch (r.nextInt(4)) {
            case 0 -> ((ArrayNode) t.get("shape")).set(0, t.get("shape").get(0).asLong() + 1);
            case 1 -> offsets.set(1, offsets.get(1).asLong() - 4);
            case 2 -> offsets.set(1, offsets.get(1).asLong() + 4096);
            default -> {
                long start = offsets.get(0).asLong();
                offsets.set(0, offsets.get(1).asLong());
                offsets.set(1, start);
            }
        }
        return withHeader(base, h.toString());
    }

    /** The first tensor's entry appears twice in the header object (Jackson's tree cannot hold this, so text). */
    private static byte[] duplicateTensorName(byte[] base) {
        String h = header(base);
        ObjectNode parsed = parse(h);
        String name = tensorNames(parsed).get(0);
        String entry = ",\"" + name + "\":" + parsed.get(name).toString();
        int end = h.lastIndexOf('}');
        return withHeader(base, h.substring(0, end) + entry + h.substring(end));
    }

    private static byte[] hugeShape(byte[] base, SplittableRandom r) {
        ObjectNode h = parse(header(base));
        ObjectNode t = (ObjectNode) h.get(tensorNames(h).get(0));
        ArrayNode shape = (ArrayNode) t.get("shape");
        long[] dims = {1L << 31, 1L << 40, Long.MAX_VALUE, -5};
        shape.set(0, dims[r.nextInt(dims.length)]);
        if (shape.size() > 1) {
            shape.set(1, dims[r.nextInt(dims.length)]);
        }
        return withHeader(base, h.toString());
    }

    private byte[] nonFinite(String runId, long step, SplittableRandom r) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(metadata(runId, step));
        for (SyntheticCheckpoints.Tensor t : valid.layout()) {
            int count = (int) java.util.Arrays.stream(t.shape()).reduce(1, (a, b) -> a * b);
            float[] v = new float[count];
            for (int i = 0; i < count; i++) {
                v[i] = (float) r.nextGaussian() * 0.1f;
            }
            int bad = 1 + r.nextInt(Math.max(1, count / 4));
            float[] nonFinite = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int i = 0; i < bad; i++) {
                v[r.nextInt(count)] = nonFinite[r.nextInt(3)];
            }
            w.tensor(t.name(), t.shape(), v);
        }
        return w.toBytes();
    }

    /** A valid-looking file with the metadata given (plus the usual entries, minus {@code drop}). */
    private byte[] withMetadata(String runId, long step, Map<String, String> extra, List<String> drop) {
        Map<String, String> m = metadata(runId, step);
        m.putAll(extra);
        drop.forEach(m::remove);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(m);
        tensors(w, "");
        return w.toBytes();
    }

    /** One part of a split checkpoint whose part numbers or chunk names are off. */
    private byte[] split(String runId, long step, String part, String parts, String chunkSuffix) {
        Map<String, String> m = metadata(runId, step);
        m.put("part", part);
        m.put("parts", parts);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(m);
        tensors(w, chunkSuffix);
        return w.toBytes();
    }

    private byte[] badMetadataValue(String runId, long step, SplittableRandom r) {
        List<Map<String, String>> bad = List.of(Map.of("step", "-3"), Map.of("step", "1e3"), Map.of("planned_steps", "0"),
                Map.of("planned_steps", "many"), Map.of("metrics", "[1,2"), Map.of("metrics", "null"), Map.of("hparams", "{\"lr\":"),
                Map.of("run_id", "other-run"), Map.of("run_id", ""), Map.of("step", "99999999999999999999"));
        return withMetadata(runId, step, bad.get(r.nextInt(bad.size())), List.of());
    }

    private byte[] noFloatTensor(String runId, long step) {
        return new SafeTensorsWriter().metadata(metadata(runId, step)).raw("counts", DType.I64, new long[] {4, 2}, new byte[64]).toBytes();
    }

    private static byte[] randomBytes(SplittableRandom r) {
        byte[] b = new byte[1 + r.nextInt(4096)];
        r.nextBytes(b);
        return b;
    }

    private void tensors(SafeTensorsWriter w, String suffix) {
        SplittableRandom r = new SplittableRandom(seed);
        for (SyntheticCheckpoints.Tensor t : valid.layout()) {
            int count = (int) java.util.Arrays.stream(t.shape()).reduce(1, (a, b) -> a * b);
            float[] v = new float[count];
            for (int i = 0; i < count; i++) {
                v[i] = (float) r.nextGaussian() * 0.1f;
            }
            w.tensor(t.name() + suffix, t.shape(), v);
        }
    }

    static Map<String, String> metadata(String runId, long step) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("step", Long.toString(step));
        m.put("planned_steps", Integer.toString(SyntheticCheckpoints.PLANNED_STEPS));
        m.put("activation", SyntheticCheckpoints.ACTIVATION);
        m.put("framework", SyntheticCheckpoints.FRAMEWORK);
        return m;
    }

    private static ObjectNode parse(String header) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> tensorNames(ObjectNode h) {
        List<String> names = new java.util.ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            String n = it.next().getKey();
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        }
        return names;
    }
}
