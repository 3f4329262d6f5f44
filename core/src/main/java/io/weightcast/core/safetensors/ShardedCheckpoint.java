package io.weightcast.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face sharded checkpoint, {@code model.safetensors.index.json}
 * ({@code {"metadata":{...},"weight_map":{"tensor":"model-00001-of-00002.safetensors",...}}}), opened as one
 * {@link SafeTensors} over its memory-mapped shards. Shards are files in the index's directory (a name with a path
 * separator or {@code ..} is refused, so an index cannot reach outside it); a missing shard, or a tensor the index
 * puts in a shard that does not hold it, is a {@link SafeTensorsFormatException} naming both.
 *
 * <p>Tensor order: the index's in {@link SafeTensors#tensors()}; in {@link SafeTensors#tensorsByOffset()} shard after
 * shard (by file name, which numbers them) and each shard's byte order, i.e. the writer's state_dict order. Metadata:
 * the shards' {@code __metadata__} (the first shard's value wins), then the index's {@code metadata} (numbers as text).
 */
public final class ShardedCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ShardedCheckpoint.class);
    private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** An index is JSON of names, a few MB for the largest models; anything far above is not one. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private ShardedCheckpoint() {
    }

    /** The shard files an index names (in its directory; nothing opened), e.g. to analyse a directory's sharded checkpoint once. */
    public static List<Path> shardFiles(Path index) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        readIndex(index, weightMap, new LinkedHashMap<>());
        Path dir = index.toAbsolutePath().getParent();
        Map<String, String> shards = new TreeMap<>();
        weightMap.forEach((tensor, shard) -> shards.putIfAbsent(shard, tensor));
        List<Path> out = new ArrayList<>();
        shards.forEach((shard, tensor) -> out.add(dir.resolve(shardName(index, shard, tensor))));
        return out;
    }

    /**
     * The distinct shard names an index's {@code weight_map} holds, sorted, as written (not checked: a caller that must
     * keep shards inside a directory checks them itself, e.g. a claim-check store before it reads any).
     */
    public static List<String> shardNames(Path index) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        readIndex(index, weightMap, new LinkedHashMap<>());
        return weightMap.values().stream().distinct().sorted().toList();
    }

    public static boolean isIndex(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().endsWith(".index.json");
    }

    public static SafeTensors open(Path index) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, String> indexMetadata = new LinkedHashMap<>();
        readIndex(index, weightMap, indexMetadata);
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafeTensors> shards = new TreeMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            String shard = e.getValue();
            if (!shards.containsKey(shard)) {
                shards.put(shard, openShard(index, dir, shard, e.getKey()));
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        shards.values().forEach(s -> s.metadata().forEach(metadata::putIfAbsent));
        metadata.putAll(indexMetadata);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, SafeTensors> owner = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            SafeTensors shard = shards.get(e.getValue());
            TensorInfo t = shard.find(e.getKey());
            if (t == null) {
                throw new SafeTensorsFormatException("tensor '" + e.getKey() + "' is listed in " + index.getFileName()
                        + " as in shard " + e.getValue() + ", which does not hold it");
            }
            tensors.put(t.name(), t);
            owner.put(t.name(), shard);
        }
        List<TensorInfo> byOffset = new ArrayList<>();
        long size = 0;
        for (Map.Entry<String, SafeTensors> s : shards.entrySet()) {
            for (TensorInfo t : s.getValue().tensorsByOffset()) {
                if (owner.get(t.name()) == s.getValue()) {
                    byOffset.add(t);
                } else {
                    LOG.warn("{}: tensor '{}' of shard {} is not in the index's weight_map; left out", index, t.name(), s.getKey());
                }
            }
            size += s.getValue().dataBytes();
        }
        return new SafeTensors(metadata, tensors, byOffset, new ShardData(owner, size));
    }

    private static void readIndex(Path index, Map<String, String> weightMap, Map<String, String> metadata) throws IOException {
        if (Files.size(index) > MAX_INDEX_BYTES) {
            throw new SafeTensorsFormatException(index + ": " + Files.size(index) + " bytes, too large for a sharded checkpoint's index");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(index + " is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new SafeTensorsFormatException(index + " has no \"weight_map\" object of tensor names to shard files");
        }
        map.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new SafeTensorsFormatException(index + ": shard of tensor '" + e.getKey() + "' is not a file name");
            }
            weightMap.put(e.getKey(), e.getValue().asText());
        });
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) {
            meta.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        }
    }

    /** A plain file name only: "../x", "/etc/x", "a/b" and "a\\b" could reach outside the checkpoint's directory. */
    private static String shardName(Path index, String shard, String firstTensor) {
        if (shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.indexOf('/') >= 0 || shard.indexOf('\\') >= 0
                || shard.indexOf('\0') >= 0) {
            throw new SafeTensorsFormatException(index.getFileName() + ": shard '" + shard + "' (of tensor '" + firstTensor
                    + "') is not a file name in the index's directory");
        }
        return shard;
    }

    private static SafeTensors openShard(Path index, Path dir, String shard, String firstTensor) throws IOException {
        Path file = dir.resolve(shardName(index, shard, firstTensor));
        try {
            return SafeTensorsReader.open(file);
        } catch (NoSuchFileException e) {
            throw new SafeTensorsFormatException("shard " + shard + " listed in " + index.getFileName() + " (tensor '" + firstTensor
                    + "') is missing from " + dir);
        } catch (SafeTensorsFormatException e) {
            throw new SafeTensorsFormatException("shard " + shard + ": " + e.getMessage(), e);
        }
    }

    /** Each tensor's bytes from the shard that holds it. */
    private record ShardData(Map<String, SafeTensors> owner, long size) implements TensorData {
        @Override
        public ByteBuffer bytes(TensorInfo t) {
            SafeTensors shard = owner.get(t.name());
            if (shard == null) {
                throw new IllegalArgumentException("no tensor named '" + t.name() + "'");
            }
            return shard.bytes(t);
        }
    }
}
