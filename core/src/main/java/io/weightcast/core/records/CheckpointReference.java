package io.weightcast.core.records;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A claim check (design §10): the checkpoint's safetensors file lies in a shared store and the Kafka record carries
 * where ({@code ref_uri}: {@code file:///dir/...} or {@code s3://bucket/key}), its size in bytes ({@code ref_bytes}) and
 * its SHA-256 ({@code ref_sha256}, 64 lowercase hex digits). On the wire a reference record is still a safetensors file:
 * one with no tensors, whose {@code __metadata__} is the checkpoint's (run id, step, metrics...) plus these three keys,
 * so every consumer decodes it like any checkpoint record and one that does not know references sees no tensors rather
 * than wrong ones. A reference is never split ({@code parts} absent or 1).
 *
 * <p>A <em>sharded</em> reference names a Hugging Face sharded checkpoint: {@code ref_uri} is its
 * {@code *.index.json} (the {@code weight_map} of tensor → shard file), {@code ref_bytes}/{@code ref_sha256} are the
 * index's, and {@code ref_shards} lists every shard the index names, each with its size and SHA-256:
 * {@code [{"file":"model-00001-of-00002.safetensors","bytes":4998,"sha256":"…"},…]}. Shard files are plain names in
 * the index's directory. A URI ending in {@code .index.json} needs {@code ref_shards}, and {@code ref_shards} needs such
 * a URI.
 */
public record CheckpointReference(URI uri, long bytes, String sha256, List<Shard> shards) {
    public static final String URI_KEY = "ref_uri";
    public static final String BYTES_KEY = "ref_bytes";
    public static final String SHA256_KEY = "ref_sha256";
    public static final String SHARDS_KEY = "ref_shards";
    /** The suffix of a sharded checkpoint's index ({@code model.safetensors.index.json}). */
    public static final String INDEX_SUFFIX = ".index.json";
    /** More shards than any real checkpoint has (a 1T-parameter BF16 model in 5 GB shards: 400). */
    public static final int MAX_SHARDS = 10_000;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_.-]");
    private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One shard of a sharded checkpoint: its file name in the index's directory, its size and its SHA-256. */
    public record Shard(String file, long bytes, String sha256) {
        public Shard {
            if (!plainFileName(file)) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': shard file '" + file + "' is not a plain file name "
                        + "(no '/', '\\', '.', '..'): shards lie in the index's directory");
            }
            if (bytes <= 0) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': shard " + file + " has bytes " + bytes + ", must be positive");
            }
            if (sha256 == null || !SHA256.matcher(sha256).matches()) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': shard " + file + " sha256 must be 64 lowercase hex digits, "
                        + "was '" + sha256 + "'");
            }
        }
    }

    /** A reference to one safetensors file. */
    public CheckpointReference(URI uri, long bytes, String sha256) {
        this(uri, bytes, sha256, List.of());
    }

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
        shards = List.copyOf(shards);
        boolean index = isIndex(uri);
        if (index && shards.isEmpty()) {
            throw new MalformedRecordException("metadata '" + URI_KEY + "' names a sharded checkpoint's index (" + uri + "), which needs '"
                    + SHARDS_KEY + "': every shard's file, bytes and sha256");
        }
        if (!index && !shards.isEmpty()) {
            throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' is only for a reference to a sharded checkpoint's index ('"
                    + URI_KEY + "' ending in " + INDEX_SUFFIX + "), not " + uri);
        }
        if (shards.size() > MAX_SHARDS) {
            throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' lists " + shards.size() + " shards, more than " + MAX_SHARDS);
        }
        Set<String> files = new HashSet<>();
        for (Shard s : shards) {
            if (!files.add(s.file())) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' lists shard " + s.file() + " twice");
            }
        }
    }

    /** True for a reference to a sharded checkpoint's index. */
    public boolean sharded() {
        return !shards.isEmpty();
    }

    /** The bytes a reader reads and hashes: the file, or the index and every shard. */
    public long totalBytes() {
        long total = bytes;
        for (Shard s : shards) {
            total += s.bytes();
        }
        return total;
    }

    /**
     * The reference a checkpoint record's metadata carries; empty for an inline checkpoint. Refuses a record with only
     * some of the three keys, invalid values, a malformed {@code ref_shards}, or split-part numbers.
     */
    public static Optional<CheckpointReference> of(Map<String, String> meta) {
        String uri = meta.get(URI_KEY);
        String bytes = meta.get(BYTES_KEY);
        String sha = meta.get(SHA256_KEY);
        String shards = meta.get(SHARDS_KEY);
        if (uri == null && bytes == null && sha == null) {
            if (shards != null) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' without '" + URI_KEY + "', '" + BYTES_KEY + "', '"
                        + SHA256_KEY + "' (the index's)");
            }
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
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new MalformedRecordException("metadata '" + URI_KEY + "' is not a URI: " + e.getMessage());
        }
        return Optional.of(new CheckpointReference(parsed, size, sha, shards == null ? List.of() : parseShards(shards)));
    }

    /**
     * {@code ref_shards}: a JSON array of objects with exactly {@code file} (a plain file name), {@code bytes} (a positive
     * integer) and {@code sha256} (64 lowercase hex digits), no file twice.
     */
    public static List<Shard> parseShards(String json) {
        JsonNode root;
        try {
            root = STRICT.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' must be a non-empty JSON array of "
                    + "{\"file\", \"bytes\", \"sha256\"} objects");
        }
        if (root.size() > MAX_SHARDS) {
            throw new MalformedRecordException("metadata '" + SHARDS_KEY + "' lists " + root.size() + " shards, more than " + MAX_SHARDS);
        }
        List<Shard> out = new ArrayList<>();
        for (JsonNode s : root) {
            if (!s.isObject()) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': entry " + out.size() + " is not an object");
            }
            for (Iterator<String> names = s.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("file") && !name.equals("bytes") && !name.equals("sha256")) {
                    throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': entry " + out.size() + " has unknown key '" + name
                            + "' (only file, bytes, sha256)");
                }
            }
            JsonNode file = s.get("file");
            JsonNode bytes = s.get("bytes");
            JsonNode sha = s.get("sha256");
            if (file == null || !file.isTextual() || bytes == null || !bytes.isIntegralNumber() || !bytes.canConvertToLong()
                    || sha == null || !sha.isTextual()) {
                throw new MalformedRecordException("metadata '" + SHARDS_KEY + "': entry " + out.size() + " needs \"file\" (a string), "
                        + "\"bytes\" (an integer) and \"sha256\" (a string), was " + s);
            }
            out.add(new Shard(file.asText(), bytes.asLong(), sha.asText()));
        }
        return out;
    }

    /** The checkpoint's own metadata: {@code meta} without the reference keys. */
    public static Map<String, String> strip(Map<String, String> meta) {
        Map<String, String> out = new LinkedHashMap<>(meta);
        out.remove(URI_KEY);
        out.remove(BYTES_KEY);
        out.remove(SHA256_KEY);
        out.remove(SHARDS_KEY);
        return out;
    }

    /** {@code ref_shards} as a producer writes it (compact JSON, in this order). */
    public String shardsJson() {
        ArrayNode array = STRICT.createArrayNode();
        for (Shard s : shards) {
            array.addObject().put("file", s.file()).put("bytes", s.bytes()).put("sha256", s.sha256());
        }
        return array.toString();
    }

    /** The record a producer sends instead of the checkpoint: no tensors, its metadata plus this reference. */
    public byte[] record(Map<String, String> checkpointMetadata) {
        Map<String, String> meta = strip(checkpointMetadata);
        meta.put(URI_KEY, uri.toString());
        meta.put(BYTES_KEY, Long.toString(bytes));
        meta.put(SHA256_KEY, sha256);
        if (sharded()) {
            meta.put(SHARDS_KEY, shardsJson());
        }
        return new SafeTensorsWriter().metadata(meta).toBytes();
    }

    /**
     * Where producers store a checkpoint, relative to the store's root: {@code runs/<run>/<step>-<sha256>.safetensors},
     * the run id reduced to {@code [A-Za-z0-9_.-]} (a plain file name; the content hash keeps names of different files
     * apart), so a retry of the same checkpoint writes the same object. The Python client names them alike.
     */
    public static String objectKey(String runId, long step, String sha256) {
        return "runs/" + safeRun(runId) + "/" + step + "-" + sha256 + ".safetensors";
    }

    /**
     * The directory producers store a sharded checkpoint in, relative to the store's root:
     * {@code runs/<run>/<step>-<digest>/}, where {@code digest} is {@link #shardsDigest} of its shards (the index and
     * the shard files go in it under their own names). The Python client names them alike.
     */
    public static String shardedDirectory(String runId, long step, String digest) {
        return "runs/" + safeRun(runId) + "/" + step + "-" + digest + "/";
    }

    /**
     * SHA-256 (hex) of the text {@code "<file> <sha256>\n"} per shard, in file-name order: names a sharded checkpoint's
     * directory by its content, so a retry writes the same objects and another checkpoint of the same step does not.
     */
    public static String shardsDigest(List<Shard> shards) {
        StringBuilder text = new StringBuilder();
        shards.stream().sorted(Comparator.comparing(Shard::file))
                .forEach(s -> text.append(s.file()).append(' ').append(s.sha256()).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** True for a URI whose path ends in {@code .index.json}. */
    public static boolean isIndex(URI uri) {
        String path = uri.getPath();
        return path != null && path.endsWith(INDEX_SUFFIX);
    }

    /** A name that stays in its directory: not empty, not {@code .} or {@code ..}, no {@code /}, {@code \} or NUL. */
    public static boolean plainFileName(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    private static String safeRun(String runId) {
        String run = UNSAFE.matcher(runId).replaceAll("_");
        if (run.startsWith(".")) {
            run = "_" + run.substring(1); // never "." or ".."
        }
        return run;
    }
}
