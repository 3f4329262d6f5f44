package io.weightcast.scorer.webhook;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.InvalidSettingException;
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
 * Reads the hooks from the settings (keys declared in {@code ScorerKeys}): the legacy
 * {@code scorer.webhooks} URL list (generic JSON, every alert; named {@code webhooks-1}, {@code webhooks-2}, ...)
 * and the named hooks {@code scorer.hook.<name>.*}. A typo must not silently disable a hook, so unknown
 * keys, a missing URL, an unknown format or severity are configuration errors.
 *
 * <p>Formats: {@code json} = the alert record exactly as on the alerts topic; {@code slack} = a Slack incoming-webhook
 * message {@code {"text": ..., "blocks": [...]}}; {@code alertmanager} = an Alertmanager API v2 {@code POST /api/v2/alerts}
 * body, {@code [{labels: {alertname, run_id, study, severity, kind}, annotations: {summary, description, evidence},
 * startsAt, generatorURL}]} (alertname {@code Weightcast<CamelCaseKind>}, evidence as a JSON string, startsAt = raised_at).
 * Severities: info &lt; warning &lt; critical; an alert with an unknown severity counts as info. A hook with studies
 * never matches alerts without a study.
 *
 * <p>Signing: a hook with a secret sends {@code X-Weightcast-Signature: sha256=<hex HMAC(secret, body)>} over the exact
 * body bytes, {@code X-Weightcast-Timestamp: <unix seconds>} (fresh per attempt) and
 * {@code X-Weightcast-Signature-Timestamped: sha256=<hex HMAC(secret, "<timestamp>." + body)>}. A receiver recomputes
 * the HMAC over the raw body it read (before parsing), compares in constant time, and, to refuse replays, verifies the
 * timestamped signature and rejects timestamps more than its window (e.g. 300 s) away from its clock; as delivery is
 * at-least-once it stays idempotent per (run_id, kind, step). See {@link WebhookSignature} and
 * {@code clients/python/examples/stop_receiver.py}.
 */
public final class HookSettings {
    public static final Key<String> LEGACY_URLS = Key.text("scorer.webhooks", "",
            "comma-separated URLs that receive every alert as JSON (named `webhooks-1`, `webhooks-2`, ... in metrics)");
    public static final Key<String> LEGACY_SECRET = Key.text("scorer.webhook.secret", null, "signs the requests to `scorer.webhooks`");
    public static final String PREFIX = "scorer.hook.";
    private static final Set<String> KEYS = Set.of("url", "format", "kinds", "min.severity", "studies", "secret");

    private HookSettings() {
    }

    public static List<Hook> from(Settings settings) {
        List<Hook> hooks = new ArrayList<>();
        String legacySecret = blankToNull(settings.get(LEGACY_SECRET));
        List<String> urls = list(settings.get(LEGACY_URLS));
        for (int i = 0; i < urls.size(); i++) {
            hooks.add(new Hook("webhooks-" + (i + 1), requireUrl(LEGACY_URLS.name(), urls.get(i)), HookFormat.JSON, HookFilter.ALL, legacySecret));
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
                throw new InvalidSettingException("unknown hook setting '" + key + "': expected " + PREFIX + "<name>.<"
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
            throw new InvalidSettingException("hook '" + name + "' has no " + prefix + "url");
        }
        HookFormat format;
        Severity min;
        try {
            format = HookFormat.parse(keys.getOrDefault("format", "json"));
            min = Severity.parse(keys.getOrDefault("min.severity", "info"));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("hook '" + name + "': " + e.getMessage(), e);
        }
        Set<String> kinds = list(keys.getOrDefault("kinds", "")).stream()
                .map(k -> k.toUpperCase(Locale.ROOT)).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> studies = new LinkedHashSet<>(list(keys.getOrDefault("studies", "")));
        return new Hook(name, requireUrl(prefix + "url", url.strip()), format, new HookFilter(kinds, min, studies),
                blankToNull(keys.get("secret")));
    }

    private static String requireUrl(String key, String url) {
        if (!(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new InvalidSettingException("setting '" + key + "': '" + url + "' is not an http(s) URL");
        }
        try {
            java.net.URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("setting '" + key + "': invalid URL: " + e.getMessage(), e);
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
