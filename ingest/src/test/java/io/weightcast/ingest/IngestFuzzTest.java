package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsMutator;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.testkit.CheckpointBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of the pure validators the HTTP handler runs ({@link CheckpointValidator},
 * {@link EventValidator}, {@link MetadataDefaults#fromQuery}, {@link RunIds}): every input is either
 * accepted or refused with an {@link IngestRejection} whose status is 4xx; anything else (which the
 * handler would answer with 500) fails the test with the input. Seed {@code -Dfuzz.seed}, cases {@code -Dfuzz.cases}.
 */
class IngestFuzzTest {
    static final long SEED = Long.getLong("fuzz.seed", 0x1A6E57L);
    private static final int CASES = Integer.getInteger("fuzz.cases", 60_000); // per validator

    static final String[] RUN_IDS = {"run-1", "r", "a b", " lead", "trail ", "", "\t", "ünï/cøde", "x".repeat(255),
            "x".repeat(256), "ctl\u0001", "new\nline", "%2F", "..", "run-1?x", "\uD83D\uDE00"};
    static final String[] META_VALUES = {"1", "0", "-1", " 3 ", "3.0", "abc", "", "9223372036854775807", "9223372036854775808",
            "2147483648", "4294967297", "-2147483649", "1e3", "\u0000", "NaN"};
    static final String[] METRICS = {"{\"val_acc\":0.5}", "{}", "[]", "{", "null", "\"x\"", "{\"a\":\"NaN\"}", "{\"a\":1e999}",
            "{\"a\":{\"b\":[1,2]}}", "[".repeat(3000), "{\"a\":1,\"a\":2}", "{\"dead_fraction/conv1\":-5}", "1"};
    static final String[] KEYS = {"run_id", "step", "planned_steps", "part", "parts", "metrics", "activation", "study",
            "framework", "layers"};

    /** A structurally valid checkpoint whose metadata holds odd values (what a buggy client could send). */
    static byte[] oddMetadataCheckpoint(Random r, String runId) {
        Map<String, String> meta = new LinkedHashMap<>();
        // half the files are sane but for one key, so that the later checks (and acceptance) are reached too
        String odd = r.nextBoolean() ? KEYS[r.nextInt(KEYS.length)] : null;
        for (String key : KEYS) {
            if (odd != null && !odd.equals(key)) {
                switch (key) {
                    case "run_id" -> meta.put(key, runId);
                    case "step" -> meta.put(key, "3");
                    case "planned_steps" -> meta.put(key, "18");
                    case "metrics" -> meta.put(key, "{\"val_acc\":0.5}");
                    case "part", "parts" -> { }
                    default -> meta.put(key, "relu");
                }
                continue;
            }
            int dice = r.nextInt(4);
            if (dice == 0) {
                continue;
            }
            meta.put(key, switch (key) {
                case "run_id" -> dice == 1 ? runId : RUN_IDS[r.nextInt(RUN_IDS.length)];
                case "metrics" -> METRICS[r.nextInt(METRICS.length)];
                case "step", "planned_steps" -> dice == 1 ? "3" : META_VALUES[r.nextInt(META_VALUES.length)];
                case "part", "parts" -> META_VALUES[r.nextInt(META_VALUES.length)];
                default -> META_VALUES[r.nextInt(META_VALUES.length)];
            });
        }
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(meta);
        int tensors = odd != null ? 1 + r.nextInt(3) : r.nextInt(4);
        for (int i = 0; i < tensors; i++) {
            int rows = 1 + r.nextInt(r.nextInt(8) == 0 ? 400 : 6);
            int cols = 1 + r.nextInt(8);
            DType dtype = r.nextInt(5) == 0 ? DType.I64 : DType.F32;
            if (dtype == DType.I64) {
                w.raw("t" + i, dtype, new long[] {rows, cols}, new byte[rows * cols * 8]);
            } else {
                w.tensor("t" + i, dtype, new long[] {rows, cols}, new double[rows * cols]);
            }
        }
        return w.toBytes();
    }

    static List<byte[]> checkpointSeeds() {
        return List.of(
                CheckpointBuilder.cnn(1, 64).meta(TestCheckpoints.metadata("run-1", 3)).bytes(),
                CheckpointBuilder.cnn(2, 8).bytes(),
                new SafeTensorsWriter().metadata("run_id", "run-1").metadata("step", "2")
                        .tensor("w", DType.F16, new long[] {3, 2}, new double[6]).toBytes());
    }

    static final List<String> EVENT_SEEDS = List.of(
            "{\"type\":\"started\",\"run_id\":\"run-1\",\"study\":\"s\",\"hparams\":{\"lr\":0.01,\"layers\":[1,2],\"opt\":{\"m\":0.9}},\"planned_steps\":18,\"timestamp\":1700000000000}",
            "{\"type\":\"metrics\",\"step\":3,\"metrics\":{\"train_loss\":1.2,\"val_acc\":\"NaN\"}}",
            "{\"type\":\"finished\",\"study\":\"s\",\"final\":{\"test_accuracy\":0.93,\"train_accuracy\":0.97},\"extra\":[null,true]}");
    static final String[] JSON_VALUES = {"null", "true", "-1", "0", "1e999", "-0.0", "\"NaN\"", "\"Infinity\"", "\"\"",
            "[]", "{}", "\"started\"", "\"finished\"", "9223372036854775808", "123456789012345678901234567890", "1.5",
            "{\"test_accuracy\":\"x\"}", "[".repeat(1200) + "]".repeat(1200), "\"\\ud800\"", "\"\\u0000\""};

    /** Textual JSON mutations of a run event (plus raw byte damage), 1-3 stacked. */
    static byte[] mutateEvent(Random r) {
        String s = EVENT_SEEDS.get(r.nextInt(EVENT_SEEDS.size()));
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(7)) {
                case 0 -> s = replaceValue(r, s);
                case 1 -> s = s.substring(0, r.nextInt(s.length() + 1));
                case 2 -> {
                    int at = r.nextInt(s.length() + 1);
                    String[] frags = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "/*", "\"type\":", "\"run_id\":\"other\","};
                    s = s.substring(0, at) + frags[r.nextInt(frags.length)] + s.substring(at);
                }
                case 3 -> {
                    int at = r.nextInt(s.length());
                    s = s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + r.nextInt(8)));
                }
                case 4 -> s = s.replace("\"type\":\"" + pick(r, "started", "metrics", "finished") + "\"",
                        "\"type\":" + pick(r, "\"metrics\"", "\"finished\"", "\"started\"", "\"bogus\"", "1", "null", "[]"));
                case 5 -> s = pick(r, "", " ", "null", "[]", "[" + s + "]", "\"str\"", "42", s + s, s + " trailing");
                default -> {
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                    return b;
                }
            }
            if (s.isEmpty()) {
                break;
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Replaces the value after a random {@code "key":} with an interesting JSON value. */
    private static String replaceValue(Random r, String s) {
        List<Integer> colons = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ':') {
                colons.add(i);
            }
        }
        if (colons.isEmpty()) {
            return s;
        }
        int at = colons.get(r.nextInt(colons.size())) + 1;
        int end = at;
        int depth = 0;
        boolean inString = false;
        while (end < s.length()) {
            char c = s.charAt(end);
            if (inString) {
                inString = c != '"' || s.charAt(end - 1) == '\\';
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
            end++;
        }
        return s.substring(0, at) + JSON_VALUES[r.nextInt(JSON_VALUES.length)] + s.substring(end);
    }

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    static Function<String, String> query(Random r) {
        Map<String, String> q = new HashMap<>();
        for (String name : new String[] {"step", "planned_steps", "activation", "study", "framework"}) {
            if (r.nextInt(3) == 0) {
                q.put(name, r.nextBoolean() ? "3" : META_VALUES[r.nextInt(META_VALUES.length)]);
            }
        }
        return q::get;
    }

    /** Failures per distinct exception site, with one example input each. */
    private static final class Findings {
        final Map<String, String> sites = new LinkedHashMap<>();
        int accepted;
        int rejected;
        int failed;

        void run(String what, byte[] input, Runnable validation) {
            try {
                validation.run();
                accepted++;
            } catch (IngestRejection e) {
                if (e.reason().status() / 100 == 4) {
                    rejected++;
                } else {
                    record(what, input, new AssertionError("rejection with status " + e.reason().status() + ": " + e.getMessage(), e));
                }
            } catch (Throwable e) {
                record(what, input, e);
            }
        }

        private void record(String what, byte[] input, Throwable e) {
            failed++;
            StackTraceElement top = e.getStackTrace().length == 0 ? null : e.getStackTrace()[0];
            StringWriter w = new StringWriter();
            e.printStackTrace(new PrintWriter(w));
            String stack = w.toString();
            byte[] shown = input.length > 4096 ? java.util.Arrays.copyOf(input, 4096) : input;
            sites.putIfAbsent(e.getClass().getName() + " at " + top, what + ", input base64 " + Base64.getEncoder().encodeToString(shown)
                    + "\n" + (stack.length() > 3000 ? stack.substring(0, 3000) + "..." : stack));
        }
    }

    @Test
    void mutatedCheckpointsAreAcceptedOrRefusedWithA4xxReason() {
        Random r = new Random(SEED);
        List<byte[]> seeds = checkpointSeeds();
        SafeTensorsMutator mutator = new SafeTensorsMutator(SEED, seeds);
        // a low record limit so that accepted files are also split into parts
        CheckpointValidator validator = new CheckpointValidator(64 * 1024, 4096);
        Findings f = new Findings();
        long start = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            String runId = r.nextInt(10) == 0 ? RUN_IDS[r.nextInt(RUN_IDS.length)] : "run-1";
            byte[] body;
            StringBuilder how = new StringBuilder();
            int kind = r.nextInt(3);
            if (kind == 0) {
                body = oddMetadataCheckpoint(r, runId);
            } else if (kind == 1) {
                body = new SafeTensorsMutator(r.nextLong(), List.of(oddMetadataCheckpoint(r, runId))).next(how);
            } else {
                body = mutator.next(how);
            }
            Function<String, String> q = query(r);
            f.run("checkpoint case " + i + " run '" + runId + "' mutations " + how, body, () -> {
                MetadataDefaults defaults = MetadataDefaults.fromQuery(q);
                ValidCheckpoint valid = validator.validate(runId, body, defaults);
                assertThat(valid.parts()).isNotEmpty();
                assertThat(valid.parts()).allSatisfy(p -> assertThat(p.length).isLessThanOrEqualTo(64 * 1024 + 8192));
            });
        }
        System.out.printf("ingest checkpoint fuzz: %d cases (seed %d) in %.1f s: %d accepted, %d refused (4xx), %d other failures%n",
                CASES, SEED, (System.nanoTime() - start) / 1e9, f.accepted, f.rejected, f.failed);
        f.sites.forEach((site, detail) -> System.out.println("FUZZ FAILURE " + site + "\n" + detail));
        assertThat(f.accepted).as("the fuzzer must reach acceptance too").isGreaterThan(200);
        assertThat(f.rejected).isGreaterThan(CASES / 3);
        assertThat(f.sites).as("inputs that raised something other than a 4xx IngestRejection").isEmpty();
    }

    @Test
    void mutatedRunEventsAreAcceptedOrRefusedWithA4xxReason() {
        Random r = new Random(SEED + 1);
        EventValidator validator = new EventValidator(() -> 1_700_000_000_000L);
        Findings f = new Findings();
        long start = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            String runId = r.nextInt(10) == 0 ? RUN_IDS[r.nextInt(RUN_IDS.length)] : "run-1";
            byte[] body = mutateEvent(r);
            f.run("event case " + i + " run '" + runId + "'", body, () -> {
                EventValidator.ValidEvent valid = validator.validate(runId, body);
                assertThat(valid.event().runId()).isEqualTo(runId);
                assertThat(valid.value()).isNotEmpty();
            });
        }
        System.out.printf("ingest event fuzz: %d cases (seed %d) in %.1f s: %d accepted, %d refused (4xx), %d other failures%n",
                CASES, SEED + 1, (System.nanoTime() - start) / 1e9, f.accepted, f.rejected, f.failed);
        f.sites.forEach((site, detail) -> System.out.println("FUZZ FAILURE " + site + "\n" + detail));
        assertThat(f.accepted).isGreaterThan(1000);
        assertThat(f.rejected).isGreaterThan(CASES / 3);
        assertThat(f.sites).as("inputs that raised something other than a 4xx IngestRejection").isEmpty();
    }
}
