package io.weightcast.core.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Validates records against the committed schemas of {@code docs/contract} (networknt's json-schema-validator,
 * draft 2020-12), in two strengths: as published (unknown fields allowed, so producers may add fields), and
 * strict, where every object a schema describes must hold only the fields it declares, so a field the code
 * writes and the schema lacks is found.
 */
public final class ContractValidator {
    private static final String SUFFIX = ".schema.json";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final Map<String, Schema> published = new java.util.HashMap<>();
    private final Map<String, Schema> strict = new java.util.HashMap<>();

    /** Reads every {@code <topic>.schema.json} of {@code dir} (needs no schema generator on the classpath). */
    public static ContractValidator of(Path dir) {
        ContractValidator v = new ContractValidator();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                String topic = file.getFileName().toString().substring(0, file.getFileName().toString().length() - SUFFIX.length());
                JsonNode schema = Json.MAPPER.readTree(Files.readString(file));
                v.published.put(topic, REGISTRY.getSchema(schema));
                v.strict.put(topic, REGISTRY.getSchema(closed(schema.deepCopy())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return v;
    }

    /** The repository's {@code docs/contract} (surefire sets {@code weightcast.projectRoot}). */
    public static Path committedDir() {
        return Path.of(System.getProperty("weightcast.projectRoot", "..")).resolve("docs/contract");
    }

    /** Violations of {@code topic}'s published schema by {@code value} (JSON), as readable lines; empty when valid. */
    public List<String> errors(String topic, String value) {
        return messages(schema(published, topic).validate(value, com.networknt.schema.InputFormat.JSON));
    }

    /** As {@link #errors}, also reporting every field the schema does not declare. */
    public List<String> strictErrors(String topic, String value) {
        return messages(schema(strict, topic).validate(value, com.networknt.schema.InputFormat.JSON));
    }

    private static Schema schema(Map<String, Schema> schemas, String topic) {
        Schema s = schemas.get(topic);
        if (s == null) {
            throw new IllegalArgumentException("no schema for topic '" + topic + "'; known: " + schemas.keySet());
        }
        return s;
    }

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    /** additionalProperties false wherever an object lists its properties and says nothing about others. */
    private static JsonNode closed(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties") && !o.has("additionalProperties")) {
                o.put("additionalProperties", false);
            }
            o.forEach(ContractValidator::closed);
        } else if (node.isArray()) {
            node.forEach(ContractValidator::closed);
        }
        return node;
    }
}
