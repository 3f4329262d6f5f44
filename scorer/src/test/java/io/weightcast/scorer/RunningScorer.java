package io.weightcast.scorer;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.testkit.Await;
import java.time.Duration;
import java.util.Map;

/** A scorer on a test's embedded broker: its topics created, port 0, no read token, a fresh state dir, started and ready. */
final class RunningScorer {
    private RunningScorer() {
    }

    static ScorerService start(String bootstrap, Topics topics) {
        TopicSetup.ensure(bootstrap, topics, 1, (short) 1);
        ScorerService scorer = new ScorerService(Settings.of(Map.of(Settings.BOOTSTRAP, bootstrap,
                Settings.TOPIC_PREFIX, topics.prefix(), "scorer.port", "0", "scorer.auth", "none",
                "scorer.state.dir", EmbeddedKafka.tempDir().toString())));
        scorer.start();
        Await.until("scorer ready", Duration.ofSeconds(60), scorer::ready);
        return scorer;
    }
}
