package io.weightcast.scorer.http;

/**
 * One server-sent event of {@code GET /v1/events}: {@code id} is {@code <hub boot>-<seq>} (a client
 * sends it back as Last-Event-ID on reconnect), {@code data} one line of JSON.
 */
public record LiveEvent(String id, long seq, String type, String data) {

    /** The event in the text/event-stream wire format. JSON escapes line breaks, so data is one line. */
    public String frame() {
        return "id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n";
    }
}
