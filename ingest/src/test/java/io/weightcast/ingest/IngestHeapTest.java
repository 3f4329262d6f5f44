package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 21: the ingest service with its default limits in a JVM with the ingest pod's heap (k8s/ingest.yaml and
 * docker-compose.yml: a 1 GiB memory limit and -XX:MaxRAMPercentage=70, so 716 MiB; below 1792 MB the JVM picks the
 * serial collector, so the child does too; -XX:+ExitOnOutOfMemoryError as in the pod) takes concurrent maximum-size
 * uploads (256 MiB, with metadata to add and 8 MiB parts to cut) against a real broker: every answer is 202 or 429,
 * and the process is alive and accepts the next one. Before issue 21 a single such upload made 4-6 copies of itself
 * and died of OutOfMemoryError.
 */
class IngestHeapTest {
    private static final Topics TOPICS = new Topics("heap.");
    private static final String POD_HEAP = "-Xmx716m";
    private static final int CONCURRENT = 6;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void concurrentMaximumUploadsGetOnly202Or429AndTheServiceLives() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 1, (short) 1);
        byte[] body = maximalCheckpoint();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), POD_HEAP,
                "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                IngestHeapMain.class.getName(), KAFKA.bootstrapServers(), TOPICS.prefix()).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> log = new ArrayList<>();
        Thread reader = pump(child, lines, log);
        try (OutputStream stdin = child.getOutputStream()) {
            int port = Integer.parseInt(awaitLine(lines, "PORT ", log).substring(5));
            Await.until("ingest ready", Duration.ofSeconds(30), () -> Http.get(port, "/ready").statusCode() == 200);

            Map<String, Integer> answers = new TreeMap<>();
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<String>> uploads = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                String path = "/v1/runs/run-heap-" + i + "/checkpoints?step=1";
                uploads.add(CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return upload(port, path, body);
                }, runnable -> new Thread(runnable, "upload").start()));
            }
            go.countDown();
            for (CompletableFuture<String> u : uploads) {
                String answer = u.join();
                answers.merge(answer.split(" ")[0], 1, Integer::sum);
                if (!answer.startsWith("429")) {
                    System.out.println("heap test answer: " + answer);
                }
            }
            String after = upload(port, "/v1/runs/run-heap-after/checkpoints?step=2", body);
            System.out.printf("heap test (%s, %d concurrent uploads of %d bytes): %s, then %s%n", POD_HEAP, CONCURRENT, body.length,
                    answers, after.split(" ")[0]);
            assertThat(child.isAlive()).as("ingest survived; its log ends:%n%s", tail(log)).isTrue();
            stdin.write("peak\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            String[] peak = awaitLine(lines, "PEAK ", log).split(" ");
            System.out.printf("heap test: peak heap used %d MiB, peak after GC %d MiB, max heap %d MiB%n", mib(peak[1]), mib(peak[2]),
                    mib(peak[3]));

            assertThat(answers.keySet()).as("only 202 and 429").containsAnyOf("202").isSubsetOf("202", "429");
            assertThat(after).as("the budget came back: the next maximal upload is accepted").startsWith("202 ");
            assertThat(Json.MAPPER.readTree(after.substring(4)).get("parts").asInt()).as("cut into 8 MiB parts").isGreaterThanOrEqualTo(32);
            assertThat(Http.get(port, "/health").statusCode()).isEqualTo(200);
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            reader.join(5000);
        }
    }

    /**
     * A checkpoint of just under 256 MiB (the default {@code ingest.max.checkpoint.bytes}) without a step, so the gateway
     * adds metadata (a new header) and cuts it into 8 MiB parts: the path that used to copy it most.
     */
    private static byte[] maximalCheckpoint() {
        int cols = 4096;
        int rows = (int) ((IngestSettings.DEFAULT_MAX_CHECKPOINT_BYTES - 64 * 1024) / (cols * 4L));
        byte[] weights = new byte[rows * cols * 4];
        new Random(21).nextBytes(weights); // incompressible, so lz4 does not shrink what the producer buffers
        Map<String, String> meta = TestCheckpoints.metadata("ignored", 0);
        meta.remove("run_id");
        meta.remove("step");
        byte[] file = new SafeTensorsWriter().metadata(meta).raw("fc.weight", DType.F32, new long[] {rows, cols}, weights)
                .tensor("fc.bias", DType.F32, new long[] {4}, new double[] {1, 2, 3, 4}).toBytes();
        assertThat((long) file.length).isLessThanOrEqualTo(IngestSettings.DEFAULT_MAX_CHECKPOINT_BYTES);
        return file;
    }

    /** Sends {@code Expect: 100-continue} first, as curl does for large bodies: a 429 comes before the body is sent. */
    private static String upload(int port, String path, byte[] body) {
        try (RawHttp http = new RawHttp(port, 90_000)) {
            http.head(path, body.length, true);
            RawHttp.Response r = http.read();
            if (r.status() == 100) {
                for (int off = 0; off < body.length; off += 1 << 20) {
                    http.write(body, off, Math.min(1 << 20, body.length - off));
                }
                r = http.read();
            }
            return r.status() + " " + r.body();
        } catch (IOException e) {
            return "io " + e;
        }
    }

    private static Thread pump(Process child, BlockingQueue<String> lines, List<String> log) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (log) {
                        log.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child ended
            }
        }, "ingest-child-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String awaitLine(BlockingQueue<String> lines, String prefix, List<String> log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("ingest never printed '" + prefix + "'; its log ends:\n" + tail(log));
    }

    private static String tail(List<String> log) {
        synchronized (log) {
            return String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size()));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long mib(String bytes) {
        return Long.parseLong(bytes) >> 20;
    }
}
