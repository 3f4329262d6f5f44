package io.weightcast.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Checks a run event body (pure) and returns the value to produce. The value is the client's JSON
 * object with {@code run_id} (from the path) and {@code timestamp} (now) added when missing, not a
 * re-serialised {@link RunEvent}, so fields a producer added beyond the contract survive.
 */
public final class EventValidator {
    private final LongSupplier clock;

    public EventValidator(LongSupplier clock) {
        this.clock = clock;
    }

    public record ValidEvent(RunEvent event, byte[] value) {
    }

    public ValidEvent validate(String runId, byte[] body) {
        RunIds.require(runId);
        RunEvent event = read(body);
        if (event.runId() != null && !event.runId().equals(runId)) {
            throw new IngestRejection(RejectReason.RUN_ID_MISMATCH,
                    "event run_id '" + event.runId() + "' differs from run '" + runId + "' in the path");
        }
        try {
            event.withRunId(runId).validate();
        } catch (MalformedRecordException e) {
            throw new IngestRejection(RejectReason.INVALID_EVENT, e.getMessage());
        }
        long timestamp = event.timestamp() != null ? event.timestamp() : clock.getAsLong();
        ObjectNode value = tree(body);
        value.put("run_id", runId);
        value.put("timestamp", timestamp);
        RunEvent normalised = new RunEvent(event.type(), runId, event.study(), event.hparams(), event.plannedSteps(),
                event.step(), event.metrics(), event.finalMetrics(), timestamp);
        return new ValidEvent(normalised, Json.bytes(value));
    }

    private static RunEvent read(byte[] body) {
        if (body == null || body.length == 0) {
            throw new IngestRejection(RejectReason.MALFORMED_EVENT, "empty body, expected a JSON run event");
        }
        try {
            RunEvent event = Json.read(body, RunEvent.class);
            if (event == null) {
                throw new IngestRejection(RejectReason.MALFORMED_EVENT, "body is JSON null, expected a run event object");
            }
            return event;
        } catch (MalformedRecordException e) {
            throw new IngestRejection(RejectReason.MALFORMED_EVENT, e.getMessage());
        }
    }

    private static ObjectNode tree(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (!(node instanceof ObjectNode object)) {
                throw new IngestRejection(RejectReason.MALFORMED_EVENT, "a run event must be a JSON object");
            }
            return object;
        } catch (IOException e) {
            throw new IngestRejection(RejectReason.MALFORMED_EVENT, "not valid JSON: " + Json.originalMessage(e));
        }
    }
}
