package io.weightcast.ingest;

/** A checkpoint or event that cannot be accepted; the message is the precise reason shown to the client. */
public class IngestRejection extends RuntimeException {
    private final RejectReason reason;

    public IngestRejection(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
