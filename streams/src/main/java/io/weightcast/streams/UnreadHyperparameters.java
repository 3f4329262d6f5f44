package io.weightcast.streams;

import io.weightcast.core.features.HyperparameterFeatures;
import io.weightcast.core.records.CheckpointMetadata;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says which declared hyper-parameters no feature takes ({@link HyperparameterFeatures#unread}): counted per
 * checkpoint in {@code weightcast_streams_hparams_unread_total}, logged once per run (per instance, for
 * the last {@value #REMEMBERED_RUNS} runs), so a study that spells its learning rate {@code optimizer.lr}
 * learns why its predictions do not use it.
 */
final class UnreadHyperparameters {
    private static final Logger LOG = LoggerFactory.getLogger(UnreadHyperparameters.class);
    static final int REMEMBERED_RUNS = 10_000;

    private final StreamsMetrics metrics;
    private final Map<String, Boolean> logged = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_RUNS;
        }
    };

    UnreadHyperparameters(StreamsMetrics metrics) {
        this.metrics = metrics;
    }

    /** @return what of this checkpoint's hparams no feature takes (empty: all of it is used) */
    List<HyperparameterFeatures.Unread> check(CheckpointMetadata meta) {
        List<HyperparameterFeatures.Unread> unread = HyperparameterFeatures.unread(meta.hparams());
        for (HyperparameterFeatures.Unread u : unread) {
            metrics.hparamsUnread.labelValues(u.kind().label()).inc();
        }
        if (!unread.isEmpty() && logged.put(meta.runId(), Boolean.TRUE) == null) {
            LOG.info("run {}: hyper-parameters no feature takes (their columns stay NaN; names are listed in the README): {}",
                    meta.runId(), unread);
        }
        return unread;
    }
}
