package io.weightcast.core.auth;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The token file ({@code ingest.tokens.file}, {@code scorer.tokens.file}), JSON:
 * <pre>
 * {"tokens": [
 *   {"name": "team-a", "token": "3f9c...", "studies": ["mnist-sweep"], "runs": ["team-a-*"]},
 *   {"name": "ci", "token": "81ab..."}
 * ]}
 * </pre>
 * {@code token} is required and unique; {@code name} (default {@code file#<n>}) is what logs and answers show;
 * {@code studies} and {@code runs} make a {@link TokenScope} (absent: unrestricted). Unknown fields are errors, not
 * ignored: a misspelt {@code studies} must not silently widen a token. Error messages never quote the file's text
 * (it holds secrets), only where the problem is.
 */
public final class TokenFile {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TokenFile() {
    }

    /** The file's layout for Jackson. */
    record Document(List<Entry> tokens) {
    }

    /** One token of the file. */
    record Entry(String name, String token, List<String> studies, List<String> runs) {
    }

    /** Parses the file's bytes; {@link InvalidTokenFileException} says what is wrong and where, without secrets. */
    public static BearerTokens parse(byte[] json) {
        Document doc;
        try {
            doc = STRICT.readValue(json, Document.class);
        } catch (JsonProcessingException e) {
            throw new InvalidTokenFileException(describe(e));
        } catch (IOException e) {
            throw new InvalidTokenFileException("unreadable: " + e.getClass().getSimpleName());
        }
        if (doc == null || doc.tokens() == null) {
            throw new InvalidTokenFileException("no \"tokens\" array (an empty one revokes every token of the file)");
        }
        List<BearerToken> out = new ArrayList<>();
        Set<String> secrets = new HashSet<>();
        for (int i = 0; i < doc.tokens().size(); i++) {
            Entry e = doc.tokens().get(i);
            String at = "tokens[" + i + "]";
            if (e == null || e.token() == null || e.token().isBlank() || !e.token().strip().equals(e.token())) {
                throw new InvalidTokenFileException(at + ": \"token\" must be a non-empty string without surrounding spaces");
            }
            if (e.token().contains(",")) {
                throw new InvalidTokenFileException(at + ": \"token\" must not contain a comma");
            }
            if (!secrets.add(e.token())) {
                throw new InvalidTokenFileException(at + ": the same token appears twice (which scope would it have?)");
            }
            String name = e.name() == null || e.name().isBlank() ? "file#" + (i + 1) : e.name().strip();
            out.add(new BearerToken(name, e.token(), new TokenScope(list(e.studies(), at + ".studies"), list(e.runs(), at + ".runs"))));
        }
        return new BearerTokens(out);
    }

    private static List<String> list(List<String> values, String at) {
        if (values == null) {
            return List.of();
        }
        if (values.isEmpty()) {
            // an empty list reads like "nothing" but would mean "anything": refuse it rather than guess
            throw new InvalidTokenFileException(at + " is empty: leave it out for no restriction");
        }
        for (String v : values) {
            if (v == null || v.isBlank()) {
                throw new InvalidTokenFileException(at + " holds an empty (or null) entry");
            }
            if (v.indexOf('*') >= 0 && v.indexOf('*') != v.length() - 1) {
                throw new InvalidTokenFileException(at + ": '*' may only end a run-id prefix");
            }
        }
        return values.stream().map(String::strip).toList();
    }

    /** Where the problem is, never the text around it (a malformed token would be quoted by Jackson's message). */
    private static String describe(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonParseException p && p.getLocation() != null) {
                return "not valid JSON at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr();
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field at " + where(u) + " (known: name, token, studies, runs)";
        }
        if (e instanceof JsonMappingException m) {
            return "unexpected value at " + where(m) + " (expected {\"tokens\": [{\"token\": \"...\", \"name\": \"...\", "
                    + "\"studies\": [...], \"runs\": [...]}]})";
        }
        return "not valid JSON";
    }

    private static String where(JsonMappingException e) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            } else if (r.getFieldName() != null && (r.getFieldName().equals("tokens") || s.length() > 0)) {
                s.append(s.length() == 0 ? "" : ".").append(r.getFieldName());
            }
        }
        return s.length() == 0 ? "the top level" : s.toString();
    }
}
