package io.weightcast.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service's OpenAPI document, read as the checks of its drift test need it: the operations it lists, the
 * {@code $ref}s that point nowhere, the routes a running server does not answer, and the contract schemas
 * (docs/contract) it embeds.
 */
public final class OpenApiDocument {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final JsonNode document;

    private OpenApiDocument(JsonNode document) {
        this.document = document;
    }

    public static OpenApiDocument parse(String json) {
        try {
            return new OpenApiDocument(Json.MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode json() {
        return document;
    }

    /** Every operation as {@code "GET /v1/runs/{run}"}, sorted: the form of {@code OpsRoutes.describe}. */
    public List<String> operations() {
        List<String> ops = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    ops.add(m.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                }
            });
        }
        Collections.sort(ops);
        return ops;
    }

    /** Each {@code $ref} to a place in this document that holds nothing. */
    public List<String> unresolvedRefs() {
        List<String> missing = new ArrayList<>();
        collectRefs(document, document, missing);
        return missing;
    }

    private static void collectRefs(JsonNode node, JsonNode base, List<String> missing) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#")
                    && base.at(ref.asText().substring(1)).isMissingNode()) {
                missing.add(ref.asText());
            }
            node.forEach(child -> collectRefs(child, base, missing));
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, base, missing));
        }
    }

    /** {@code components.schemas.name}, or a missing node. */
    public JsonNode schema(String name) {
        return document.path("components").path("schemas").path(name);
    }

    /**
     * The components a contract schema file (docs/contract) becomes in an OpenAPI document: the schema as
     * {@code name} without {@code $schema} and {@code $defs}, each of its {@code $defs} a component of its own, and
     * {@code #/$defs/X} references turned into {@code #/components/schemas/X} (where OpenAPI tools look).
     */
    public static Map<String, JsonNode> components(Path contractSchema, String name) {
        try {
            ObjectNode schema = (ObjectNode) Json.MAPPER.readTree(Files.readString(contractSchema));
            schema.remove("$schema");
            JsonNode defs = schema.remove("$defs");
            Map<String, JsonNode> components = new java.util.LinkedHashMap<>();
            components.put(name, rewriteRefs(schema));
            if (defs != null) {
                defs.fields().forEachRemaining(d -> components.put(d.getKey(), rewriteRefs(d.getValue())));
            }
            return components;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode rewriteRefs(JsonNode node) {
        if (node instanceof ObjectNode o) {
            JsonNode ref = o.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#/$defs/")) {
                o.put("$ref", "#/components/schemas/" + ref.asText().substring("#/$defs/".length()));
            }
            o.forEach(OpenApiDocument::rewriteRefs);
        } else if (node != null && node.isArray()) {
            node.forEach(OpenApiDocument::rewriteRefs);
        }
        return node;
    }

    /**
     * The operations a server on {@code port} answers as if it had no route for them: 405, or 404 where the document
     * lists no 404 for the operation (an unknown run's 404 is an answer). Each is called once with an empty body,
     * path parameters filled with {@code "r1"}; only the status line is read, so event streams do not block.
     */
    public List<String> unansweredOn(int port) {
        List<String> unanswered = new ArrayList<>();
        for (String op : operations()) {
            String method = op.substring(0, op.indexOf(' '));
            String template = op.substring(op.indexOf(' ') + 1);
            HttpRequest request = Http.request(port, template.replaceAll("\\{[^}]+}", "r1")).timeout(Duration.ofSeconds(10))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            boolean documented404 = document.path("paths").path(template).path(method.toLowerCase(java.util.Locale.ROOT))
                    .path("responses").has("404");
            try {
                HttpResponse<InputStream> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
                r.body().close();
                if (r.statusCode() == 405 || r.statusCode() == 404 && !documented404) {
                    unanswered.add(op + " -> " + r.statusCode());
                }
            } catch (IOException e) {
                unanswered.add(op + " -> " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return unanswered;
    }
}
