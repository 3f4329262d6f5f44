package io.weightcast.ingest;

/** Run ids become Kafka keys and appear in logs: refuse ones that would be ambiguous or unreadable. */
public final class RunIds {
    public static final int MAX_LENGTH = 255;

    private RunIds() {
    }

    public static String require(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new IngestRejection(RejectReason.INVALID_PARAMETER, "run id is empty");
        }
        if (runId.length() > MAX_LENGTH) {
            throw new IngestRejection(RejectReason.INVALID_PARAMETER, "run id longer than " + MAX_LENGTH + " characters");
        }
        if (runId.chars().anyMatch(Character::isISOControl) || !runId.strip().equals(runId)) {
            throw new IngestRejection(RejectReason.INVALID_PARAMETER, "run id contains control characters or surrounding spaces");
        }
        return runId;
    }
}
