package io.weightcast.core.auth;

import java.util.List;

/**
 * What a bearer token may write: studies and run ids. An empty list does not restrict (a token with neither may
 * write anything, as the comma-separated tokens of the settings do). A run pattern is an exact run id, or a prefix
 * ending in {@code *} ({@code team-a-*}). A token restricted to studies may only write records that name one of them:
 * a record without a study is outside its scope (ingest cannot tell which study it belongs to).
 */
public record TokenScope(List<String> studies, List<String> runs) {
    public static final TokenScope UNSCOPED = new TokenScope(List.of(), List.of());

    public TokenScope {
        studies = List.copyOf(studies);
        runs = List.copyOf(runs);
    }

    public boolean unscoped() {
        return studies.isEmpty() && runs.isEmpty();
    }

    /** Null when the token may write run {@code runId}, otherwise the reason for the 403. */
    public String deniedRun(String runId) {
        if (runs.isEmpty() || runs.stream().anyMatch(p -> matches(p, runId))) {
            return null;
        }
        return "this token may not write run '" + runId + "' (its runs: " + String.join(", ", runs) + ")";
    }

    /** Null when the token may write a record of {@code study} (null: the record names none), else the reason. */
    public String deniedStudy(String study) {
        if (studies.isEmpty() || (study != null && studies.contains(study))) {
            return null;
        }
        String named = study == null ? "a record that names no study" : "study '" + study + "'";
        return "this token may not write " + named + " (its studies: " + String.join(", ", studies) + ")";
    }

    private static boolean matches(String pattern, String runId) {
        return pattern.endsWith("*") ? runId.startsWith(pattern.substring(0, pattern.length() - 1)) : runId.equals(pattern);
    }
}
