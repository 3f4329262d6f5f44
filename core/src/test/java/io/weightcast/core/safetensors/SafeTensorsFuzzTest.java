package io.weightcast.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer for {@link SafeTensors#read}: every mutated input either parses into a file
 * whose tensors can all be decoded (values() and rawBytes() agree with the header), or is refused
 * with {@link SafeTensorsFormatException}. Anything else (another exception, an OutOfMemoryError from
 * an unbounded allocation) fails the test with the input (base64) and the stack trace, per distinct
 * exception site. Seed: {@code -Dfuzz.seed=N} (default fixed), cases: {@code -Dfuzz.cases=N}.
 */
class SafeTensorsFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 0x5AFE7E45L);
    private static final int CASES = Integer.getInteger("fuzz.cases", 120_000);
    private static final int MAPPED_CASES = 3_000;

    static List<byte[]> seeds() {
        byte[] i64 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array();
        return List.of(
                new SafeTensorsWriter()
                        .metadata(Map.of("run_id", "fuzz", "step", "3", "planned_steps", "10", "activation", "relu",
                                "metrics", "{\"val_acc\":0.5}"))
                        .tensor("conv1.weight", DType.F32, new long[] {2, 1, 3, 3}, ramp(18))
                        .tensor("conv1.bias", DType.F32, new long[] {2}, ramp(2))
                        .tensor("dense.weight", DType.F16, new long[] {3, 2}, ramp(6))
                        .tensor("dense.bias", DType.BF16, new long[] {3}, ramp(3))
                        .raw("bn.num_batches_tracked", DType.I64, new long[] {}, i64)
                        .toBytes(),
                new SafeTensorsWriter().tensor("w", DType.F64, new long[] {4}, ramp(4)).toBytes(),
                new SafeTensorsWriter().metadata("run_id", "e")
                        .tensor("empty", DType.F32, new long[] {0}, new double[0])
                        .raw("u", DType.U8, new long[] {5}, new byte[] {1, 2, 3, 4, (byte) 255})
                        .raw("flags", DType.BOOL, new long[] {3}, new byte[] {0, 1, 2})
                        .raw("i", DType.I32, new long[] {1, 2}, new byte[8])
                        .toBytes());
    }

    private static double[] ramp(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - n / 2.0) / 7.0;
        }
        return v;
    }

    /** How one input ended: parsed (and fully decoded), refused with a format exception, or a failure. */
    record Result(boolean parsed, Throwable failure) {
    }

    /** Parses and, on success, decodes everything. */
    static Result exercise(byte[] input) {
        try {
            SafeTensors file = SafeTensors.read(input);
            file.metadata().forEach((k, v) -> k.length());
            for (TensorInfo t : file.tensorsByOffset()) {
                double[] values = file.values(t);
                byte[] raw = file.rawBytes(t);
                if (values.length != t.elementCount() || raw.length != t.end() - t.begin()
                        || raw.length != values.length * t.dtype().bytes()) {
                    return new Result(true, new AssertionError("inconsistent tensor " + t + " [" + t.begin() + "," + t.end() + "): "
                            + values.length + " values, " + raw.length + " bytes"));
                }
            }
            return new Result(true, null);
        } catch (SafeTensorsFormatException e) {
            return new Result(false, null);
        } catch (Throwable e) { // incl. OutOfMemoryError and StackOverflowError: exactly what the fuzzer hunts
            return new Result(false, e);
        }
    }

    @Test
    void everyMutatedInputParsesCleanlyOrIsRefusedWithAFormatException() {
        List<byte[]> seeds = seeds();
        for (byte[] s : seeds) {
            assertThat(exercise(s)).as("seeds are valid").isEqualTo(new Result(true, null));
        }
        SafeTensorsMutator mutator = new SafeTensorsMutator(SEED, seeds);
        Map<String, String> failures = new LinkedHashMap<>();
        int parsed = 0;
        int refused = 0;
        int failed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            StringBuilder how = new StringBuilder();
            byte[] input = mutator.next(how);
            Result r = exercise(input);
            Throwable t = r.failure();
            if (t == null) {
                if (r.parsed()) {
                    parsed++;
                } else {
                    refused++;
                }
                continue;
            }
            failed++;
            StackTraceElement top = t.getStackTrace().length == 0 ? null : t.getStackTrace()[0];
            failures.putIfAbsent(t.getClass().getName() + " at " + top,
                    "case " + i + " (mutations " + how.toString().strip() + "), input base64 "
                            + Base64.getEncoder().encodeToString(input.length > 4096 ? java.util.Arrays.copyOf(input, 4096) : input)
                            + (input.length > 4096 ? " (first 4096 of " + input.length + " bytes)" : "") + "\n" + stack(t));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("safetensors fuzz: %d cases (seed %d) in %.1f s: %d parsed, %d refused with SafeTensorsFormatException, %d other failures%n",
                CASES, SEED, seconds, parsed, refused, failed);
        failures.forEach((site, detail) -> System.out.println("FUZZ FAILURE " + site + "\n" + detail));
        assertThat(CASES).isGreaterThanOrEqualTo(100_000);
        assertThat(parsed).as("the mutations must also produce valid files, or the fuzzer only tests the first check").isGreaterThan(1000);
        assertThat(refused).isGreaterThan(CASES / 2);
        assertThat(failures).as("inputs that raised something other than SafeTensorsFormatException").isEmpty();
    }

    /** The mapped path on mutated files: the same outcome as the byte[] path, the same message when refused, the same bytes when parsed. */
    @Test
    void theMappedPathAgreesWithTheByteArrayPathOnMutatedInputs(@TempDir Path dir) throws IOException {
        SafeTensorsMutator mutator = new SafeTensorsMutator(SEED + 1, seeds());
        Path file = dir.resolve("fuzz.safetensors");
        int parsed = 0;
        for (int i = 0; i < MAPPED_CASES; i++) {
            byte[] input = mutator.next(new StringBuilder());
            Files.write(file, input);
            String heap = outcome(() -> SafeTensors.read(input));
            String mapped = outcome(() -> SafeTensors.open(file));
            assertThat(mapped).as("case %d, input base64 %s", i, Base64.getEncoder().encodeToString(input)).isEqualTo(heap);
            parsed += heap.startsWith("parsed") ? 1 : 0;
        }
        assertThat(parsed).isGreaterThan(MAPPED_CASES / 100);
    }

    private interface Open {
        SafeTensors open() throws IOException;
    }

    private static String outcome(Open open) throws IOException {
        try {
            SafeTensors file = open.open();
            StringBuilder s = new StringBuilder("parsed ").append(file.metadata()).append(file.tensorsByOffset());
            for (TensorInfo t : file.tensorsByOffset()) {
                s.append(' ').append(Arrays.toString(file.rawBytes(t)));
            }
            return s.toString();
        } catch (SafeTensorsFormatException e) {
            return "refused: " + e.getMessage();
        }
    }

    private static String stack(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > 3000 ? s.substring(0, 3000) + "..." : s;
    }
}
