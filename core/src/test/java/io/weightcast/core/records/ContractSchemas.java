package io.weightcast.core.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.CustomDefinition;
import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.generator.naming.CleanSchemaDefinitionNamingStrategy;
import com.github.victools.jsonschema.generator.naming.DefaultSchemaDefinitionNamingStrategy;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Generates the JSON Schema (draft 2020-12) of every topic's records from the record classes, with
 * victools' jsonschema-generator and its Jackson module, in the wire mapping of {@link Json} (snake_case,
 * nulls written, NaN and infinities written as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}).
 * The committed copies live in {@code docs/contract/<topic>.schema.json}; {@code ContractSchemasTest} fails when
 * they differ from what this generates, and rewrites them when run with {@code -Dweightcast.contract.write=true}:
 * <pre>mvn -B -ntp -q -pl core -am test -Dtest=ContractSchemasTest -Dsurefire.failIfNoSpecifiedTests=false -Dweightcast.contract.write=true</pre>
 * and then {@code python3 docs/contract/sync-openapi.py} for the copies in the OpenAPI documents of ingest and scorer.
 *
 * <p>A field is required when it is a primitive (our producers always write it; nullable reference fields are
 * written as {@code null}), except where the contract says more (a run event's {@code type}). Unknown fields are
 * allowed everywhere: consumers ignore them, so producers may add fields.
 */
public final class ContractSchemas {
    /** The command that rewrites the committed schemas (the test's failure message names it). */
    public static final String REGENERATE = "mvn -B -ntp -q -pl core -am test -Dtest=ContractSchemasTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dweightcast.contract.write=true";
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
    private static final Set<Class<?>> FLOATS = Set.of(double.class, Double.class, float.class, Float.class);

    /** One topic's value type and what the schema says about it. */
    public record TopicSchema(String topic, Class<?> type, String description) {
        public String fileName() {
            return topic + ".schema.json";
        }
    }

    /** Every topic whose values are JSON, and the checkpoints' safetensors {@code __metadata__}. */
    public static final List<TopicSchema> TOPICS = List.of(
            new TopicSchema("checkpoints.metadata", CheckpointMetadata.class, "The __metadata__ object of a checkpoint's "
                    + "safetensors header on the checkpoints topic (key: run id). Safetensors metadata maps strings to "
                    + "strings: numbers are written as decimal strings, metrics and hparams as JSON objects in a string. A reference "
                    + "record (claim check, for checkpoints in a shared store) has no tensors and carries ref_uri, ref_bytes and "
                    + "ref_sha256: the stored file's URI, size and SHA-256 (of a sharded checkpoint: of its index, plus ref_shards)."),
            new TopicSchema("runs", RunEvent.class, "A value of the runs topic (key: run id): a started, metrics or "
                    + "finished run event."),
            new TopicSchema("features", FeatureVector.class, "A value of the features topic (key: run id): one "
                    + "checkpoint's fixed-size feature vector with its layout version and weight-health facts."),
            new TopicSchema("spectra", SpectralSummary.class, "A value of the spectra topic (key: run id): the spectra "
                    + "of a checkpoint too large to get them on the features path."),
            new TopicSchema("scores", Score.class, "A value of the scores topic (key: run id): one checkpoint's predicted "
                    + "final accuracy with its intervals; predicted_final_accuracy, interval and model_version are null "
                    + "before any model exists, and note says why."),
            new TopicSchema("alerts", Alert.class, "A value of the alerts topic (key: run id). kind is one of "
                    + "EARLY_STOP_CANDIDATE, DYING_RELU, NONFINITE_WEIGHTS, SPECTRAL_COLLAPSE (more may come)."),
            new TopicSchema("models", ModelVersion.class, "A value of the compacted models topic (key: model name): "
                    + "one model version the trainer published."),
            new TopicSchema("encoders", EncoderVersion.class, "A value of the compacted encoders topic (key: "
                    + "weight-encoder): one trained weight encoder, base64."),
            new TopicSchema("dead-letters", DeadLetter.class, "A value of the dead-letters topic: what could not be "
                    + "processed, why, and where it came from; the original value travels base64."));

    private ContractSchemas() {
    }

    /** The schema of each topic, by file name, in {@link #TOPICS} order, as the committed files hold them. */
    public static Map<String, String> generate() {
        Map<String, String> files = new LinkedHashMap<>();
        for (TopicSchema t : TOPICS) {
            ObjectNode schema = generator(t.type() == CheckpointMetadata.class).generateSchema(t.type());
            ObjectNode ordered = Json.MAPPER.createObjectNode();
            ordered.set("$schema", schema.remove("$schema"));
            ordered.put("title", t.topic());
            ordered.put("description", t.description());
            ordered.setAll(schema);
            if (t.type() == CheckpointMetadata.class) {
                withReferenceKeys((ObjectNode) ordered.get("properties"));
                ordered.putObject("additionalProperties").put("type", "string");
            }
            files.put(t.fileName(), pretty(ordered));
        }
        return files;
    }

    /**
     * A reference record's {@code ref_uri}, {@code ref_bytes}, {@code ref_sha256} ({@link CheckpointReference}) among the
     * metadata's properties, all in name order.
     */
    private static void withReferenceKeys(ObjectNode properties) {
        ObjectNode reference = generator(true).generateSchema(CheckpointReference.class);
        Map<String, JsonNode> all = new java.util.TreeMap<>();
        properties.fields().forEachRemaining(e -> all.put(e.getKey(), e.getValue()));
        reference.get("properties").fields().forEachRemaining(e -> all.put("ref_" + e.getKey(), e.getValue()));
        ((ObjectNode) all.get("ref_sha256")).put("pattern", "^[0-9a-f]{64}$");
        ((ObjectNode) all.get("ref_uri")).put("pattern", "^(file|s3)://");
        ObjectNode shards = Json.MAPPER.createObjectNode().put("type", "string").put("pattern", "^\\s*\\[")
                .put("description", "a sharded checkpoint (ref_uri names its *.index.json): a JSON array with one "
                        + "{\"file\": plain file name in the index's directory, \"bytes\": integer, \"sha256\": 64 lowercase hex} "
                        + "per shard the index's weight_map names, no other");
        all.put("ref_shards", shards);
        properties.removeAll();
        all.forEach(properties::set);
    }

    /** Writes every schema into {@code dir} (created when missing); returns the files written. */
    public static List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : generate().entrySet()) {
            written.add(Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8));
        }
        return written;
    }

    /** {@code java ... ContractSchemas [DIR]}: writes the schemas to DIR (default {@code docs/contract}). */
    public static void main(String[] args) throws IOException {
        for (Path p : write(Path.of(args.length > 0 ? args[0] : "docs/contract"))) {
            System.out.println("wrote " + p);
        }
    }

    private static SchemaGenerator generator(boolean safetensorsMetadata) {
        SchemaGeneratorConfigBuilder b = new SchemaGeneratorConfigBuilder(Json.MAPPER, SchemaVersion.DRAFT_2020_12,
                OptionPreset.PLAIN_JSON)
                .with(new JacksonModule())
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES)
                .with(Option.NULLABLE_FIELDS_BY_DEFAULT);
        b.forTypesInGeneral().withDefinitionNamingStrategy(new CleanSchemaDefinitionNamingStrategy(
                new DefaultSchemaDefinitionNamingStrategy(), name -> name.replaceAll("[^A-Za-z0-9_-]", "")));
        // Json.MAPPER's global snake_case (the Jackson module sees only annotations, which come first: RunEvent's "final")
        b.forFields().withPropertyNameOverrideResolver(f -> SNAKE.translate(f.getDeclaredName()));
        if (safetensorsMetadata) {
            metadataAsStrings(b);
            return new SchemaGenerator(b.build());
        }
        b.forFields().withRequiredCheck(f -> f.getType().getErasedType().isPrimitive() || alwaysWritten(f));
        b.forFields().withNullableCheck(f -> f.getType().getErasedType().isPrimitive() || alwaysWritten(f) ? false : null);
        b.forFields().withEnumResolver(f -> f.getDeclaringType().getErasedType() == RunEvent.class
                && "type".equals(f.getDeclaredName()) ? List.of(RunEvent.STARTED, RunEvent.METRICS, RunEvent.FINISHED) : null);
        // Jackson writes non-finite doubles as strings (JsonWriteFeature.WRITE_NAN_AS_STRINGS)
        b.forTypesInGeneral().withCustomDefinitionProvider((type, context) -> {
            if (!FLOATS.contains(type.getErasedType())) {
                return null;
            }
            ObjectNode def = context.getGeneratorConfig().createObjectNode();
            def.putArray("anyOf").add(Json.MAPPER.createObjectNode().put("type", "number"))
                    .add(Json.MAPPER.createObjectNode().set("enum",
                            Json.MAPPER.createArrayNode().add("NaN").add("Infinity").add("-Infinity")));
            return new CustomDefinition(def, CustomDefinition.DefinitionType.INLINE, CustomDefinition.AttributeInclusion.YES);
        });
        return new SchemaGenerator(b.build());
    }

    /** Safetensors metadata is string → string: every field a string, numbers as decimal strings, objects as JSON text. */
    private static void metadataAsStrings(SchemaGeneratorConfigBuilder b) {
        b.forFields().withTargetTypeOverridesResolver(f -> List.of(f.getContext().resolve(String.class)));
        b.forFields().withNullableCheck(f -> false);
        b.forFields().withRequiredCheck(f -> "step".equals(f.getDeclaredName()));
        b.forFields().withStringPatternResolver(f -> integral(f) ? "^[0-9]+$" : null);
        b.forFields().withInstanceAttributeOverride((node, f, context) -> {
            if (Map.class.isAssignableFrom(f.getDeclaredType().getErasedType())) {
                node.put("contentMediaType", "application/json");
            }
        });
    }

    /** A run event's type; the run id of what Weightcast writes (a run event may leave it to the record key). */
    private static boolean alwaysWritten(FieldScope f) {
        Class<?> record = f.getDeclaringType().getErasedType();
        return record == RunEvent.class ? "type".equals(f.getDeclaredName())
                : "runId".equals(f.getDeclaredName()) && record != DeadLetter.class;
    }

    private static boolean integral(FieldScope f) {
        Class<?> t = f.getDeclaredType().getErasedType();
        return t == int.class || t == long.class || t == Integer.class || t == Long.class;
    }

    private static String pretty(JsonNode node) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
