package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestSettingsTest {

    @Test
    void documentedDefaults() {
        IngestSettings s = IngestSettings.from(Settings.of(Map.of("kafka.bootstrap.servers", "k:9092", "ingest.tokens", "t")));
        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.auth()).isEqualTo(IngestSettings.AUTH_TOKENS);
        assertThat(s.maxCheckpointBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(s.maxRecordBytes()).isEqualTo(KafkaConfigs.MAX_RECORD_BYTES);
        assertThat(s.ackTimeoutMs()).isEqualTo(30_000);
        assertThat(s.topics().checkpoints()).isEqualTo("weightcast.checkpoints");
        assertThat(s.maxInflightBytes()).isEqualTo(256L * 1024 * 1024);
        assertThat(s.maxInflightRequests()).isEqualTo(512);
        assertThat(s.retryAfterSeconds()).isEqualTo(1);
        assertThat(s.headerLimits()).isEqualTo(new HeaderLimits(8L * 1024 * 1024, 16_384, 8));
        assertThat(s.bodyIdleTimeoutMs()).isEqualTo(30_000);
        assertThat(s.bodyMinBytesPerSecond()).isEqualTo(64 * 1024);
    }

    @Test
    void refusesBodyAndHeaderBoundsThatCannotWork() {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092", "ingest.tokens", "t"));
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.header.bytes", "209715200")))
                .hasMessageContaining("ingest.max.header.bytes");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.tensors", "0"))).hasMessageContaining("ingest.max.tensors");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.rank", "0"))).hasMessageContaining("ingest.max.rank");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.body.idle.timeout.ms", "10")))
                .hasMessageContaining("ingest.body.idle.timeout.ms");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.body.min.bytes.per.second", "-1")))
                .hasMessageContaining("ingest.body.min.bytes.per.second");
        assertThat(IngestSettings.from(base.with("ingest.body.min.bytes.per.second", "0")).bodyMinBytesPerSecond()).isZero();
    }

    @Test
    void admissionBoundsMustAdmitAMaximalUpload() {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092", "ingest.tokens", "t"));
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.inflight.bytes", "1048576")))
                .hasMessageContaining("ingest.max.inflight.bytes").hasMessageContaining("ingest.max.checkpoint.bytes");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.inflight.requests", "0")))
                .hasMessageContaining("ingest.max.inflight.requests");
        IngestSettings small = IngestSettings.from(base.with("ingest.max.checkpoint.bytes", "1048576")
                .with("ingest.max.inflight.bytes", "2097152").with("ingest.max.inflight.requests", "4")
                .with("ingest.retry.after.seconds", "3"));
        assertThat(small.maxInflightBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(small.maxInflightRequests()).isEqualTo(4);
        assertThat(small.retryAfterSeconds()).isEqualTo(3);
    }

    @Test
    void refusesRecordLimitsTheTopicsWouldNotAccept() {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092", "ingest.tokens", "t"));
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.record.bytes", "9000000")))
                .hasMessageContaining("ingest.max.record.bytes");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.max.checkpoint.bytes", "lots")))
                .hasMessageContaining("must be an integer");
        assertThatThrownBy(() -> IngestSettings.from(Settings.of(Map.of()))).hasMessageContaining("kafka.bootstrap.servers");
    }

    @Test
    void toStringHidesTheTokens() {
        IngestSettings s = IngestSettings.from(Settings.of(Map.of("kafka.bootstrap.servers", "k:9092", "ingest.tokens", "s3cret")));
        assertThat(s.toString()).doesNotContain("s3cret").contains("redacted");
    }

    /** Issue 21: auth fails closed; running without it is said explicitly. */
    @Test
    void withoutTokensIngestRefusesToStartUnlessAuthIsNoneExplicitly() {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092"));
        assertThatThrownBy(() -> IngestSettings.from(base)).hasMessageContaining("ingest.tokens")
                .hasMessageContaining("ingest.auth=none").hasMessageContaining("does not start without a token");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.tokens", " , "))).hasMessageContaining("ingest.tokens");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.auth", "maybe"))).hasMessageContaining("ingest.auth");
        assertThat(IngestSettings.from(base.with("ingest.auth", "none")).auth()).isEqualTo(IngestSettings.AUTH_NONE);
        assertThat(IngestSettings.from(base.with("ingest.tokens", "a,b")).auth()).isEqualTo(IngestSettings.AUTH_TOKENS);
    }

    /** Local mode's implied `none`: only on a loopback listener, and only where nobody chose tokens or a mode. */
    @Test
    void localModeOpensOnlyALoopbackListenerNobodyConfigured() {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092"));
        assertThat(IngestSettings.openOnLoopback(base)).isTrue(); // default host 127.0.0.1
        assertThat(IngestSettings.openOnLoopback(base.with("ingest.host", "localhost"))).isTrue();
        assertThat(IngestSettings.openOnLoopback(base.with("ingest.host", "0.0.0.0"))).isFalse();
        assertThat(IngestSettings.openOnLoopback(base.with("ingest.tokens", "t"))).isFalse();
        assertThat(IngestSettings.openOnLoopback(base.with("ingest.auth", "tokens"))).isFalse();
        assertThat(IngestSettings.openOnLoopback(base.with("ingest.tokens.file", "/etc/weightcast/tokens.json"))).isFalse();
    }

    /** A token file can be the only source of tokens; a missing, invalid or empty one (without other tokens) fails closed. */
    @Test
    void theTokenFileMustBeReadableValidAndHoldATokenWhenItIsTheOnlySource(@TempDir Path dir) throws Exception {
        Settings base = Settings.of(Map.of("kafka.bootstrap.servers", "k:9092"));
        Path file = Files.writeString(dir.resolve("tokens.json"), "{\"tokens\": [{\"token\": \"s3cret\", \"runs\": [\"a-*\"]}]}");
        IngestSettings s = IngestSettings.from(base.with("ingest.tokens.file", file.toString()));
        assertThat(s.tokensFile()).isEqualTo(file.toString());
        assertThat(s.toString()).doesNotContain("s3cret");

        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.tokens.file", dir.resolve("absent").toString())))
                .hasMessageContaining("ingest.tokens.file").hasMessageContaining("cannot be read");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"tokens\": [{\"token\": s3cret}]}");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.tokens.file", broken.toString())))
                .hasMessageContaining("not valid JSON").hasMessageNotContaining("s3cret");
        Path empty = Files.writeString(dir.resolve("empty.json"), "{\"tokens\": []}");
        assertThatThrownBy(() -> IngestSettings.from(base.with("ingest.tokens.file", empty.toString())))
                .hasMessageContaining("does not start without a token");
        assertThat(IngestSettings.from(base.with("ingest.tokens.file", empty.toString()).with("ingest.tokens", "t")).tokens())
                .isEqualTo("t");
    }
}
