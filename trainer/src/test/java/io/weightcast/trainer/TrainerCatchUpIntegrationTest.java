package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.MetricsText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19: a backlog is fitted once, not a fit per poll batch. Runs are written in transactions, so a
 * read_committed trainer sees a whole burst at once (a deterministic backlog, whatever the machine's speed).
 * No assertion depends on timing; {@link #catchUpBenchmark()} measures (off unless
 * {@code -Dweightcast.bench.catchup=true}).
 */
class TrainerCatchUpIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void runsAlreadyInTheTopicsMakeOneFitOnAllOfThem() throws Exception {
        int n = 200; // 4,400 records: the replay takes 9+ poll batches of 500
        Topics topics = topics("it-catchup.");
        SyntheticZoo gen = new SyntheticZoo(19);
        try (KafkaProducer<String, byte[]> producer = transactional(topics, "catchup-it")) {
            produceInTransaction(producer, topics, gen, 0, n);
        }
        try (TrainerService service = new TrainerService(settings(topics, Map.of()))) {
            service.start();
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() >= 1);
            ModelVersion v1 = models(topics).get(0);
            assertThat(v1.version()).isEqualTo(1);
            assertThat(v1.trainingRuns() + v1.holdout().runs()).as("runs of the first model").isEqualTo(n);
            assertThat(v1.trainingRows() + v1.holdout().rows()).isEqualTo(n * SyntheticZoo.STEPS);

            Thread.sleep(1500); // a cascade would show up here: more fits as the zoo grows
            ZooSnapshot s = service.snapshot();
            assertThat(s.zooRuns()).isEqualTo(n);
            assertThat(fits(s)).as("fits during the catch-up").isEqualTo(1);
            assertThat(metric(service, "weightcast_trainer_fits_total{outcome=\"published\"}")).isEqualTo(1.0);
            assertThat(metric(service, "weightcast_trainer_poll_batches_total")).as("poll batches").isGreaterThanOrEqualTo(9.0);
            assertThat(models(topics)).containsExactly(v1);
        }
    }

    @Test
    void aBurstWhileRunningIsReadWholeAndFittedOnceNotOncePerPollBatch() throws Exception {
        int first = 20;
        int burst = 100;
        Topics topics = topics("it-burst.");
        SyntheticZoo gen = new SyntheticZoo(23);
        try (KafkaProducer<String, byte[]> producer = transactional(topics, "burst-it");
             // small poll batches: a backlog of 2,000 records takes 20+ polls, each adding more than refit.every runs
             TrainerService service = new TrainerService(settings(topics, Map.of("kafka.max.poll.records", "100")))) {
            produceInTransaction(producer, topics, gen, 0, first);
            service.start();
            Await.until("version 1", TIMEOUT, () -> service.snapshot().currentVersion() == 1);
            Thread.sleep(500);
            ZooSnapshot before = service.snapshot();
            assertThat(before.zooRuns()).isEqualTo(first);
            long fitsBefore = fits(before);
            double pollsBefore = metric(service, "weightcast_trainer_poll_batches_total");

            produceInTransaction(producer, topics, gen, first, first + burst);
            Await.until("zoo of " + (first + burst), TIMEOUT, () -> service.snapshot().zooRuns() == first + burst);
            Await.until("a fit after the burst", TIMEOUT, () -> fits(service.snapshot()) > fitsBefore);
            Thread.sleep(1500);
            ZooSnapshot after = service.snapshot();
            long fits = fits(after) - fitsBefore;
            double polls = metric(service, "weightcast_trainer_poll_batches_total") - pollsBefore;
            assertThat(polls).as("poll batches of the burst").isGreaterThanOrEqualTo(20);
            // a transaction's partitions become readable a few ms apart, so a fit may (rarely) start before the last
            // partition did; per poll batch would be 20+
            assertThat(fits).as("fits for a burst read in %s poll batches", polls).isBetween(1L, 2L);
            assertThat(after.fitsFailed()).isZero();
            if (after.fitsPublished() > before.fitsPublished()) {
                ModelVersion latest = service.currentModel().orElseThrow();
                assertThat(latest.trainingRuns() + latest.holdout().runs()).isGreaterThan(first + burst / 2);
            }
        }
    }

    /**
     * Issue 19's measurement: {@code -Dweightcast.bench.catchup=true} (runs {@code weightcast.bench.runs}, default
     * 1,000, of 18 checkpoints; {@code weightcast.bench.mode} {@code preloaded} (default: all in the topics before the
     * trainer starts) or {@code live} (written while it runs, as fast as the producer goes); any
     * {@code weightcast.bench.trainer.*} property is passed as a trainer setting). Prints the wall time from start
     * to a published model on all runs (or that none came within 10 minutes: no assertion, a measurement), the fits,
     * and the load average.
     */
    @Test
    @EnabledIfSystemProperty(named = "weightcast.bench.catchup", matches = "true")
    void catchUpBenchmark() throws Exception {
        int runs = Integer.getInteger("weightcast.bench.runs", 1000);
        boolean live = "live".equals(System.getProperty("weightcast.bench.mode", "preloaded"));
        Topics topics = topics("bench-" + System.nanoTime() + ".");
        Map<String, String> extra = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("weightcast.bench.trainer."))
                .forEach(k -> extra.put(k.substring("weightcast.bench.".length()), System.getProperty(k)));
        SyntheticZoo gen = new SyntheticZoo(1000);
        try (KafkaProducer<String, byte[]> producer = transactional(topics, "bench")) {
            long t0 = 0;
            if (!live) {
                for (int i = 0; i < runs; i += 100) {
                    produceInTransaction(producer, topics, gen, i, Math.min(runs, i + 100));
                }
            }
            String loadBefore = loadAverage();
            try (TrainerService service = new TrainerService(settings(topics, extra))) {
                t0 = System.nanoTime();
                service.start();
                if (live) {
                    for (int i = 0; i < runs; i += 10) { // small transactions: records become readable as they go
                        produceInTransaction(producer, topics, gen, i, Math.min(runs, i + 10));
                    }
                    System.out.printf("catch-up bench: %d runs written in %.1f s%n", runs, (System.nanoTime() - t0) / 1e9);
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                ModelVersion all = null;
                while (all == null && System.nanoTime() < deadline) {
                    ModelVersion mv = service.currentModel().orElse(null);
                    if (mv != null && mv.trainingRuns() + mv.holdout().runs() == runs) {
                        all = mv;
                    } else {
                        Thread.sleep(50);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(2000);
                ZooSnapshot s = service.snapshot();
                System.out.printf("catch-up bench (%s, %d runs x %d checkpoints, settings %s): model on all runs %s after %.1f s;"
                                + " fits published %d rejected %d failed %d; poll batches %.0f; load before: %s; load after: %s%n",
                        live ? "live" : "preloaded", runs, SyntheticZoo.STEPS, extra,
                        all == null ? "NOT published" : "v" + all.version() + " published", seconds, s.fitsPublished(),
                        s.fitsRejected(), s.fitsFailed(), metric(service, "weightcast_trainer_poll_batches_total"), loadBefore,
                        loadAverage());
            }
        }
    }

    private static long fits(ZooSnapshot s) {
        return s.fitsPublished() + s.fitsRejected() + s.fitsFailed();
    }

    private static Topics topics(String prefix) {
        Topics t = new Topics(prefix);
        TopicSetup.ensure(KAFKA.bootstrapServers(), t, 3, (short) 1);
        return t;
    }

    private static Settings settings(Topics topics, Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, topics.prefix(),
                TrainerSettings.PORT.name(), "0",
                TrainerSettings.MIN_RUNS.name(), "10",
                TrainerSettings.REFIT_EVERY.name(), "5"));
        s.putAll(extra);
        return Settings.of(s);
    }

    /**
     * A transactional producer, once every partition of features and runs has a leader (a burst of sends into
     * topics created a moment ago otherwise hits NOT_LEADER retries).
     */
    private static KafkaProducer<String, byte[]> transactional(Topics topics, String id) {
        Properties p = KafkaConfigs.producer(KAFKA.bootstrapServers(), id);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id + "-" + topics.prefix());
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Await.until("leaders for every partition of " + topics.features() + " and " + topics.runs(), TIMEOUT,
                () -> List.of(topics.features(), topics.runs()).stream().allMatch(t -> producer.partitionsFor(t).stream()
                        .map(PartitionInfo::leader).noneMatch(l -> l == null || l.isEmpty())));
        producer.initTransactions();
        return producer;
    }

    /** Runs {@code from} until {@code to}, each as a loop and the streams service leave it, committed at once. */
    private static void produceInTransaction(KafkaProducer<String, byte[]> producer, Topics topics, SyntheticZoo gen,
                                             int from, int to) {
        producer.beginTransaction();
        for (int i = from; i < to; i++) {
            SyntheticZoo.Run run = gen.nextRun(String.format("run-%04d", i), i % 2 == 0 ? "study-a" : "study-b");
            producer.send(new ProducerRecord<>(topics.runs(), run.runId(),
                    Json.bytes(RunEvent.started(run.runId(), run.study(), Map.of("lr", 0.01), SyntheticZoo.STEPS))));
            for (int step = 1; step <= SyntheticZoo.STEPS; step++) {
                producer.send(new ProducerRecord<>(topics.features(), run.runId(), Json.bytes(gen.vector(run, step, SyntheticZoo.STEPS))));
            }
            producer.send(new ProducerRecord<>(topics.runs(), run.runId(), Json.bytes(RunEvent.finished(run.runId(), run.study(),
                    Map.of("test_accuracy", run.accuracy(), "train_accuracy", Math.min(1, run.accuracy() + 0.05))))));
        }
        producer.commitTransaction();
    }

    /** Every record of the models topic, in order. */
    private static List<ModelVersion> models(Topics topics) {
        return KAFKA.reader().toEnd(topics.models(), ModelVersion.ACCURACY_MODEL, TIMEOUT).stream()
                .map(r -> Json.read(r.value(), ModelVersion.class)).toList();
    }

    private double metric(TrainerService service, String series) {
        return MetricsText.required(Http.get(service.port(), "/metrics").body(), series);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
