package io.weightcast.ingest;

import static io.weightcast.ingest.CheckpointValidatorTest.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private final EventValidator validator = new EventValidator(() -> 1234L);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fillsRunIdFromThePathAndKeepsExtraFields() throws Exception {
        EventValidator.ValidEvent v = validator.validate("run-1",
                utf8("{\"type\":\"started\",\"study\":\"s\",\"planned_steps\":18,\"hparams\":{\"lr\":0.01},\"host\":\"gpu-7\"}"));

        assertThat(v.event().runId()).isEqualTo("run-1");
        assertThat(v.event().timestamp()).isEqualTo(1234L);
        JsonNode produced = Json.MAPPER.readTree(v.value());
        assertThat(produced.get("run_id").asText()).isEqualTo("run-1");
        assertThat(produced.get("timestamp").asLong()).isEqualTo(1234L);
        assertThat(produced.get("host").asText()).isEqualTo("gpu-7");
        assertThat(produced.get("hparams").get("lr").asDouble()).isEqualTo(0.01);
    }

    @Test
    void keepsTheClientsTimestamp() {
        EventValidator.ValidEvent v = validator.validate("r",
                utf8("{\"type\":\"finished\",\"run_id\":\"r\",\"final\":{\"test_accuracy\":0.93},\"timestamp\":99}"));
        assertThat(v.event().timestamp()).isEqualTo(99L);
        assertThat(v.event().finalTestAccuracy()).isEqualTo(0.93);
    }

    @Test
    void brokenJsonIsMalformedWithTheParsersReason() {
        assertRejected(() -> validator.validate("r", utf8("{\"type\":\"started\",")), RejectReason.MALFORMED_EVENT, "not a valid RunEvent");
        assertRejected(() -> validator.validate("r", utf8("[1,2]")), RejectReason.MALFORMED_EVENT, "RunEvent");
        assertRejected(() -> validator.validate("r", new byte[0]), RejectReason.MALFORMED_EVENT, "empty body");
        assertRejected(() -> validator.validate("r", utf8("null")), RejectReason.MALFORMED_EVENT, "null");
    }

    @Test
    void aRunIdThatContradictsThePathIsRefused() {
        assertRejected(() -> validator.validate("r1", utf8("{\"type\":\"started\",\"run_id\":\"r2\"}")),
                RejectReason.RUN_ID_MISMATCH, "event run_id 'r2' differs from run 'r1'");
    }

    @Test
    void contractViolationsAreInvalidEvents() {
        assertRejected(() -> validator.validate("r", utf8("{\"type\":\"paused\"}")), RejectReason.INVALID_EVENT,
                "type must be started, metrics or finished");
        assertRejected(() -> validator.validate("r", utf8("{\"type\":\"finished\",\"final\":{}}")), RejectReason.INVALID_EVENT,
                "final.test_accuracy");
        assertRejected(() -> validator.validate("r", utf8("{\"type\":\"metrics\",\"step\":2}")), RejectReason.INVALID_EVENT,
                "needs step and metrics");
    }
}
