package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.store.ClaimChecks;
import io.weightcast.store.FileStore;
import io.weightcast.testkit.CheckpointBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointValidatorTest {
    private final CheckpointValidator validator = new CheckpointValidator(1 << 20, 16 * 1024);

    @Test
    void completeMetadataPassesTheClientBytesThroughUntouched() {
        byte[] body = CheckpointBuilder.cnn(1, 32).meta(TestCheckpoints.metadata("run-a", 3)).bytes();

        ValidCheckpoint valid = validator.validate("run-a", body, MetadataDefaults.NONE);

        assertThat(valid.parts()).hasSize(1);
        assertThat(valid.parts().get(0)).isSameAs(body);
        assertThat(valid.metadata().step()).isEqualTo(3);
        assertThat(valid.receipt()).isEqualTo(new CheckpointReceipt("run-a", 3, 1, body.length));
    }

    /** Above the claim-check threshold: nothing is produced until the body is in the store, then one reference record. */
    @Test
    void aCheckpointAboveTheThresholdBecomesAReferenceOnlyOnceStored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        byte[] body = CheckpointBuilder.cnn(3, 32).bytes();
        CheckpointValidator claiming = new CheckpointValidator(1 << 20, 16 * 1024, HeaderLimits.NONE, bytes -> bytes > 1000);
        ValidCheckpoint valid = claiming.validate("run-c", body, MetadataDefaults.fromQuery(Map.of("step", "5")::get));
        assertThat(valid.byReference()).isTrue();
        assertThatThrownBy(valid::parts).isInstanceOf(IllegalStateException.class);
        ClaimChecks checks = new ClaimChecks(new FileStore(dir), 1000, List.of());
        ValidCheckpoint stored = valid.stored(checks);
        SafeTensors record = SafeTensors.read(stored.parts().get(0));
        assertThat(record.size()).isZero();
        assertThat(record.metadata()).containsEntry("run_id", "run-c").containsEntry("step", "5");
        CheckpointReference ref = CheckpointReference.of(record.metadata()).orElseThrow();
        assertThat(ref.bytes()).isEqualTo(body.length);
        assertThat(stored.stored(checks)).isSameAs(stored);
        assertThat(validator.validate("run-c", body, MetadataDefaults.fromQuery(Map.of("step", "5")::get)).byReference()).isFalse();
    }

    /** A client's sharded reference (index + ref_shards) passes with its shard list; a malformed list is refused. */
    @Test
    void aShardedReferenceRecordPassesWithItsShardsAndAMalformedShardListIsRefused() {
        String sha = "ab".repeat(32);
        CheckpointReference ref = new CheckpointReference(java.net.URI.create("s3://b/runs/r/1-x/model.safetensors.index.json"), 900, sha,
                List.of(new CheckpointReference.Shard("model-00001-of-00002.safetensors", 5_000_000, sha),
                        new CheckpointReference.Shard("model-00002-of-00002.safetensors", 3_000_000, sha)));
        byte[] record = ref.record(Map.of("run_id", "run-s", "step", "1"));
        ValidCheckpoint valid = validator.validate("run-s", record, MetadataDefaults.fromQuery(Map.of("study", "big")::get));
        SafeTensors produced = SafeTensors.read(valid.parts().get(0));
        assertThat(produced.size()).isZero();
        assertThat(CheckpointReference.of(produced.metadata())).contains(ref);
        assertThat(produced.metadata()).containsEntry("study", "big");
        Map<String, String> bad = new java.util.HashMap<>(SafeTensors.read(record).metadata());
        bad.put("ref_shards", "[{\"file\":\"../../etc/passwd\",\"bytes\":5,\"sha256\":\"" + sha + "\"}]");
        byte[] malformed = new io.weightcast.core.safetensors.SafeTensorsWriter().metadata(bad).toBytes();
        assertRejected(() -> validator.validate("run-s", malformed, MetadataDefaults.NONE), RejectReason.INVALID_METADATA,
                "not a plain file name");
    }

    @Test
    void queryParametersFillMissingMetadataAndTheTensorsSurviveTheRewrite() {
        byte[] body = CheckpointBuilder.cnn(2, 32).meta(Map.of("activation", "tanh")).bytes();
        MetadataDefaults query = MetadataDefaults.fromQuery(Map.of("step", "7", "planned_steps", "18",
                "activation", "relu", "study", "lr-sweep", "framework", "pytorch")::get);

        ValidCheckpoint valid = validator.validate("run-b", body, query);

        SafeTensors produced = SafeTensors.read(valid.parts().get(0));
        assertThat(produced.metadata()).containsEntry("run_id", "run-b").containsEntry("step", "7")
                .containsEntry("planned_steps", "18").containsEntry("study", "lr-sweep")
                .containsEntry("framework", "pytorch")
                .containsEntry("activation", "tanh"); // the file's own value wins
        assertThat(valid.metadata().plannedSteps()).isEqualTo(18);
        assertThat(TestCheckpoints.sameTensors(produced, SafeTensors.read(body))).isTrue();
        assertThat(produced.tensorsByOffset().stream().map(t -> t.name()).toList())
                .containsExactly("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias");
    }

    @Test
    void aStepInTheQueryThatContradictsTheFileIsRefused() {
        byte[] body = CheckpointBuilder.cnn(3, 32).meta(TestCheckpoints.metadata("run-c", 4)).bytes();
        assertRejected(() -> validator.validate("run-c", body, MetadataDefaults.fromQuery(Map.of("step", "5")::get)),
                RejectReason.INVALID_METADATA, "step 5 in the request differs from step '4'");
    }

    @Test
    void noStepAnywhereIsRefusedWithAHint() {
        byte[] body = CheckpointBuilder.cnn(3, 32).meta(Map.of("run_id", "run-c")).bytes();
        assertRejected(() -> validator.validate("run-c", body, MetadataDefaults.NONE),
                RejectReason.INVALID_METADATA, "lacks 'step'");
    }

    @Test
    void metadataRunIdMustMatchThePath() {
        byte[] body = CheckpointBuilder.cnn(4, 32).meta(TestCheckpoints.metadata("run-x", 1)).bytes();
        assertRejected(() -> validator.validate("run-y", body, MetadataDefaults.NONE),
                RejectReason.RUN_ID_MISMATCH, "metadata run_id 'run-x' differs from run 'run-y'");
    }

    @Test
    void brokenMetadataValuesCarryCoresReason() {
        Map<String, String> meta = TestCheckpoints.metadata("run-d", 1);
        meta.put("planned_steps", "many");
        byte[] body = CheckpointBuilder.cnn(5, 32).meta(meta).bytes();
        assertRejected(() -> validator.validate("run-d", body, MetadataDefaults.NONE),
                RejectReason.INVALID_METADATA, "metadata 'planned_steps' is not an integer: 'many'");
    }

    @Test
    void truncatedBodyIsMalformedWithThePreciseReason() {
        byte[] body = CheckpointBuilder.cnn(6, 32).meta(TestCheckpoints.metadata("run-e", 1)).bytes();
        byte[] cut = Arrays.copyOf(body, body.length - 100);
        assertRejected(() -> validator.validate("run-e", cut, MetadataDefaults.NONE),
                RejectReason.MALFORMED_SAFETENSORS, "truncated");
        assertRejected(() -> validator.validate("run-e", new byte[5], MetadataDefaults.NONE),
                RejectReason.MALFORMED_SAFETENSORS, "need at least 8");
    }

    @Test
    void brokenHeaderJsonAndUnknownDtypeAreMalformed() {
        byte[] broken = TestCheckpoints.rawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]", 4);
        assertRejected(() -> validator.validate("run-f", broken, MetadataDefaults.NONE),
                RejectReason.MALFORMED_SAFETENSORS, "header is not valid JSON");
        byte[] badDtype = TestCheckpoints.rawFile(
                "{\"__metadata__\":{\"step\":\"1\"},\"w\":{\"dtype\":\"F8_E8M0\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        assertRejected(() -> validator.validate("run-f", badDtype, MetadataDefaults.NONE),
                RejectReason.MALFORMED_SAFETENSORS, "tensor 'w': unsupported dtype 'F8_E8M0'");
    }

    @Test
    void aFileWithoutFloatingPointTensorsIsRefused() {
        byte[] body = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-g", 1))
                .raw("num_batches_tracked", DType.I64, new long[] {1}, new byte[8]).toBytes();
        assertRejected(() -> validator.validate("run-g", body, MetadataDefaults.NONE),
                RejectReason.NO_FLOAT_TENSOR, "no floating-point tensor");
    }

    @Test
    void aBodyAboveTheCheckpointLimitIsTooLarge() {
        CheckpointValidator small = new CheckpointValidator(1000, 16 * 1024);
        byte[] body = CheckpointBuilder.cnn(7, 32).meta(TestCheckpoints.metadata("run-h", 1)).bytes();
        assertRejected(() -> small.validate("run-h", body, MetadataDefaults.NONE), RejectReason.TOO_LARGE, "exceeds the limit of 1000");
    }

    @Test
    void aCheckpointAboveTheRecordLimitIsSplitIntoPartsThatMergeBack() {
        byte[] body = CheckpointBuilder.cnn(8, 2048).meta(TestCheckpoints.metadata("run-i", 2)).bytes(); // fc.weight alone is 80 KiB

        ValidCheckpoint valid = validator.validate("run-i", body, MetadataDefaults.NONE);

        assertThat(valid.parts().size()).isGreaterThan(5);
        assertThat(valid.parts()).allSatisfy(p -> assertThat(p.length).isLessThanOrEqualTo(16 * 1024));
        List<SafeTensors> parts = valid.parts().stream().map(SafeTensors::read).toList();
        assertThat(parts).allSatisfy(p -> assertThat(p.metadata()).containsEntry("parts", Integer.toString(parts.size())));
        SafeTensors merged = CheckpointParts.merge(parts);
        assertThat(TestCheckpoints.sameTensors(merged, SafeTensors.read(body))).isTrue();
        assertThat(merged.metadata()).isEqualTo(TestCheckpoints.metadata("run-i", 2));
    }

    @Test
    void aPartTheClientAlreadySplitIsForwardedAsIs() {
        Map<String, String> meta = TestCheckpoints.metadata("run-j", 2);
        meta.put("part", "1");
        meta.put("parts", "3");
        byte[] body = CheckpointBuilder.cnn(9, 32).meta(meta).bytes();

        ValidCheckpoint valid = validator.validate("run-j", body, MetadataDefaults.NONE);

        assertThat(valid.parts()).containsExactly(body);
        assertThat(valid.metadata().part()).isEqualTo(1);
    }

    /** Issue 21: what would only fail when streams merges the parts is refused at the door, with the reason. */
    @Test
    void aSplitPartsNumbersAndChunkNamesAreCheckedStrictly() {
        Map<String, String> meta = TestCheckpoints.metadata("run-k", 2);
        meta.put("part", " 1");
        meta.put("parts", "3");
        byte[] spaced = CheckpointBuilder.cnn(9, 32).meta(meta).bytes();
        assertRejected(() -> validator.validate("run-k", spaced, MetadataDefaults.NONE), RejectReason.INVALID_METADATA,
                "metadata 'part' must be a plain decimal integer, was ' 1'");

        meta.put("part", "1");
        byte[] badChunk = new SafeTensorsWriter().metadata(meta)
                .tensor("fc.weight#chunk=1", DType.F32, new long[] {2, 2}, new double[4]).toBytes();
        assertRejected(() -> validator.validate("run-k", badChunk, MetadataDefaults.NONE), RejectReason.MALFORMED_SAFETENSORS,
                "tensor 'fc.weight#chunk=1': a chunk is named NAME#chunk=I/N");
        byte[] goodChunk = new SafeTensorsWriter().metadata(meta)
                .tensor("fc.weight#chunk=1/3", DType.F32, new long[] {2, 2}, new double[4]).toBytes();
        assertThat(validator.validate("run-k", goodChunk, MetadataDefaults.NONE).parts()).containsExactly(goodChunk);

        byte[] unsplit = new SafeTensorsWriter().metadata(TestCheckpoints.metadata("run-k", 3))
                .tensor("fc.weight#chunk=0/1", DType.F32, new long[] {2, 2}, new double[4]).toBytes();
        assertRejected(() -> validator.validate("run-k", unsplit, MetadataDefaults.NONE), RejectReason.MALFORMED_SAFETENSORS,
                "names a piece of a split checkpoint");
    }

    @Test
    void runIdsMustBeUsableAsKeys() {
        byte[] body = CheckpointBuilder.cnn(10, 32).meta(TestCheckpoints.metadata("x", 1)).bytes();
        assertRejected(() -> validator.validate(" ", body, MetadataDefaults.NONE), RejectReason.INVALID_PARAMETER, "run id is empty");
        assertRejected(() -> validator.validate("a\nb", body, MetadataDefaults.NONE), RejectReason.INVALID_PARAMETER, "control");
        assertRejected(() -> validator.validate("r".repeat(300), body, MetadataDefaults.NONE), RejectReason.INVALID_PARAMETER, "longer");
    }

    static void assertRejected(Runnable call, RejectReason reason, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(IngestRejection.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }
}
