package io.weightcast.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: parts that do not make one checkpoint are refused by {@link CheckpointParts#merge} with a
 * {@link SafeTensorsFormatException} that says why, never another exception (which, thrown in a Streams processor,
 * retried the same record for ever). Cases from the issue, then a seeded fuzzer over part numbers and chunk names.
 */
class CheckpointPartsTest {
    private static final long SEED = Long.getLong("fuzz.seed", 0xC0FFEEL);
    private static final int CASES = Integer.getInteger("fuzz.cases", 20_000);

    /** "a.weight" 100×10 cut into chunks over several parts, "a.bias" and "b.weight" whole. */
    private static List<SafeTensors> parts() {
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.01;
        }
        byte[] whole = new SafeTensorsWriter().metadata("run_id", "r").metadata("step", "1")
                .tensor("a.weight", DType.F32, new long[] {100, 10}, v)
                .tensor("a.bias", DType.F32, new long[] {40}, java.util.Arrays.copyOf(v, 40))
                .tensor("b.weight", DType.F16, new long[] {4, 5}, java.util.Arrays.copyOf(v, 20))
                .toBytes();
        List<SafeTensors> out = new ArrayList<>();
        for (byte[] p : CheckpointParts.split(whole, 1_100)) {
            out.add(SafeTensors.read(p));
        }
        return out;
    }

    /** {@code part} rewritten: metadata and tensor names through the given functions. */
    private static SafeTensors rewrite(SafeTensors part, UnaryOperator<Map<String, String>> meta, UnaryOperator<String> names) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(meta.apply(new LinkedHashMap<>(part.metadata())));
        for (TensorInfo t : part.tensorsByOffset()) {
            w.raw(names.apply(t.name()), t.dtype(), t.shape(), part.rawBytes(t));
        }
        return SafeTensors.read(w.toBytes());
    }

    private static List<SafeTensors> withPart(int index, SafeTensors replacement) {
        List<SafeTensors> p = new ArrayList<>(parts());
        p.set(index, replacement);
        return p;
    }

    private static Map<String, String> with(Map<String, String> m, String key, String value) {
        m.put(key, value);
        return m;
    }

    @Test
    void splitPartsMergeInAnyOrder() {
        List<SafeTensors> p = parts();
        assertThat(p.size()).isGreaterThan(2);
        assertThat(p.stream().flatMap(s -> s.tensors().stream()).map(TensorInfo::name)).anyMatch(n -> n.contains("#chunk="));
        java.util.Collections.reverse(p);
        assertThat(CheckpointParts.merge(p).tensorsByOffset()).extracting(TensorInfo::name)
                .containsExactly("a.weight", "a.bias", "b.weight");
    }

    @Test
    void malformedGroupsAreRefusedWithTheirReason() {
        SafeTensors first = parts().get(0);
        String chunked = first.tensorsByOffset().get(0).name();
        assertThat(chunked).startsWith("a.weight#chunk=0/");
        Map<String, List<SafeTensors>> cases = new LinkedHashMap<>();
        cases.put("not a non-negative integer", withPart(0, rewrite(first, m -> with(m, "part", "x"), n -> n)));
        cases.put("out of range or arrived twice", withPart(1, rewrite(parts().get(1), m -> with(m, "part", "0"), n -> n)));
        cases.put("arrived", withPart(0, rewrite(first, m -> with(m, "parts", "9"), n -> n)));
        cases.put("a chunk is named", withPart(0, rewrite(first, m -> m, n -> n.replace("#chunk=0/", "#chunk= 0/"))));
        cases.put("a chunk is named NAME", withPart(0, rewrite(first, m -> m, n -> n.replaceAll("#chunk=0/\\d+", "#chunk=0"))));
        cases.put("is out of range", withPart(0, rewrite(first, m -> m, n -> n.replaceAll("#chunk=0/\\d+", "#chunk=7/3"))));
        cases.put("expected chunk 0", withPart(0, rewrite(first, m -> m, n -> n.replace("#chunk=0/", "#chunk=1/"))));
        int lastIndex = parts().size() - 1;
        SafeTensors last = parts().get(lastIndex);
        assertThat(last.tensors()).extracting(TensorInfo::name).contains("b.weight");
        cases.put("twice", withPart(lastIndex, rewrite(last, m -> m, n -> n.equals("b.weight") ? "a.weight" : n)));
        for (Map.Entry<String, List<SafeTensors>> c : cases.entrySet()) {
            assertThatThrownBy(() -> CheckpointParts.merge(c.getValue())).as(c.getKey())
                    .isInstanceOf(SafeTensorsFormatException.class).hasMessageContaining(c.getKey());
        }
        // the last chunk renamed away: the tensor is incomplete, not silently dropped
        int count = Integer.parseInt(chunked.substring(chunked.indexOf('/') + 1));
        String lastChunk = "a.weight#chunk=" + (count - 1) + "/" + count;
        int holder = 0;
        while (parts().get(holder).tensors().stream().noneMatch(t -> t.name().equals(lastChunk))) {
            holder++;
        }
        List<SafeTensors> missing = withPart(holder, rewrite(parts().get(holder), m -> m, n -> n.equals(lastChunk) ? "renamed" : n));
        assertThatThrownBy(() -> CheckpointParts.merge(missing)).isInstanceOf(SafeTensorsFormatException.class)
                .hasMessageContaining("'a.weight'").hasMessageContaining("only " + (count - 1) + " of its " + count + " chunks");
    }

    @Test
    void fuzzedPartNumbersAndChunkNamesMergeOrAreRefusedWithAFormatError() {
        Random rnd = new Random(SEED);
        String[] numbers = {"0", "1", "2", " 1", "1 ", "-1", "+1", "01", "x", "", "2147483648", "99", "3"};
        String[] suffixes = {"0/3", "1/3", "2/3", "3/3", "0/0", "/", "1/", "/3", "a/b", "-1/3", "1/-3", "0/2147483648", "2/1", "0/3/4",
            "1 /3", "0/30"};
        int merged = 0;
        List<String> failures = new ArrayList<>();
        List<SafeTensors> base = parts();
        for (int i = 0; i < CASES; i++) {
            List<SafeTensors> group = new ArrayList<>(base);
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(group.size());
                SafeTensors part = group.get(at);
                switch (rnd.nextInt(4)) {
                    case 0 -> group.set(at, rewrite(part, m -> with(m, "part", numbers[rnd.nextInt(numbers.length)]), n -> n));
                    case 1 -> group.set(at, rewrite(part, m -> with(m, "parts", numbers[rnd.nextInt(numbers.length)]), n -> n));
                    case 2 -> {
                        String suffix = suffixes[rnd.nextInt(suffixes.length)];
                        group.set(at, rewrite(part, m -> m, n -> n.contains("#chunk=") && rnd.nextBoolean()
                                ? n.substring(0, n.indexOf("#chunk=") + 7) + suffix : n));
                    }
                    default -> group.remove(at == 0 && group.size() > 1 ? 1 : at);
                }
                if (group.isEmpty()) {
                    group.add(base.get(0));
                }
            }
            try {
                CheckpointParts.merge(group);
                merged++;
            } catch (SafeTensorsFormatException expected) {
                // refused with a reason: fine
            } catch (RuntimeException e) {
                failures.add(e + " on " + group.stream().map(s -> s.metadata().get("part") + "/" + s.metadata().get("parts") + " "
                        + s.tensors().stream().map(TensorInfo::name).toList()).toList());
            }
        }
        assertThat(failures).as("merges that threw something other than SafeTensorsFormatException").isEmpty();
        assertThat(merged).as("some mutated groups still make a checkpoint (e.g. ' 1' for 1)").isPositive();
    }
}
