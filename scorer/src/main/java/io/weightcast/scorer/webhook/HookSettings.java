package io.weightcast.scorer.webhook;

import io.weightcast.core.config.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads the hooks from the settings (keys documented on {@code ScorerService}): the legacy
 * {@code scorer.webhooks} URL list (generic JSON, every alert; named {@code webhooks-1}, {@code webhooks-2}, ...)
 * and the named hooks {@code scorer.hook.<name>.*}. A typo must not silently disable a hook, so unknown
 * keys, a missing URL, an unknown format or severity are configuration errors.
 */
public final class HookSettings {
    public static final String LEGACY_URLS = "scorer.webhooks";
    public static final String LEGACY_SECRET = "scorer.webhook.secret";
    public static final String PREFIX = "scorer.hook.";
    private static final Set<String> KEYS = Set.of("url", "format", "kinds", "min.severity", "studies", "secret");

    private HookSettings() {
    }

    public static List<Hook> from(Settings settings) {
        List<Hook> hooks = new ArrayList<>();
        String legacySecret = blankToNull(settings.get(LEGACY_SECRET, null));
        List<String> urls = list(settings.get(LEGACY_URLS, ""));
        for (int i = 0; i < urls.size(); i++) {
            hooks.add(new Hook("webhooks-" + (i + 1), requireUrl(LEGACY_URLS, urls.get(i)), HookFormat.JSON, HookFilter.ALL, legacySecret));
        }
        named(settings).forEach((name, keys) -> hooks.add(hook(name, keys)));
        return hooks;
    }

    /** name → (key after the name → value), names sorted so the order of hooks is stable. */
    private static Map<String, Map<String, String>> named(Settings settings) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        settings.asMap().forEach((key, value) -> {
            if (!key.startsWith(PREFIX)) {
                return;
            }
            String rest = key.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot <= 0 || !KEYS.contains(rest.substring(dot + 1))) {
                throw new IllegalArgumentException("unknown hook setting '" + key + "': expected " + PREFIX + "<name>.<"
                        + String.join("|", new TreeSet<>(KEYS)) + ">");
            }
            out.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>()).put(rest.substring(dot + 1), value);
        });
        return out;
    }

    private static Hook hook(String name, Map<String, String> keys) {
        String prefix = PREFIX + name + ".";
        String url = keys.get("url");
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("hook '" + name + "' has no " + prefix + "url");
        }
        HookFormat format;
        Severity min;
        try {
            format = HookFormat.parse(keys.getOrDefault("format", "json"));
            min = Severity.parse(keys.getOrDefault("min.severity", "info"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hook '" + name + "': " + e.getMessage(), e);
        }
        Set<String> kinds = list(keys.getOrDefault("kinds", "")).stream()
                .map(k -> k.toUpperCase(Locale.ROOT)).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> studies = new LinkedHashSet<>(list(keys.getOrDefault("studies", "")));
        return new Hook(name, requireUrl(prefix + "url", url.strip()), format, new HookFilter(kinds, min, studies),
                blankToNull(keys.get("secret")));
    }

    private static String requireUrl(String key, String url) {
        if (!(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("setting '" + key + "': '" + url + "' is not an http(s) URL");
        }
        try {
            java.net.URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("setting '" + key + "': invalid URL: " + e.getMessage(), e);
        }
        return url;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
