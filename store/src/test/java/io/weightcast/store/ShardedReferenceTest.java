package io.weightcast.store;

import static io.weightcast.store.FileStoreTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.records.CheckpointReference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Sharded references (a Hugging Face index and its shards): every shard verified before any is mapped, read as one
 * checkpoint; a changed, truncated or missing shard, a shard the index and {@code ref_shards} disagree on, and a shard
 * name or link that leaves the store are each the problem they are. In a directory and in S3 (S3Proxy).
 */
class ShardedReferenceTest {
    @TempDir
    static Path dir;
    private static S3ProxyServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new S3ProxyServer(Files.createDirectory(dir.resolve("objects")));
        server.createBucket("ckpts");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aShardedCheckpointInADirectoryIsVerifiedShardByShardAndReadInPlace() throws Exception {
        Path root = Files.createDirectory(dir.resolve("file-ok"));
        try (ClaimChecks checks = new ClaimChecks(new FileStore(root), 0, List.of(new FileStore(root)))) {
            CheckpointReference ref = checks.storeSharded("r/1", 3, StoreFixtures.INDEX, StoreFixtures.index(null, null), StoreFixtures.shards());
            assertThat(ref.sharded()).isTrue();
            assertThat(ref.shards()).extracting(CheckpointReference.Shard::file)
                    .containsExactly(StoreFixtures.shardName(1), StoreFixtures.shardName(2), StoreFixtures.shardName(3));
            Path index = Path.of(ref.uri());
            assertThat(index.getParent().getFileName().toString()).isEqualTo("3-" + CheckpointReference.shardsDigest(ref.shards()));
            assertThat(index.getParent().getParent()).isEqualTo(root.toRealPath().resolve("runs/r_1"));
            try (StoredCheckpoint stored = checks.open(ref)) {
                assertThat(stored.checkpoint().size()).isEqualTo(6);
                assertThat(stored.checkpoint().values("fc2.weight")[1]).isEqualTo((float) Math.cos(2 + 0.11), org.assertj.core.data.Offset.offset(1e-6));
                assertThat(stored.checkpoint().metadata()).containsEntry("step", "3").containsEntry("total_size", "1632");
            }
            Path shard2 = index.resolveSibling(StoreFixtures.shardName(2));
            byte[] good = Files.readAllBytes(shard2);
            byte[] flipped = good.clone();
            flipped[flipped.length - 3] ^= 0x40;
            Files.write(shard2, flipped);
            problem(() -> checks.open(ref), ClaimCheckException.Problem.MISMATCH, "shard " + StoreFixtures.shardName(2) + " of the referenced "
                    + "checkpoint " + ref.uri() + " has SHA-256");
            Files.write(shard2, java.util.Arrays.copyOf(good, good.length - 8));
            problem(() -> checks.open(ref), ClaimCheckException.Problem.MISMATCH, "has " + (good.length - 8) + " bytes, the reference says "
                    + good.length);
            Files.delete(shard2);
            problem(() -> checks.open(ref), ClaimCheckException.Problem.MISSING, "shard " + StoreFixtures.shardName(2) + " of the referenced "
                    + "checkpoint " + ref.uri() + " does not exist");
            Files.write(shard2, good);
            Path outside = Files.write(dir.resolve("outside-" + StoreFixtures.shardName(3)), Files.readAllBytes(index.resolveSibling(
                    StoreFixtures.shardName(3))));
            Files.delete(index.resolveSibling(StoreFixtures.shardName(3)));
            Files.createSymbolicLink(index.resolveSibling(StoreFixtures.shardName(3)), outside);
            problem(() -> checks.open(ref), ClaimCheckException.Problem.REFUSED, "symbolic link");
        }
    }

