package io.weightcast.scorer.http;

/** A live client as the {@link LiveHub} sees it. Both methods are called by the publishing thread and must not block. */
interface LiveSink {

    /** Queues the event; false when the client's queue is full (the hub then drops the client). */
    boolean offer(LiveEvent event);

    /** The hub dropped this client (its queue overflowed): close its connection. */
    void overflowed();
}
