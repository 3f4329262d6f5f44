package io.weightcast.app.export;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.Score;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The scores and alerts of one study, read from the scores and alerts topics with a plain consumer (no group,
 * every partition from the beginning up to the committed end at the start of the read), so it needs only the
 * broker. Written as CSV (Jackson's CSV dataformat, one header row) or JSON Lines, one row per record, ordered
 * by run id, step, then scores before alerts.
 */
public final class StudyExport {
    /** The output formats. */
    public enum Format { CSV, JSONL }

    /** One exported record: a score or an alert. */
    public record Row(String record, String runId, long step, long at, Object value) {
    }

    /** The CSV columns, in order. */
    public static final List<String> CSV_COLUMNS = List.of("record", "run_id", "study", "step", "planned_steps", "at",
            "predicted_final_accuracy", "interval_level", "interval_low", "interval_high", "model_version", "flags", "note",
            "kind", "severity", "evidence");

    private StudyExport() {
    }

    /** Every score and alert of {@code study} committed to the topics when the read starts. */
    public static List<Row> read(String bootstrap, Topics topics, String study, Duration timeout) {
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, topics.prefix() + "export");
        List<Row> rows = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.scores(), topics.alerts())) {
                consumer.partitionsFor(topic, timeout).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new LinkedHashMap<>(consumer.endOffsets(partitions, timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!end.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("export: topics not read to their end within " + timeout.toSeconds() + " s");
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                if (end.isEmpty()) {
                    break;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    add(rows, r, topics, study);
                }
            }
        }
        rows.sort(Comparator.comparing(Row::runId).thenComparingLong(Row::step)
                .thenComparing(Row::record, Comparator.reverseOrder()).thenComparingLong(Row::at));
        return rows;
    }

    private static void add(List<Row> rows, ConsumerRecord<String, byte[]> r, Topics topics, String study) {
        try {
            if (r.topic().equals(topics.scores())) {
                Score s = Json.read(r.value(), Score.class);
                if (study.equals(s.study())) {
                    rows.add(new Row("score", s.runId(), s.step(), s.scoredAt(), s));
                }
            } else {
                Alert a = Json.read(r.value(), Alert.class);
                if (study.equals(a.study())) {
                    rows.add(new Row("alert", a.runId(), a.step(), a.raisedAt(), a));
                }
            }
        } catch (MalformedRecordException e) {
            // not a record of the contract: nothing to export
        }
    }

    /** Writes {@code rows} to {@code out} (not closed) in {@code format}. */
    public static void write(List<Row> rows, Format format, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        if (format == Format.JSONL) {
            for (Row row : rows) {
                ObjectNode node = Json.MAPPER.createObjectNode().put("record", row.record());
                node.setAll((ObjectNode) Json.MAPPER.valueToTree(row.value()));
                w.write(Json.MAPPER.writeValueAsString(node));
                w.write('\n');
            }
        } else {
            // the header by hand, so an empty export still has it (Jackson writes it with the first row); the names need no quoting
            w.write(String.join(",", CSV_COLUMNS));
            w.write('\n');
            CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(false);
            CSV_COLUMNS.forEach(schema::addColumn);
            try (SequenceWriter csv = new CsvMapper().writer(schema.build()).without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValues(w)) {
                for (Row row : rows) {
                    csv.write(csvRow(row));
                }
            }
        }
        w.flush();
    }

    private static Map<String, Object> csvRow(Row row) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("record", row.record());
        m.put("run_id", row.runId());
        m.put("step", row.step());
        m.put("at", row.at());
        if (row.value() instanceof Score s) {
            m.put("study", s.study());
            m.put("planned_steps", s.plannedSteps());
            m.put("predicted_final_accuracy", s.predictedFinalAccuracy());
            if (s.interval() != null) {
                m.put("interval_level", s.interval().level());
                m.put("interval_low", s.interval().low());
                m.put("interval_high", s.interval().high());
            }
            m.put("model_version", s.modelVersion());
            m.put("flags", s.flags() == null ? null : String.join(";", s.flags()));
            m.put("note", s.note());
        } else if (row.value() instanceof Alert a) {
            m.put("study", a.study());
            m.put("model_version", a.modelVersion());
            m.put("kind", a.kind());
            m.put("severity", a.severity());
            m.put("evidence", a.evidence() == null ? null : Json.MAPPER.writeValueAsString(a.evidence()));
        }
        return m;
    }
}