    @Test
    void anIndexThatLeavesItsDirectoryOrDisagreesWithRefShardsIsRefusedBeforeAnyShardIsRead() throws Exception {
        Path root = Files.createDirectory(dir.resolve("file-bad"));
        Files.write(dir.resolve("secret.safetensors"), StoreFixtures.checkpoint(1));
        try (ClaimChecks checks = new ClaimChecks(new FileStore(root), 0, List.of(new FileStore(root)))) {
            CheckpointReference climbing = checks.storeSharded("r", 1, StoreFixtures.INDEX,
                    StoreFixtures.index("x.weight", "../../../../secret.safetensors"), StoreFixtures.shards());
            problem(() -> checks.open(climbing), ClaimCheckException.Problem.REFUSED, "names shard '../../../../secret.safetensors', not a "
                    + "plain file name");
            CheckpointReference absolute = checks.storeSharded("r", 2, StoreFixtures.INDEX,
                    StoreFixtures.index("x.weight", dir.resolve("secret.safetensors").toString()), StoreFixtures.shards());
            problem(() -> checks.open(absolute), ClaimCheckException.Problem.REFUSED, "not a plain file name");
            CheckpointReference extra = checks.storeSharded("r", 3, StoreFixtures.INDEX,
                    StoreFixtures.index("x.weight", "model-00004-of-00003.safetensors"), StoreFixtures.shards());
            problem(() -> checks.open(extra), ClaimCheckException.Problem.MISMATCH, "in the index's weight_map but not in ref_shards "
                    + "[model-00004-of-00003.safetensors]");
            CheckpointReference ok = checks.storeSharded("r", 4, StoreFixtures.INDEX, StoreFixtures.index(null, null), StoreFixtures.shards());
            List<CheckpointReference.Shard> more = new ArrayList<>(ok.shards());
            more.add(new CheckpointReference.Shard("model-00009-of-00003.safetensors", 10, ok.sha256()));
            CheckpointReference listed = new CheckpointReference(ok.uri(), ok.bytes(), ok.sha256(), more);
            problem(() -> checks.open(listed), ClaimCheckException.Problem.MISMATCH, "in ref_shards but not in the index "
                    + "[model-00009-of-00003.safetensors]");
            CheckpointReference wrongIndex = new CheckpointReference(ok.uri(), ok.bytes(), "00".repeat(32), ok.shards());
            problem(() -> checks.open(wrongIndex), ClaimCheckException.Problem.MISMATCH, "referenced checkpoint " + ok.uri() + " has SHA-256");
        }
    }

    @Test
    void aShardedCheckpointInS3IsDownloadedIntoOneSpoolDirectoryVerifiedAndDeletedAtClose() throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool"));
        Settings settings = Settings.of(Map.of("store.uri", "s3://ckpts/weightcast", "store.s3.endpoint", server.endpoint(),
                "store.s3.path.style", "true", "store.spool.dir", spool.toString(), "store.threshold.bytes", "0"));
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        try (ClaimChecks checks = ClaimChecks.from(settings); S3Client s3 = server.client()) {
            CheckpointReference ref = checks.storeSharded("r1", 5, StoreFixtures.INDEX, StoreFixtures.index(null, null), StoreFixtures.shards());
            String dirKey = "weightcast/" + CheckpointReference.shardedDirectory("r1", 5, CheckpointReference.shardsDigest(ref.shards()));
            assertThat(ref.uri()).isEqualTo(URI.create("s3://ckpts/" + dirKey + StoreFixtures.INDEX));
            try (StoredCheckpoint stored = checks.open(ref)) {
                assertThat(stored.checkpoint().size()).isEqualTo(6);
                assertThat(stored.checkpoint().values("fc3.weight")[0]).isEqualTo((float) Math.cos(3), org.assertj.core.data.Offset.offset(1e-6));
                try (var files = Files.list(spool)) {
                    assertThat(files.toList()).hasSize(1).allSatisfy(d -> assertThat(Files.list(d).count()).isEqualTo(4));
                }
            }
            try (var files = Files.list(spool)) {
                assertThat(files.count()).as("the download directory is deleted at close").isZero();
            }
            byte[] shard1 = StoreFixtures.shards().get(StoreFixtures.shardName(1));
            byte[] flipped = shard1.clone();
            flipped[flipped.length - 3] ^= 0x40;
            s3.putObject(b -> b.bucket("ckpts").key(dirKey + StoreFixtures.shardName(1)), RequestBody.fromBytes(flipped));
            problem(() -> checks.open(ref), ClaimCheckException.Problem.MISMATCH, "shard " + StoreFixtures.shardName(1) + " of the referenced "
                    + "checkpoint " + ref.uri() + " has SHA-256");
            s3.deleteObject(b -> b.bucket("ckpts").key(dirKey + StoreFixtures.shardName(1)));
            problem(() -> checks.open(ref), ClaimCheckException.Problem.MISSING, "shard " + StoreFixtures.shardName(1) + " of the referenced "
                    + "checkpoint " + ref.uri() + " does not exist");
            try (var files = Files.list(spool)) {
                assertThat(files.count()).as("nothing left after a failed download").isZero();
            }
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }
}
