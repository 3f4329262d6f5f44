package io.weightcast.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the signature binds (topic, key, value) and what it refuses. */
class RecordSignatureTest {
    private static final byte[] VALUE = "{\"name\":\"accuracy\",\"version\":3}".getBytes(StandardCharsets.UTF_8);
    private final RecordSignature key = RecordSignature.of("a secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8));

    private Headers signed(String topic, String recordKey, byte[] value) {
        Headers h = new RecordHeaders();
        key.sign(h, topic, recordKey, value);
        return h;
    }

    @Test
    void aSignatureHoldsForItsTopicKeyAndValueOnly() {
        Headers h = signed("w.models", "accuracy", VALUE);
        assertThat(key.verify(h, "w.models", "accuracy", VALUE)).isEqualTo(RecordSignature.Verdict.VALID);
        assertThat(key.verify(h, "w.encoders", "accuracy", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
        assertThat(key.verify(h, "w.models", "dying_relu", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
        byte[] altered = VALUE.clone();
        altered[altered.length - 2] = '9';
        assertThat(key.verify(h, "w.models", "accuracy", altered)).isEqualTo(RecordSignature.Verdict.INVALID);
        RecordSignature other = RecordSignature.of("another secret, also thirty-two bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(other.verify(h, "w.models", "accuracy", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
        // field boundaries count: ("w.model", "saccuracy") is not ("w.models", "accuracy")
        assertThat(key.verify(h, "w.model", "saccuracy", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
    }

    @Test
    void unsignedAndGarbledHeadersAreRefusedAndNoKeyChecksNothing() {
        assertThat(key.verify(new RecordHeaders(), "t", "k", VALUE)).isEqualTo(RecordSignature.Verdict.UNSIGNED);
        Headers garbled = new RecordHeaders().add(RecordSignature.HEADER, "v1=zz".getBytes(StandardCharsets.US_ASCII));
        assertThat(key.verify(garbled, "t", "k", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
        Headers otherScheme = new RecordHeaders().add(RecordSignature.HEADER, "v2=00".getBytes(StandardCharsets.US_ASCII));
        assertThat(key.verify(otherScheme, "t", "k", VALUE)).isEqualTo(RecordSignature.Verdict.INVALID);
        assertThat(RecordSignature.Verdict.UNSIGNED.accepted()).isFalse();
        assertThat(RecordSignature.Verdict.INVALID.accepted()).isFalse();

        RecordSignature none = RecordSignature.none();
        Headers h = new RecordHeaders();
        none.sign(h, "t", "k", VALUE);
        assertThat(h.toArray()).isEmpty();
        assertThat(none.verify(h, "t", "k", VALUE)).isEqualTo(RecordSignature.Verdict.UNCHECKED);
        assertThat(RecordSignature.Verdict.UNCHECKED.accepted()).isTrue();
    }

    @Test
    void keysComeFromAFileAndShortOnesAreRefused(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> RecordSignature.of(new byte[16])).hasMessageContaining("at least 32 bytes");
        Path file = RecordSignature.ensureKeyFile(dir.resolve("sub/models-signing.key"));
        String secret = Files.readString(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        RecordSignature.ensureKeyFile(file);
        assertThat(Files.readString(file)).isEqualTo(secret); // kept: a restarted stack still verifies what it wrote
        RecordSignature fromFile = RecordSignature.from(Settings.of(Map.of("models.signing.key.file", file.toString())));
        RecordSignature again = RecordSignature.of(secret.strip().getBytes(StandardCharsets.UTF_8));
        Headers h = new RecordHeaders();
        fromFile.sign(h, "t", "k", VALUE);
        assertThat(again.verify(h, "t", "k", VALUE)).isEqualTo(RecordSignature.Verdict.VALID);
        assertThat(RecordSignature.from(Settings.of(Map.of())).enabled()).isFalse();
        Path tooShort = Files.writeString(dir.resolve("short.key"), "abc");
        assertThatThrownBy(() -> RecordSignature.from(Settings.of(Map.of("models.signing.key.file", tooShort.toString()))))
                .hasMessageContaining("models.signing.key.file").hasMessageContaining("at least 32 bytes");
    }
}
