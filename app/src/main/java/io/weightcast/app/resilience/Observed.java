package io.weightcast.app.resilience;

import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.Score;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the pipeline wrote for the harness's runs: features and scores counted per (run_id, step) without
 * deduplication, and every dead letter (whoever's: a dead letter of a record we did not inject is a finding too).
 */
final class Observed {
    private static final Logger LOG = LoggerFactory.getLogger(Observed.class);

    private final Topics topics;
    private final String runPrefix;
    private final Map<String, Integer> features = new HashMap<>();
    private final Map<String, Integer> featuresByRun = new HashMap<>();
    private final Map<String, Integer> scoresByRun = new HashMap<>();
    private final java.util.Set<String> flaggedNonFinite = new java.util.HashSet<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private long unreadable;

    Observed(Topics topics, String runPrefix) {
        this.topics = topics;
        this.runPrefix = runPrefix;
    }

    /** Counts what a {@link TopicReader} drained; @return how many records were new */
    int accept(List<ConsumerRecord<String, byte[]>> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            try {
                if (r.topic().equals(topics.features())) {
                    FeatureVector f = Json.read(r.value(), FeatureVector.class);
                    if (mine(f.runId())) {
                        features.merge(OutputTally.key(f.runId(), f.step()), 1, Integer::sum);
                        featuresByRun.merge(f.runId(), 1, Integer::sum);
                        if (f.health() != null && f.health().nonfiniteValues() > 0) {
                            flaggedNonFinite.add(f.runId());
                        }
                    }
                } else if (r.topic().equals(topics.scores())) {
                    Score s = Json.read(r.value(), Score.class);
                    if (mine(s.runId())) {
                        scoresByRun.merge(s.runId(), 1, Integer::sum);
                    }
                } else if (r.topic().equals(topics.deadLetters())) {
                    deadLetters.add(Json.read(r.value(), DeadLetter.class));
                }
            } catch (RuntimeException e) {
                unreadable++;
                LOG.warn("unreadable record on {} at {}-{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
            }
        }
        return records.size();
    }

    private boolean mine(String runId) {
        return runId != null && runId.startsWith(runPrefix);
    }

    int features(String runId, long step) {
        return features.getOrDefault(OutputTally.key(runId, step), 0);
    }

    int featuresOfRun(String runId) {
        return featuresByRun.getOrDefault(runId, 0);
    }

    /** Whether a features record of the run reported NaN/Inf weights ({@code health.nonfinite_values} > 0). */
    boolean flaggedNonFinite(String runId) {
        return flaggedNonFinite.contains(runId);
    }

    int scoresOfRun(String runId) {
        return scoresByRun.getOrDefault(runId, 0);
    }

    List<DeadLetter> deadLetters() {
        return deadLetters;
    }

    long unreadable() {
        return unreadable;
    }
}
