package io.weightcast.scorer.webhook;

import java.util.Locale;

/** Alert severities in rising order, for a hook's {@code min.severity} filter. */
public enum Severity {
    INFO, WARNING, CRITICAL;

    /** A setting's value; anything else is a configuration error. */
    public static Severity parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("severity must be info, warning or critical, was '" + value + "'");
        }
    }

    /** An alert's severity; an unknown or missing one ranks lowest, so a "critical only" hook never fires on it. */
    public static Severity ofAlert(String value) {
        if (value == null) {
            return INFO;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return INFO;
        }
    }
}
