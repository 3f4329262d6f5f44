package io.weightcast.ingest;

import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.CheckpointReference;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.safetensors.CheckpointParts;
import io.weightcast.core.safetensors.ChunkName;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.store.ClaimChecks;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.regex.Pattern;

/**
 * Turns an uploaded safetensors file into the records to produce (pure: no I/O), or refuses it with
 * a precise reason. Checks, in order: size, the header's caps ({@link HeaderLimits}, before it is parsed), the
 * safetensors structure, run id agreement, the merged metadata, a split part's numbers and chunk names, at least one
 * floating-point tensor. Rewrites the header only when metadata was added (otherwise the client's bytes go through
 * untouched) and splits files above the record limit (§4), both lazily: the parts are views of the body until built. A
 * whole checkpoint above the claim-check threshold is marked for the store instead ({@link ValidCheckpoint#stored}); a
 * reference record a client made itself (no tensors, {@code ref_*} metadata) passes with its metadata checked.
 */
public final class CheckpointValidator {
    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,8}");
    private final long maxCheckpointBytes;
    private final int maxRecordBytes;
    private final HeaderLimits headerLimits;
    private final LongPredicate byReference;

    public CheckpointValidator(long maxCheckpointBytes, int maxRecordBytes) {
        this(maxCheckpointBytes, maxRecordBytes, HeaderLimits.NONE, bytes -> false);
    }

    /** @param byReference whether a checkpoint of that many bytes goes to the claim-check store ({@link ClaimChecks#claims}) */
    CheckpointValidator(long maxCheckpointBytes, int maxRecordBytes, HeaderLimits headerLimits, LongPredicate byReference) {
        this.maxCheckpointBytes = maxCheckpointBytes;
        this.maxRecordBytes = maxRecordBytes;
        this.headerLimits = headerLimits;
        this.byReference = byReference;
    }

    public ValidCheckpoint validate(String runId, byte[] body, MetadataDefaults defaults) {
        RunIds.require(runId);
        if (body.length > maxCheckpointBytes) {
            throw tooLarge(body.length);
        }
        headerLimits.check(body); // before the header becomes a tree
        SafeTensors file = parse(body);
        String fileRunId = file.metadata().get("run_id");
        if (fileRunId != null && !fileRunId.equals(runId)) {
            throw new IngestRejection(RejectReason.RUN_ID_MISMATCH,
                    "metadata run_id '" + fileRunId + "' differs from run '" + runId + "' in the path");
        }
        Map<String, String> merged = defaults.applyTo(runId, file.metadata());
        CheckpointMetadata metadata = parseMetadata(merged, runId);
        Optional<CheckpointReference> ref = reference(merged);
        if (ref.isPresent()) {
            // a client's own claim check: streams reads (and verifies) the file, only inside its read roots
            if (file.size() > 0) {
                throw new IngestRejection(RejectReason.MALFORMED_SAFETENSORS, "a reference record (" + CheckpointReference.URI_KEY
                        + ") carries no tensors; this one has " + file.size());
            }
            return ValidCheckpoint.asIs(metadata, merged.equals(file.metadata()) ? body : ref.get().record(merged));
        }
        requirePartNames(file, merged, metadata);
        requireFloatTensor(file);
        if (metadata.parts() == 1 && byReference.test(body.length)) {
            return ValidCheckpoint.toStore(metadata, merged, body); // the body as uploaded; the reference carries the merged metadata
        }
        if (merged.equals(file.metadata()) && body.length <= maxRecordBytes) {
            return ValidCheckpoint.asIs(metadata, body); // the client's bytes, untouched
        }
        return ValidCheckpoint.planned(metadata, plan(file, merged, metadata));
    }

    public IngestRejection tooLarge(long bytes) {
        return new IngestRejection(RejectReason.TOO_LARGE,
                "checkpoint of " + bytes + " bytes exceeds the limit of " + maxCheckpointBytes + " bytes");
    }

    private static SafeTensors parse(byte[] body) {
        try {
            return SafeTensors.read(body);
        } catch (SafeTensorsFormatException e) {
            throw new IngestRejection(RejectReason.MALFORMED_SAFETENSORS, "malformed safetensors: " + e.getMessage());
        }
    }

    private static CheckpointMetadata parseMetadata(Map<String, String> merged, String runId) {
        try {
            return CheckpointMetadata.parse(merged, runId);
        } catch (MalformedRecordException e) {
            String hint = merged.containsKey("step") ? "" : " (give ?step= or a 'step' metadata entry)";
            throw new IngestRejection(RejectReason.INVALID_METADATA, e.getMessage() + hint);
        }
    }

    private static Optional<CheckpointReference> reference(Map<String, String> merged) {
        try {
            return CheckpointReference.of(merged);
        } catch (MalformedRecordException e) {
            throw new IngestRejection(RejectReason.INVALID_METADATA, e.getMessage());
        }
    }

    /**
     * A part of a checkpoint the client split: {@code part}/{@code parts} in plain decimal, and chunk names
     * ({@link ChunkName}) that parse; anything else would only fail later, in streams, when the parts are merged.
     * An unsplit file may not use the reserved chunk suffix at all.
     */
    private static void requirePartNames(SafeTensors file, Map<String, String> merged, CheckpointMetadata metadata) {
        for (String key : List.of("part", "parts")) {
            String v = merged.get(key);
            if (v != null && !DECIMAL.matcher(v).matches()) {
                throw new IngestRejection(RejectReason.INVALID_METADATA, "metadata '" + key + "' must be a plain decimal integer, was '"
                        + v + "'");
            }
        }
        for (TensorInfo t : file.tensors()) {
            try {
                if (ChunkName.of(t.name()).isPresent() && metadata.parts() == 1) {
                    throw new IngestRejection(RejectReason.MALFORMED_SAFETENSORS, "tensor '" + t.name()
                            + "': the '#chunk=' suffix names a piece of a split checkpoint (metadata 'parts' > 1)");
                }
            } catch (SafeTensorsFormatException e) {
                throw new IngestRejection(RejectReason.MALFORMED_SAFETENSORS, "malformed safetensors: " + e.getMessage());
            }
        }
    }

    private static void requireFloatTensor(SafeTensors file) {
        for (TensorInfo t : file.tensors()) {
            if (t.dtype().isFloatingPoint()) {
                return;
            }
        }
        throw new IngestRejection(RejectReason.NO_FLOAT_TENSOR, "no floating-point tensor (F64, F32, F16, BF16, F8_E4M3, F8_E5M2) among the "
                + file.size() + " tensors");
    }

    /**
     * New header (when metadata was added) and parts (when above the record limit), as views of the body: nothing is
     * copied until a part is built. A part the client split already is never re-split (that would renumber its parts).
     */
    private CheckpointParts.Plan plan(SafeTensors file, Map<String, String> merged, CheckpointMetadata metadata) {
        if (metadata.parts() > 1) {
            CheckpointParts.Plan whole = CheckpointParts.plan(file, merged, Integer.MAX_VALUE);
            if (whole.size(0) > maxRecordBytes) {
                throw new IngestRejection(RejectReason.TOO_LARGE, "checkpoint part " + metadata.part() + "/" + metadata.parts()
                        + " has " + whole.size(0) + " bytes, above the record limit of " + maxRecordBytes);
            }
            return whole;
        }
        return CheckpointParts.plan(file, merged, maxRecordBytes);
    }
}
