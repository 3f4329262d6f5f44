package io.weightcast.scorer.webhook;

import io.weightcast.core.records.Alert;
import java.util.Set;

/**
 * Which alerts a hook receives: all conditions must hold; an empty set means "any".
 *
 * @param kinds       alert kinds (upper case), empty = all
 * @param minSeverity lowest severity delivered
 * @param studies     studies, empty = all; an alert without a study never matches a non-empty set
 */
public record HookFilter(Set<String> kinds, Severity minSeverity, Set<String> studies) {
    public static final HookFilter ALL = new HookFilter(Set.of(), Severity.INFO, Set.of());

    public HookFilter {
        kinds = Set.copyOf(kinds);
        studies = Set.copyOf(studies);
    }

    public boolean matches(Alert alert) {
        return (kinds.isEmpty() || kinds.contains(alert.kind()))
                && Severity.ofAlert(alert.severity()).compareTo(minSeverity) >= 0
                && (studies.isEmpty() || alert.study() != null && studies.contains(alert.study()));
    }
}
