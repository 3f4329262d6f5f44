package io.weightcast.core.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The settings one part of Weightcast reads: its declared {@link Key}s and the key families it passes on or
 * names freely (e.g. {@code kafka.<client setting>}, {@code scorer.hook.<name>.url}). Groups make the generated
 * configuration reference ({@link SettingsReference}) and let a service report keys nobody reads
 * ({@link SettingsReference#unknown}).
 *
 * @param title    heading in the reference, e.g. "trainer"
 * @param summary  one line under the heading
 * @param keys     the declared keys, in the order the reference lists them
 * @param families key patterns with {@code <placeholders>}, each with its one-line doc
 */
public record KeyGroup(String title, String summary, List<Key<?>> keys, List<Family> families) {

    public KeyGroup {
        keys = List.copyOf(keys);
        families = List.copyOf(families);
    }

    public static KeyGroup of(String title, String summary, Key<?>... keys) {
        return new KeyGroup(title, summary, List.of(keys), List.of());
    }

    public KeyGroup withFamily(String pattern, String doc) {
        List<Family> more = new java.util.ArrayList<>(families);
        more.add(new Family(pattern, doc));
        return new KeyGroup(title, summary, keys, more);
    }

    /** Whether this group declares {@code key} or one of its families matches it. */
    public boolean knows(String key) {
        return keys.stream().anyMatch(k -> k.name().equals(key)) || families.stream().anyMatch(f -> f.matches(key));
    }

    /**
     * Keys named by a pattern, e.g. {@code scorer.hook.<name>.url}: each {@code <placeholder>} stands for one or more
     * characters (dots included, so {@code kafka.<client setting>} covers {@code kafka.ssl.truststore.location}).
     */
    public record Family(String pattern, String doc) {
        public boolean matches(String key) {
            StringBuilder regex = new StringBuilder();
            for (String part : pattern.split("<[^>]+>", -1)) {
                if (regex.length() > 0) {
                    regex.append(".+");
                }
                regex.append(Pattern.quote(part));
            }
            return key.matches(regex.toString());
        }
    }
}
