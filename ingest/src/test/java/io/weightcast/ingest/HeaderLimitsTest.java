package io.weightcast.ingest;

import static io.weightcast.ingest.CheckpointValidatorTest.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.testkit.CheckpointBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Issue 21: the header's length, tensor count and ranks are capped before the header is parsed into a tree. */
class HeaderLimitsTest {
    private static final HeaderLimits LIMITS = new HeaderLimits(4096, 8, 4);
    private final CheckpointValidator validator = new CheckpointValidator(1 << 20, 16 * 1024, LIMITS, bytes -> false);

    @Test
    void aHeaderLongerThanTheCapIsRefusedFromItsLengthAlone() {
        // 8 bytes saying 100 MiB of header, and nothing else: the reader would say "truncated", the cap speaks first
        byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(100L * 1024 * 1024).array();
        assertRejected(() -> validator.validate("run-h", prefix, MetadataDefaults.NONE), RejectReason.HEADER_LIMIT,
                "safetensors header of 104857600 bytes exceeds the limit of 4096 bytes (ingest.max.header.bytes)");
        assertRejected(() -> LIMITS.checkLength(ByteBuffer.wrap(prefix)), RejectReason.HEADER_LIMIT, "exceeds the limit");
    }

    @Test
    void moreTensorsThanTheCapAreRefused() {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-h", 1));
        for (int i = 0; i < 9; i++) {
            w.tensor("t" + i, new long[] {2}, new float[] {1, 2});
        }
        byte[] nine = w.toBytes();
        assertRejected(() -> validator.validate("run-h", nine, MetadataDefaults.NONE), RejectReason.HEADER_LIMIT,
                "more than 8 tensors in the safetensors header (ingest.max.tensors)");
    }

    @Test
    void aShapeOfHigherRankThanTheCapIsRefused() {
        byte[] rank5 = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-h", 1))
                .tensor("deep", DType.F32, new long[] {1, 1, 1, 1, 2}, new double[] {1, 2}).toBytes();
        assertRejected(() -> validator.validate("run-h", rank5, MetadataDefaults.NONE), RejectReason.HEADER_LIMIT,
                "tensor 'deep' has a shape of rank above 4 (ingest.max.rank)");
    }

    @Test
    void filesWithinTheCapsPassAndMalformedHeadersAreLeftToTheParser() {
        byte[] ok = CheckpointBuilder.cnn(1, 4).meta(TestCheckpoints.metadata("run-h", 1)).bytes();
        assertThat(validator.validate("run-h", ok, MetadataDefaults.NONE).partCount()).isEqualTo(1);
        byte[] notJson = TestCheckpoints.rawFile("{\"a\": [1, 2", 0);
        assertRejected(() -> validator.validate("run-h", notJson, MetadataDefaults.NONE), RejectReason.MALFORMED_SAFETENSORS,
                "not valid JSON");
    }
}
