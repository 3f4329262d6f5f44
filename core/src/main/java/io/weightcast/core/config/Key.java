package io.weightcast.core.config;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One setting, declared once: its key, type, default, validation and one-line doc. Services read their values
 * with {@link Settings#get(Key)}; {@link KeyGroup}s list the keys for the generated configuration reference
 * (README "Configuration") and for reporting unknown keys at start.
 *
 * <p>A number, integer or boolean given as blank text counts as unset. A key without a default ({@code null}) is optional: {@link Settings#get(Key)} returns null when it is unset,
 * and {@link Settings#require(Key)} refuses it. A value that does not parse or breaks the rule fails with the key's
 * name and its environment variable, so a typo fails {@code start()} rather than a fit later.
 *
 * @param name        dotted lower-case key, e.g. {@code trainer.refit.every}
 * @param type        what the reference shows: integer, number, boolean, text, list
 * @param defaultValue the value when unset; null: unset means none
 * @param defaultText the default as the reference shows it (a derived default says how it is derived)
 * @param doc         one line: what the setting changes
 * @param rule        the validation rule as the reference and error messages say it ("" when none)
 * @param parse       text → value; throws NumberFormatException/IllegalArgumentException on bad text
 * @param check       the rule; a value it refuses fails with {@code rule} in the message
 * @param <T>         the value's type
 */
public record Key<T>(String name, String type, T defaultValue, String defaultText, String doc, String rule,
                     Function<String, T> parse, Predicate<T> check) {

    public Key {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(doc, "doc");
        if (!name.matches("[a-z][a-z0-9]*(\\.[a-z0-9]+)+")) {
            throw new InvalidSettingException("setting keys are dotted lower case, was '" + name + "'");
        }
    }

    public static Key<Integer> integer(String name, Integer defaultValue, String doc) {
        return new Key<>(name, "integer", defaultValue, text(defaultValue), doc, "", Integer::parseInt, v -> true);
    }

    public static Key<Long> longInteger(String name, Long defaultValue, String doc) {
        return new Key<>(name, "integer", defaultValue, text(defaultValue), doc, "", Long::parseLong, v -> true);
    }

    public static Key<Double> number(String name, Double defaultValue, String doc) {
        return new Key<>(name, "number", defaultValue, text(defaultValue), doc, "", Double::parseDouble, Double::isFinite);
    }

    /** true/false (also yes/no, on/off, 1/0), case-insensitive. */
    public static Key<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new Key<>(name, "boolean", defaultValue, text(defaultValue), doc, "", Key::parseBoolean, v -> true);
    }

    public static Key<String> text(String name, String defaultValue, String doc) {
        return new Key<>(name, "text", defaultValue, defaultValue == null ? "" : defaultValue, doc, "", s -> s, v -> true);
    }

    /** Values must satisfy {@code ok}; {@code rule} says how, e.g. "≥ 1" or "in 0..65535". */
    public Key<T> rule(String rule, Predicate<T> ok) {
        return new Key<>(name, type, defaultValue, defaultText, doc, rule, parse, check.and(ok));
    }

    /** How the reference shows the default when it is derived from other settings, e.g. "{@code <topic.prefix>streams}". */
    public Key<T> shownAs(String text) {
        return new Key<>(name, type, defaultValue, text, doc, rule, parse, check);
    }

    /** The environment variable that sets this key ({@code trainer.refit.every} → {@code WEIGHTCAST_TRAINER_REFIT_EVERY}). */
    public String envVar() {
        return envVar(name);
    }

    static String envVar(String key) {
        return "WEIGHTCAST_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The value for {@code raw} (the default when null), parsed and checked; IllegalArgumentException names the key. */
    T value(String raw) {
        T v;
        try {
            // an empty number (e.g. an env var set to "") means unset; empty text is a value
            boolean unset = raw == null || raw.isBlank() && !type.equals("text");
            v = unset ? defaultValue : parse.apply(raw.strip());
        } catch (IllegalArgumentException e) { // NumberFormatException is one
            throw new InvalidSettingException("setting '" + name + "' (env " + envVar() + ") must be " + article() + ", was '"
                    + raw + "'", e);
        }
        return checked(v);
    }

    /** {@code value} when it satisfies the rule (or is null); else IllegalArgumentException naming the key and the rule. */
    public T checked(T value) {
        if (value != null && !check.test(value)) {
            throw new InvalidSettingException("setting '" + name + "' (env " + envVar() + ") must be "
                    + (rule.isEmpty() ? article() : rule) + ", was " + value);
        }
        return value;
    }

    private String article() {
        return switch (type) {
            case "integer" -> "an integer";
            case "number" -> "a finite number";
            case "boolean" -> "true or false";
            default -> "a " + type;
        };
    }

    private static boolean parseBoolean(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean: " + v);
        };
    }

    private static String text(Object value) {
        return value == null ? "" : String.valueOf(value);
    }
}
