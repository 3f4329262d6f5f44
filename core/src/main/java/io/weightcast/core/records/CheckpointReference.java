package io.weightcast.core.records;

import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A claim check (design §10): the checkpoint's safetensors file lies in a shared store and the Kafka record carries
 * where ({@code ref_uri}: {@code file:///dir/...} or {@code s3://bucket/key}), its size in bytes ({@code ref_bytes}) and
 * its SHA-256 ({@code ref_sha256}, 64 lowercase hex digits). On the wire a reference record is still a safetensors file:
 * one with no tensors, whose {@code __metadata__} is the checkpoint's (run id, step, metrics...) plus these three keys,
 * so every consumer decodes it like any checkpoint record and one that does not know references sees no tensors rather
 * than wrong ones. A reference is never split ({@code parts} absent or 1).
 */
public record CheckpointReference(URI uri, long bytes, String sha256) {
    public static final String URI_KEY = "ref_uri";
    public static final String BYTES_KEY = "ref_bytes";
    public static final String SHA256_KEY = "ref_sha256";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_.-]");

    public CheckpointReference {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("file") && !scheme.equals("s3")) {
            throw new MalformedRecordException("metadata '" + URI_KEY + "' must be a file:// or s3:// URI, was '" + uri + "'");
        }
        if (bytes <= 0) {
            throw new MalformedRecordException("metadata '" + BYTES_KEY + "' must be positive, was " + bytes);
        }
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new MalformedRecordException("metadata '" + SHA256_KEY + "' must be 64 lowercase hex digits, was '" + sha256 + "'");
        }
    }

    /**
     * The reference a checkpoint record's metadata carries; empty for an inline checkpoint. Refuses a record with only
     * some of the three keys, invalid values, or split-part numbers.
     */
    public static Optional<CheckpointReference> of(Map<String, String> meta) {
        String uri = meta.get(URI_KEY);
        String bytes = meta.get(BYTES_KEY);
        String sha = meta.get(SHA256_KEY);
        if (uri == null && bytes == null && sha == null) {
            return Optional.empty();
        }
        if (uri == null || bytes == null || sha == null) {
            throw new MalformedRecordException("a checkpoint reference needs all of '" + URI_KEY + "', '" + BYTES_KEY + "', '"
                    + SHA256_KEY + "'; metadata has only some");
        }
        if (!"1".equals(meta.getOrDefault("parts", "1").strip())) {
            throw new MalformedRecordException("a checkpoint reference is never split, but metadata 'parts' is '" + meta.get("parts") + "'");
        }
        long size;
        try {
            size = Long.parseLong(bytes.strip());
        } catch (NumberFormatException e) {
            throw new MalformedRecordException("metadata '" + BYTES_KEY + "' is not an integer: '" + bytes + "'");
        }
        try {
            return Optional.of(new CheckpointReference(new URI(uri), size, sha));
        } catch (URISyntaxException e) {
            throw new MalformedRecordException("metadata '" + URI_KEY + "' is not a URI: " + e.getMessage());
        }
    }

    /** The checkpoint's own metadata: {@code meta} without the three reference keys. */
    public static Map<String, String> strip(Map<String, String> meta) {
        Map<String, String> out = new LinkedHashMap<>(meta);
        out.remove(URI_KEY);
        out.remove(BYTES_KEY);
        out.remove(SHA256_KEY);
        return out;
    }

    /** The record a producer sends instead of the checkpoint: no tensors, its metadata plus this reference. */
    public byte[] record(Map<String, String> checkpointMetadata) {
        Map<String, String> meta = strip(checkpointMetadata);
        meta.put(URI_KEY, uri.toString());
        meta.put(BYTES_KEY, Long.toString(bytes));
        meta.put(SHA256_KEY, sha256);
        return new SafeTensorsWriter().metadata(meta).toBytes();
    }

    /**
     * Where producers store a checkpoint, relative to the store's root: {@code runs/<run>/<step>-<sha256>.safetensors},
     * the run id reduced to {@code [A-Za-z0-9_.-]} (a plain file name; the content hash keeps names of different files
     * apart), so a retry of the same checkpoint writes the same object. The Python client names them alike.
     */
    public static String objectKey(String runId, long step, String sha256) {
        String run = UNSAFE.matcher(runId).replaceAll("_");
        if (run.startsWith(".")) {
            run = "_" + run.substring(1); // never "." or ".."
        }
        return "runs/" + run + "/" + step + "-" + sha256 + ".safetensors";
    }
}
