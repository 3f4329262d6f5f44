package io.weightcast.ingest;

import io.weightcast.core.config.Settings;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.Http;
import java.time.Duration;

/** The gateway as the integration tests start it: on its settings, started, and ready (it has Kafka's metadata). */
final class TestIngest {
    private TestIngest() {
    }

    static IngestService started(Settings settings) {
        IngestService service = new IngestService(settings);
        service.start();
        Await.until("ingest ready", Duration.ofSeconds(30), () -> Http.get(service.port(), "/ready").statusCode() == 200);
        return service;
    }
}
