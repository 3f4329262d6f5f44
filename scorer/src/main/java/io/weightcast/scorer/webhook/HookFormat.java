package io.weightcast.scorer.webhook;

import java.util.Locale;

/** What a hook's request body looks like (setting {@code scorer.hook.<name>.format}). */
public enum HookFormat {
    /** The alert record exactly as it is on the alerts topic. */
    JSON,
    /** A Slack incoming-webhook message: {@code {"text": ..., "blocks": [...]}}. */
    SLACK,
    /** An Alertmanager API v2 {@code POST /api/v2/alerts} body: a JSON array with one alert. */
    ALERTMANAGER;

    public static HookFormat parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hook format must be json, slack or alertmanager, was '" + value + "'");
        }
    }
}
