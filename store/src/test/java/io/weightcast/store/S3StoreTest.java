package io.weightcast.store;

import static io.weightcast.store.FileStoreTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.records.CheckpointReference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Against a real S3 server (S3Proxy, in process, objects on disk), through the SDK client the services use. */
class S3StoreTest {
    @TempDir
    static Path dir;
    private static S3ProxyServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new S3ProxyServer(Files.createDirectory(dir.resolve("objects")));
        server.createBucket("checkpoints");
        server.createBucket("other");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aStoredCheckpointDownloadsVerifiedAndMapsPerTensorThenItsCopyIsDeleted() throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool-ok"));
        try (S3Store store = new S3Store(server.client(), URI.create("s3://checkpoints/weightcast"), spool)) {
            byte[] file = StoreFixtures.checkpoint(1);
            CheckpointReference ref = store.put("runs/r1/3-a.safetensors", file);
            assertThat(ref.uri()).isEqualTo(URI.create("s3://checkpoints/weightcast/runs/r1/3-a.safetensors"));
            assertThat(ref.bytes()).isEqualTo(file.length);
            assertThat(ref.sha256()).isEqualTo(Sha256.of(file));
            try (StoredCheckpoint stored = store.open(ref)) {
                assertThat(stored.checkpoint().tensor("fc1.weight").shape()).containsExactly(64, 32);
                assertThat(stored.checkpoint().metadata()).containsEntry("step", "3");
                try (var files = Files.list(spool)) {
                    assertThat(files.count()).isEqualTo(1);
                }
            }
            try (var files = Files.list(spool)) {
                assertThat(files.count()).isZero();
            }
        }
    }

    @Test
    void aChangedOrMissingObjectIsAProblemAndLeavesNothingInTheSpool() throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool-bad"));
        try (S3Client s3 = server.client(); S3Store store = new S3Store(server.client(), URI.create("s3://checkpoints"), spool)) {
            byte[] file = StoreFixtures.checkpoint(2);
            CheckpointReference ref = store.put("b.safetensors", file);
            byte[] tampered = file.clone();
            tampered[tampered.length - 1] ^= 1;
            s3.putObject(b -> b.bucket("checkpoints").key("b.safetensors"), RequestBody.fromBytes(tampered));
            problem(() -> store.open(ref), ClaimCheckException.Problem.MISMATCH, "SHA-256");
            s3.putObject(b -> b.bucket("checkpoints").key("b.safetensors"), RequestBody.fromBytes(new byte[] {1, 2}));
            problem(() -> store.open(ref), ClaimCheckException.Problem.MISMATCH, "has 2 bytes");
            s3.deleteObject(b -> b.bucket("checkpoints").key("b.safetensors"));
            problem(() -> store.open(ref), ClaimCheckException.Problem.MISSING, "does not exist");
            try (var files = Files.list(spool)) {
                assertThat(files.count()).isZero();
            }
        }
    }

    @Test
    void otherBucketsPrefixesAndClimbingKeysAreRefused() throws Exception {
        try (S3Store store = new S3Store(server.client(), URI.create("s3://checkpoints/weightcast/"), dir)) {
            CheckpointReference ok = store.put("c.safetensors", StoreFixtures.checkpoint(3));
            for (String uri : new String[] {"s3://other/weightcast/c.safetensors", "s3://checkpoints/elsewhere/c.safetensors",
                "s3://checkpoints/weightcast/../elsewhere/c.safetensors", "s3://checkpoints/weightcast/"}) {
                CheckpointReference ref = new CheckpointReference(URI.create(uri), ok.bytes(), ok.sha256());
                assertThat(store.holds(ref.uri())).as(uri).isFalse();
                problem(() -> store.open(ref), ClaimCheckException.Problem.REFUSED, "outside");
            }
            assertThat(store.holds(ok.uri())).isTrue();
        }
    }
}
