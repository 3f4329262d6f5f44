package io.weightcast.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import java.net.URI;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the claim check costs on a big checkpoint (not part of the normal run): write it to the store, then open it as
 * streams does (size, SHA-256, map) and touch every tensor; for a directory and for S3 (S3Proxy on loopback, objects on
 * the same disk). {@code -Dweightcast.claim.bench.mb=100} runs it on a checkpoint of that many MB of F32 weights.
 */
@EnabledIfSystemProperty(named = "weightcast.claim.bench.mb", matches = "[0-9]+")
class ClaimCheckThroughputTest {
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    void writeThenVerifyAndReadPerTensor() throws Exception {
        int mb = Integer.getInteger("weightcast.claim.bench.mb");
        byte[] file = checkpoint(mb);
        System.out.printf(Locale.ROOT, "[claim-bench] checkpoint: %d bytes, %d cores%n", file.length, Runtime.getRuntime().availableProcessors());
        long[] hash = new long[ROUNDS];
        String sha = null;
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = System.nanoTime();
            sha = Sha256.of(file);
            hash[r] = System.nanoTime() - t0;
        }
        report("sha256 of the bytes in memory (producer), median", file.length, median(hash));
        FileStore files = new FileStore(Files.createDirectory(dir.resolve("files")));
        measure("directory", files, file, sha);
        try (S3ProxyServer server = new S3ProxyServer(Files.createDirectory(dir.resolve("objects")))) {
            server.createBucket("bench");
            try (S3Store s3 = new S3Store(server.client(), URI.create("s3://bench/w"), Files.createDirectory(dir.resolve("spool")))) {
                measure("s3 (S3Proxy)", s3, file, sha);
            }
        }
    }

    private static void measure(String store, CheckpointStore target, byte[] file, String sha) {
        long[] put = new long[ROUNDS];
        long[] open = new long[ROUNDS];
        double sum = 0;
        for (int r = 0; r < ROUNDS; r++) {
            long t0 = System.nanoTime();
            CheckpointReference ref = target.put("runs/bench/" + r + "-" + sha + ".safetensors", file);
            put[r] = System.nanoTime() - t0;
            assertThat(ref.sha256()).isEqualTo(sha);
            t0 = System.nanoTime();
            try (StoredCheckpoint stored = target.open(ref)) {
                SafeTensors ckpt = stored.checkpoint();
                for (TensorInfo t : ckpt.tensorsByOffset()) {
                    FloatBuffer f = ckpt.floats(t); // what the statistics pass reads, one tensor at a time
                    for (int i = 0; i < f.limit(); i += 1024) {
                        sum += f.get(i);
                    }
                }
            }
            open[r] = System.nanoTime() - t0;
        }
        report(store + ": put (write, fsync, rename / PUT), median", file.length, median(put));
        report(store + ": open (size, SHA-256, map; S3: download) + touch every tensor, median", file.length, median(open));
        System.out.printf(Locale.ROOT, "[claim-bench] (checksum %.3f)%n", sum);
    }

    private static long median(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static void report(String what, long bytes, long ns) {
        System.out.printf(Locale.ROOT, "[claim-bench] %-80s %8.3f s  %7.1f MB/s%n", what, ns / 1e9, bytes / 1e6 / (ns / 1e9));
    }

    /** {@code mb} MB of F32 weights in 8 tensors, with a little metadata. */
    private static byte[] checkpoint(int mb) {
        int perTensor = mb * 1_000_000 / 4 / 8;
        int cols = 1000;
        int rows = Math.max(1, perTensor / cols);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("run_id", "bench").metadata("step", "1");
        for (int k = 0; k < 8; k++) {
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.sin(k + i * 1e-3);
            }
            w.tensor("layer" + k + ".weight", new long[] {rows, cols}, values);
        }
        return w.toBytes();
    }
}
