package io.weightcast.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.records.CheckpointReference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {
    @TempDir
    Path dir;

    @Test
    void aStoredCheckpointReadsBackPerTensorWithItsSizeAndHash() throws Exception {
        Path root = Files.createDirectory(dir.resolve("store"));
        FileStore store = new FileStore(root);
        byte[] file = StoreFixtures.checkpoint(1);
        CheckpointReference ref = store.put("runs/r1/3-x.safetensors", file);
        assertThat(ref.uri().getScheme()).isEqualTo("file");
        assertThat(Path.of(ref.uri())).isEqualTo(root.toRealPath().resolve("runs/r1/3-x.safetensors"));
        assertThat(ref.bytes()).isEqualTo(file.length);
        assertThat(ref.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
        assertThat(store.holds(ref.uri())).isTrue();
        try (StoredCheckpoint stored = store.open(ref)) {
            assertThat(stored.checkpoint().tensor("fc1.weight").shape()).containsExactly(64, 32);
            assertThat(stored.checkpoint().values("fc1.weight")[1]).isEqualTo((float) Math.sin(1 + 0.37), org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(store.put("runs/r1/3-x.safetensors", file)).isEqualTo(ref); // a retry rewrites the same object
        try (var files = Files.list(root.resolve("runs/r1"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("3-x.safetensors"); // no temporary left behind
        }
    }

    @Test
    void aChangedTruncatedOrMissingFileIsNeverRead() throws IOException {
        FileStore store = new FileStore(dir);
        CheckpointReference ref = store.put("a.safetensors", StoreFixtures.checkpoint(1));
        Path file = Path.of(ref.uri());
        byte[] tampered = Files.readAllBytes(file);
        tampered[tampered.length - 1] ^= 1;
        Files.write(file, tampered);
        problem(() -> store.open(ref), ClaimCheckException.Problem.MISMATCH, "SHA-256");
        Files.write(file, new byte[] {1, 2, 3}, StandardOpenOption.TRUNCATE_EXISTING);
        problem(() -> store.open(ref), ClaimCheckException.Problem.MISMATCH, "has 3 bytes");
        Files.delete(file);
        problem(() -> store.open(ref), ClaimCheckException.Problem.MISSING, "does not exist");
    }

    @Test
    void referencesOutsideTheRootThroughDotDotOrASymlinkAreRefused() throws IOException {
        Path root = Files.createDirectory(dir.resolve("store"));
        Path secret = Files.write(dir.resolve("secret.safetensors"), StoreFixtures.checkpoint(2));
        FileStore store = new FileStore(root);
        CheckpointReference good = store.put("ok.safetensors", StoreFixtures.checkpoint(2));
        String sha = good.sha256();
        long size = good.bytes();
        problem(() -> store.open(new CheckpointReference(secret.toUri(), size, sha)), ClaimCheckException.Problem.REFUSED, "outside");
        URI climbing = URI.create(root.toRealPath().toUri() + "../secret.safetensors");
        assertThat(store.holds(climbing)).isFalse();
        problem(() -> store.open(new CheckpointReference(climbing, size, sha)), ClaimCheckException.Problem.REFUSED, "outside");
        URI encoded = URI.create(root.toRealPath().toUri() + "%2E%2E/secret.safetensors");
        problem(() -> store.open(new CheckpointReference(encoded, size, sha)), ClaimCheckException.Problem.REFUSED, "outside");
        Path link = Files.createSymbolicLink(root.resolve("link.safetensors"), secret);
        assertThat(store.holds(link.toUri())).isTrue(); // lexically inside: only the real path tells
        problem(() -> store.open(new CheckpointReference(link.toUri(), size, sha)), ClaimCheckException.Problem.REFUSED, "symbolic link");
        Files.createSymbolicLink(root.resolve("dirlink"), dir);
        URI throughDir = URI.create(root.toRealPath().toUri() + "dirlink/secret.safetensors");
        problem(() -> store.open(new CheckpointReference(throughDir, size, sha)), ClaimCheckException.Problem.REFUSED, "symbolic link");
        URI withHost = URI.create("file://host" + root.toRealPath() + "/ok.safetensors");
        problem(() -> store.open(new CheckpointReference(withHost, size, sha)), ClaimCheckException.Problem.REFUSED, "outside");
        try (StoredCheckpoint ok = store.open(good)) {
            assertThat(ok.checkpoint().size()).isEqualTo(2);
        }
    }

    @Test
    void keysAreRelativePathsOfPlainNames() {
        FileStore store = new FileStore(dir);
        for (String bad : new String[] {"../x", "/etc/x", "a//b", "a/./b", "a\\b", ""}) {
            assertThatThrownBy(() -> store.put(bad, new byte[] {1})).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    static void problem(ThrowableAssert.ThrowingCallable call, ClaimCheckException.Problem problem, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ClaimCheckException.class, e -> assertThat(e.problem()).isEqualTo(problem))
                .hasMessageContaining(message);
    }
}
