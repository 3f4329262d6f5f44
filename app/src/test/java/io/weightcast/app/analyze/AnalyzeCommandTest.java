package io.weightcast.app.analyze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.weightcast.app.WeightcastCommand;
import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.features.DeadUnits;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.HoldoutMetrics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.core.spectral.SpectralAnalyzer;
import io.weightcast.core.spectral.SpectralMetrics;
import io.weightcast.core.spectral.SpectralReport;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.Fill;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weightcast analyze} run in-process through the real command line: its numbers are core's
 * (SpectralAnalyzer, dead units) and, on WeightWatcher's own case, WeightWatcher's; its report is real
 * PNGs; its prediction comes from a real LightGBM model, from a file and from a real broker's models topic.
 */
class AnalyzeCommandTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    static Path dir;

    private static Path digitsCnn;
    private static Path reluNet;
    private static ModelVersion model;

    /** What one run printed. */
    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return Json.MAPPER.readTree(out);
        }
    }

    @BeforeAll
    static void files() throws Exception {
        digitsCnn = Files.write(dir.resolve("digits.safetensors"), digitsCnnBytes(7, Map.of(
                "run_id", "r7", "step", "5", "planned_steps", "18", "activation", "relu", "framework", "pytorch",
                "metrics", "{\"val_acc\": 0.81, \"train_loss\": 0.6}")));
        reluNet = Files.write(dir.resolve("relu.safetensors"), reluNetWithDeadLayer());
        model = tinyModel();
    }

    @Test
    void outOfMemoryIsOneLineNamingTheHeapAndNdFourJsNativeCap() {
        // ND4J's native allocator wraps its OutOfMemoryError ("totalBytes (1000M + 500M) > maxBytes (1024M)" on a 32000x4096 layer)
        OutOfMemoryError nativeCap = new OutOfMemoryError("Failed to allocate memory within limits");
        assertThat(AnalyzeCommand.outOfMemory(new RuntimeException(new IllegalStateException(nativeCap)))).isSameAs(nativeCap);
        assertThat(AnalyzeCommand.outOfMemory(new IllegalStateException("no"))).isNull();
        String reason = AnalyzeCommand.outOfMemoryReason(new OutOfMemoryError("Java heap space"));
        assertTrue(reason.startsWith("out of memory (Java heap space)") && reason.contains("-Xmx")
                && reason.contains("org.bytedeco.javacpp.maxbytes") && !reason.contains("\n"), reason);
    }

    @Test
    void tableAndJsonHoldEveryLayerWithCoreSpectralNumbers() throws Exception {
        SpectralReport expected = new SpectralAnalyzer().analyze(SafeTensors.read(Files.readAllBytes(digitsCnn)));

        Run table = analyze(digitsCnn.toString());
        assertThat(table.code()).as(table.err()).isZero();
        List<String> lines = table.out().lines().toList();
        for (String layer : List.of("conv1", "conv2", "conv3", "dense")) {
            String row = lines.stream().filter(l -> l.startsWith(layer + " ")).findFirst().orElseThrow();
            SpectralMetrics m = expected.metrics(layer);
            if (m.fitted()) {
                assertThat(row).contains(String.format(java.util.Locale.ROOT, "%.3f", m.alpha()));
            } else {
                assertThat(row).contains("no fit: " + m.reason());
            }
        }
        assertThat(table.out()).contains("layers         4 weight layers, 4,970 parameters");

        Run json = analyze(digitsCnn.toString(), "--json");
        assertThat(json.code()).isZero();
        JsonNode root = json.json();
        assertThat(root.get("file").asText()).isEqualTo(digitsCnn.toString());
        assertThat(root.get("prediction").isNull()).isTrue();
        JsonNode layers = root.get("layers");
        assertThat(layers).hasSize(4);
        for (JsonNode l : layers) {
            SpectralMetrics m = expected.metrics(l.get("name").asText());
            for (String field : List.of("alpha", "alpha_weighted", "log_norm", "log_spectral_norm", "log_alpha_norm",
                    "stable_rank", "xmin", "xmax", "D", "sigma", "num_evals", "num_pl_spikes", "rank_loss", "warning",
                    "kernel_mean", "kernel_std", "kernel_l2", "dead_fraction", "shape", "params")) {
                assertThat(l.has(field)).as(field).isTrue();
            }
            if (m.fitted()) {
                assertThat(l.get("alpha").asDouble()).isEqualTo(m.alpha());
                assertThat(l.get("D").asDouble()).isEqualTo(m.d());
                assertThat(l.get("num_evals").asInt()).isEqualTo(m.numEvals());
            } else {
                assertThat(l.get("alpha").isNull()).isTrue();
                assertThat(l.get("flags").toString()).contains("no fit: ");
            }
        }
        assertThat(layers.get(0).get("shape").toString()).isEqualTo("[16,1,3,3]");
        assertThat(root.get("summary").get("layers").asInt()).isEqualTo(4);
        assertThat(root.get("summary").get("fitted_layers").asInt()).isEqualTo(expected.fitted().size());
    }

    @Test
    void deadUnitsOfAReluNetAreReportedPerLayer() throws Exception {
        SafeTensors file = SafeTensors.read(Files.readAllBytes(reluNet));
        double coreDead = DeadUnits.fraction(file.values("fc2.weight"), 64, file.values("fc2.bias"));
        assertThat(coreDead).isEqualTo(0.5);

        Run json = analyze(reluNet.toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode layers = json.json().get("layers");
        assertThat(layers.get(0).get("name").asText()).isEqualTo("fc1");
        assertThat(layers.get(0).get("dead_fraction").isNull()).as("first layer sees data, not ReLU outputs").isTrue();
        assertThat(layers.get(1).get("dead_fraction").asDouble()).isEqualTo(coreDead);
        assertThat(layers.get(2).get("dead_fraction").asDouble()).isZero();
        assertThat(json.json().get("summary").get("dead_units").get("fc2").asDouble()).isEqualTo(0.5);

        Run table = analyze(reluNet.toString());
        assertThat(table.out()).contains("dead units 50.0%").contains("dead units     fc2 50.0%");
        // Overriding the activation switches the criterion off (dead units are defined for ReLU nets only).
        Run tanh = analyze(reluNet.toString(), "--json", "--activation", "tanh");
        assertThat(tanh.json().get("layers").get(1).get("dead_fraction").isNull()).isTrue();
    }

    @Test
    void weightWatchersOwnCaseGivesWeightWatchersAlphas() throws Exception {
        Path shared = Path.of(System.getProperty("weightcast.projectRoot", "."), "..", "shared").normalize();
        Path caseFile = shared.resolve("data/ww/cases/e_small_cnn.safetensors");
        Path expectedFile = shared.resolve("data/ww/expected/e_small_cnn.json");
        assertTrue(Files.isRegularFile(caseFile) && Files.isRegularFile(expectedFile),
                "WeightWatcher reference files missing: " + caseFile + ", " + expectedFile);
        SpectralReport core = new SpectralAnalyzer().analyze(SafeTensors.read(Files.readAllBytes(caseFile)));

        Run json = analyze(caseFile.toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode layers = json.json().get("layers");
        JsonNode details = Json.MAPPER.readTree(expectedFile.toFile()).get("details");
        assertThat(details).isNotEmpty();
        for (JsonNode ww : details) {
            String name = ww.get("longname").asText();
            JsonNode ours = find(layers, name);
            double alpha = ours.get("alpha").asDouble();
            assertThat(alpha).as(name).isEqualTo(core.metrics(name).alpha());
            assertThat(alpha).as(name + " vs WeightWatcher").isCloseTo(ww.get("alpha").asDouble(),
                    within(1e-3 * Math.abs(ww.get("alpha").asDouble())));
            assertThat(ours.get("num_evals").asInt()).isEqualTo(ww.get("num_evals").asInt());
        }
        assertThat(find(layers, "conv1").get("status").asText()).isEqualTo("skipped");

        Run table = analyze(caseFile.toString());
        for (JsonNode ww : details) {
            assertThat(table.out()).contains(String.format(java.util.Locale.ROOT, "%.3f", ww.get("alpha").asDouble()));
        }
    }

    @Test
    void aSweepsDirectoryIsAnalysedInOneRunAndABadFileDoesNotStopIt(@TempDir Path sweep) throws Exception {
        Files.copy(digitsCnn, sweep.resolve("a-digits.safetensors"));
        Files.createDirectories(sweep.resolve("run-2"));
        Files.copy(reluNet, sweep.resolve("run-2").resolve("b-relu.safetensors"));
        Files.write(sweep.resolve("c-broken.safetensors"), new byte[] {1, 2, 3});
        Files.writeString(sweep.resolve("notes.txt"), "not a checkpoint");

        Run table = analyze(sweep.toString());
        assertThat(table.code()).as("a file failed").isEqualTo(2);
        List<String> lines = table.out().lines().toList();
        assertThat(lines).anyMatch(l -> l.contains("a-digits.safetensors") && l.contains("4,970"));
        assertThat(lines).anyMatch(l -> l.contains("b-relu.safetensors"));
        assertThat(lines.get(lines.size() - 1)).startsWith("2 of 3 checkpoints").contains("checkpoints/s").contains("spectra");
        assertThat(table.err()).contains("c-broken.safetensors").contains("1 of 3 checkpoints could not be analysed");

        Run json = analyze(sweep.resolve("a-digits.safetensors").toString(), sweep.resolve("run-2").toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode totals = json.json().get("totals");
        assertThat(totals.get("analysed").asInt()).isEqualTo(2);
        assertThat(totals.get("checkpoints_per_second").asDouble()).isPositive();
        assertThat(json.json().get("checkpoints").get(1).get("file").asText()).endsWith("b-relu.safetensors");

        Run report = analyze(sweep.toString(), "--report", sweep.resolve("out").toString());
        assertThat(report.code()).isEqualTo(2);
        assertThat(report.err()).contains("--report writes one checkpoint's page");
    }

    /**
     * A Hugging Face sharded checkpoint (2 shards + model.safetensors.index.json, written with SafeTensorsWriter) gives the
     * unsharded file's numbers, by its index and as a directory; the integer tensor is skipped with a note.
     */
    @Test
    void aShardedCheckpointGivesTheSameFeaturesAsTheUnshardedFile(@TempDir Path out) throws Exception {
        SafeTensors cnn = SafeTensors.read(Files.readAllBytes(digitsCnn));
        byte[] counter = {5, 0, 0, 0, 0, 0, 0, 0};
        SafeTensorsWriter whole = new SafeTensorsWriter().metadata(cnn.metadata());
        SafeTensorsWriter first = new SafeTensorsWriter().metadata(cnn.metadata());
        SafeTensorsWriter second = new SafeTensorsWriter().metadata("format", "pt");
        StringBuilder weightMap = new StringBuilder();
        for (TensorInfo t : cnn.tensorsByOffset()) {
            boolean inFirst = t.name().startsWith("conv1") || t.name().startsWith("conv2");
            whole.raw(t.name(), t.dtype(), t.shape(), cnn.view(t));
            (inFirst ? first : second).raw(t.name(), t.dtype(), t.shape(), cnn.view(t));
            weightMap.append(weightMap.length() == 0 ? "" : ",").append('"').append(t.name()).append("\":\"model-0000")
                    .append(inFirst ? 1 : 2).append("-of-00002.safetensors\"");
        }
        whole.raw("bn.num_batches_tracked", DType.I64, new long[] {}, counter);
        second.raw("bn.num_batches_tracked", DType.I64, new long[] {}, counter);
        weightMap.append(",\"bn.num_batches_tracked\":\"model-00002-of-00002.safetensors\"");
        Path unsharded = Files.write(out.resolve("whole.safetensors"), whole.toBytes());
        Path shards = Files.createDirectories(out.resolve("sharded"));
        Files.write(shards.resolve("model-00001-of-00002.safetensors"), first.toBytes());
        Files.write(shards.resolve("model-00002-of-00002.safetensors"), second.toBytes());
        Path index = Files.writeString(shards.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":" + cnn.dataBytes() + "},\"weight_map\":{" + weightMap + "}}");

        Run expected = analyze(unsharded.toString(), "--json", "--threads", "1");
        Run sharded = analyze(index.toString(), "--json", "--threads", "1");
        assertThat(expected.code()).as(expected.err()).isZero();
        assertThat(sharded.code()).as(sharded.err()).isZero();
        assertThat(sharded.json().get("layers")).isEqualTo(expected.json().get("layers"));
        for (String field : List.of("layers", "parameters", "alpha", "log_norm", "dead_units", "notes")) {
            assertThat(sharded.json().get("summary").get(field)).as(field).isEqualTo(expected.json().get("summary").get(field));
        }
        assertThat(sharded.json().get("summary").get("notes").toString())
                .contains("1 integer/bool tensor(s) skipped, not weights (I64: bn.num_batches_tracked)");
        assertThat(sharded.json().get("metadata").get("total_size").asText()).isEqualTo(Long.toString(cnn.dataBytes()));

        Run dir = analyze(shards.toString(), "--json");
        assertThat(dir.code()).as(dir.err()).isZero();
        assertThat(dir.json().get("layers")).as("a directory with an index is that one checkpoint").isEqualTo(expected.json().get("layers"));

        Files.delete(shards.resolve("model-00002-of-00002.safetensors"));
        Run missing = analyze(index.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("not a valid sharded safetensors checkpoint")
                .contains("shard model-00002-of-00002.safetensors listed in model.safetensors.index.json").contains("is missing");
    }

    @Test
    void reportWritesAPageAndRealPngs(@TempDir Path out) throws Exception {
        Path report = out.resolve("report");
        Run run = analyze(digitsCnn.toString(), "--report", report.toString());
        assertThat(run.code()).as(run.err()).isZero();
        String html = Files.readString(report.resolve("index.html"));
        for (String layer : List.of("conv1", "conv2", "conv3", "dense")) {
            assertThat(html).contains(layer).contains("weights-0");
        }
        assertThat(html).contains("alpha.png").contains("esd-01-conv2.png");
        List<Path> pngs;
        try (Stream<Path> files = Files.list(report)) {
            pngs = files.filter(p -> p.toString().endsWith(".png")).toList();
        }
        // alpha chart, an ESD per fitted layer (conv1 has 9 eigenvalues: skipped), a weight histogram per layer
        assertThat(pngs).hasSize(1 + 3 + 4);
        for (Path png : pngs) {
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes.length).as(png.toString()).isGreaterThan(2000);
            assertThat(Arrays.copyOf(bytes, 8)).as(png.toString()).isEqualTo(PNG_SIGNATURE);
            assertThat(html).contains(png.getFileName().toString());
        }
    }

    @Test
    void aModelFileGivesAPredictionWithIntervals(@TempDir Path out) throws Exception {
        Path modelFile = Files.write(out.resolve("model.json"), Json.bytes(model));

        Run json = analyze(digitsCnn.toString(), "--json", "--model", modelFile.toString());
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode p = json.json().get("prediction");
        double predicted = p.get("predicted_final_accuracy").asDouble();
        assertThat(predicted).isBetween(0.0, 1.0);
        // The tiny model's target is val_acc + 0.1: the file reports val_acc 0.81.
        assertThat(predicted).isCloseTo(0.91, within(0.08));
        assertThat(p.get("intervals")).hasSize(2);
        assertThat(p.get("layout_matches").asBoolean()).isTrue();
        assertThat(p.get("step").asLong()).isEqualTo(5);
        assertThat(p.get("planned_steps").asInt()).isEqualTo(18);

        Run table = analyze(digitsCnn.toString(), "--model", modelFile.toString(), "--step", "9");
        assertThat(table.code()).isZero();
        assertThat(table.out()).contains("prediction     final accuracy ").contains("80%: ").contains("step 9 of 18");

        // A file without step: predicted as step 1, and said so. A model of another layout: said so.
        Path noStep = Files.write(out.resolve("nostep.safetensors"), digitsCnnBytes(3,
                Map.of("hparams", "{\"optimizer.lr\":0.1,\"momentum\":0.9}")));
        ModelVersion other = ModelVersion.builder().name(model.name()).version(2).layoutVersion(FeatureLayout.VERSION + 1)
                .featureNames(model.featureNames()).modelText(model.modelText()).trainingRuns(model.trainingRuns())
                .trainingRows(model.trainingRows()).holdout(model.holdout()).residualQuantiles(model.residualQuantiles())
                .studyReferences(Map.of()).build();
        Path otherFile = Files.write(out.resolve("other.json"), Json.bytes(other));
        Run notes = analyze(noStep.toString(), "--json", "--model", otherFile.toString());
        assertThat(notes.code()).as(notes.err()).isZero();
        JsonNode q = notes.json().get("prediction");
        assertThat(q.get("step").asLong()).isEqualTo(1);
        assertThat(q.get("layout_matches").asBoolean()).isFalse();
        assertThat(q.get("notes").toString()).contains("no step").contains("feature layout v" + (FeatureLayout.VERSION + 1))
                .contains("no feature takes").contains("optimizer.lr (no feature reads this name)").doesNotContain("momentum");
        assertThat(q.get("predicted_final_accuracy").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void theLatestModelOfARunningWeightcastGivesAPrediction() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.tempDir())) {
            String bootstrap = kafka.bootstrapServers();
            Topics topics = new Topics("t1.");
            TopicSetup.ensure(bootstrap, topics, 1, (short) 1);

            Run none = analyze(digitsCnn.toString(), "--bootstrap", bootstrap, "--topic-prefix", "t1.", "--timeout", "10");
            assertThat(none.code()).isEqualTo(1);
            assertThat(none.err().strip()).contains("no 'final-accuracy' model on topic t1.models").doesNotContain("\n");

            ModelVersion older = ModelVersion.builder().name(model.name()).version(1).layoutVersion(model.layoutVersion())
                    .featureNames(model.featureNames()).modelText("not a model").trainingRuns(1).trainingRows(1)
                    .holdout(model.holdout()).residualQuantiles(model.residualQuantiles()).studyReferences(Map.of())
                    .build();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, "test"),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(older))).get();
                producer.send(new ProducerRecord<>(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(model))).get();
            }
            Run run = analyze(digitsCnn.toString(), "--json", "--bootstrap", bootstrap, "--topic-prefix", "t1.", "--timeout", "10");
            assertThat(run.code()).as(run.err()).isZero();
            JsonNode p = run.json().get("prediction");
            assertThat(p.get("model_version").asInt()).as("the latest version, not the first").isEqualTo(model.version());
            assertThat(p.get("predicted_final_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(p.get("source").asText()).contains("t1.models");

            // with that Weightcast's signing key, the unsigned versions are passed over and a signed one is used
            Path keyFile = RecordSignature.ensureKeyFile(EmbeddedKafka.tempDir().resolve("models-signing.key"));
            Run unsigned = analyze(digitsCnn.toString(), "--bootstrap", bootstrap, "--topic-prefix", "t1.", "--timeout", "10",
                    "--signing-key-file", keyFile.toString());
            assertThat(unsigned.code()).isEqualTo(1);
            assertThat(unsigned.err()).contains("none of the 2 'final-accuracy' models").contains("valid signature");
            ModelVersion signed = ModelVersion.builder().name(model.name()).version(model.version() + 1).layoutVersion(model.layoutVersion())
                    .featureNames(model.featureNames()).modelText(model.modelText()).trainingRuns(1).trainingRows(1)
                    .holdout(model.holdout()).residualQuantiles(model.residualQuantiles()).studyReferences(Map.of()).build();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, "test"),
                    new StringSerializer(), new ByteArraySerializer())) {
                ProducerRecord<String, byte[]> r = new ProducerRecord<>(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(signed));
                RecordSignature.from(io.weightcast.core.config.Settings.of(Map.of("models.signing.key.file", keyFile.toString())))
                        .sign(r.headers(), topics.models(), ModelVersion.ACCURACY_MODEL, r.value());
                producer.send(r).get();
                producer.send(new ProducerRecord<>(topics.models(), ModelVersion.ACCURACY_MODEL, Json.bytes(older))).get(); // unsigned, newer
            }
            Run verified = analyze(digitsCnn.toString(), "--json", "--bootstrap", bootstrap, "--topic-prefix", "t1.", "--timeout", "10",
                    "--signing-key-file", keyFile.toString());
            assertThat(verified.code()).as(verified.err()).isZero();
            assertThat(verified.json().get("prediction").get("model_version").asInt()).isEqualTo(signed.version());
        }
    }

    @Test
    void badFilesGetOneLineAndExitCode2(@TempDir Path out) throws Exception {
        Path garbage = Files.writeString(out.resolve("garbage.safetensors"), "this is not a checkpoint at all\n");
        byte[] good = Files.readAllBytes(digitsCnn);
        Path truncated = Files.write(out.resolve("truncated.safetensors"), Arrays.copyOf(good, good.length - 100));
        Path noLayers = Files.write(out.resolve("nolayers.safetensors"), new SafeTensorsWriter()
                .tensor("bn.running_mean", DType.F32, new long[] {4}, new double[] {1, 2, 3, 4}).toBytes());
        Path badModel = Files.writeString(out.resolve("model.json"), "{\"name\": ");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {garbage.toString()});
        cases.add(new String[] {truncated.toString()});
        cases.add(new String[] {noLayers.toString()});
        cases.add(new String[] {out.resolve("missing.safetensors").toString()});
        cases.add(new String[] {Files.createDirectories(out.resolve("empty")).toString()}); // a directory is a sweep: of nothing
        cases.add(new String[] {digitsCnn.toString(), "--model", badModel.toString()});
        List<String> reasons = List.of("not a valid safetensors file", "truncated", "no weight layers", "no such file",
                "holds no *.safetensors file", "model file");
        for (int i = 0; i < cases.size(); i++) {
            Run run = analyze(cases.get(i));
            assertThat(run.code()).as(String.join(" ", cases.get(i))).isEqualTo(2);
            assertThat(run.out()).isEmpty();
            assertThat(run.err().strip()).startsWith("weightcast analyze: ").contains(reasons.get(i))
                    .doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private static Run analyze(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = WeightcastCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = "analyze";
        System.arraycopy(args, 0, full, 1, args.length);
        int code = cmd.execute(full);
        return new Run(code, out.toString(), err.toString());
    }

    private static JsonNode find(JsonNode layers, String name) {
        for (JsonNode l : layers) {
            if (l.get("name").asText().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no layer " + name + " in " + layers);
    }

    /** The demo zoo's digits CNN (3 conv × 16 filters 3×3 + dense to 10), PyTorch default init. */
    static byte[] digitsCnnBytes(long seed, Map<String, String> metadata) {
        Random random = new Random(seed);
        return CheckpointBuilder.empty().meta(metadata)
                .conv("conv1", 16, 1, 3, Fill.pytorchInit(random, 9), Fill.pytorchInit(random, 9))
                .conv("conv2", 16, 16, 3, Fill.pytorchInit(random, 144), Fill.pytorchInit(random, 144))
                .conv("conv3", 16, 16, 3, Fill.pytorchInit(random, 144), Fill.pytorchInit(random, 144))
                .dense("dense", 10, 16, Fill.pytorchInit(random, 16), Fill.pytorchInit(random, 16))
                .bytes();
    }

    /** A 32 → 64 → 64 → 10 ReLU MLP whose second layer has its first 32 units dead (weights and bias ≤ 0). */
    static byte[] reluNetWithDeadLayer() {
        Random random = new Random(11);
        CheckpointBuilder checkpoint = CheckpointBuilder.empty().meta(Map.of("run_id", "dead", "step", "4", "activation", "relu"))
                .dense("fc1", 64, 32, Fill.pytorchInit(random, 32), Fill.pytorchInit(random, 32));
        double[] fc2 = uniform(random, 64 * 64, 64);
        double[] fc2Bias = uniform(random, 64, 64);
        for (int unit = 0; unit < 64; unit++) {
            if (unit < 32) {
                for (int i = 0; i < 64; i++) {
                    fc2[unit * 64 + i] = -Math.abs(fc2[unit * 64 + i]);
                }
                fc2Bias[unit] = -Math.abs(fc2Bias[unit]) - 0.01;
            } else {
                fc2[unit * 64] = Math.abs(fc2[unit * 64]) + 0.01;
            }
        }
        return checkpoint.tensor("fc2.weight", new long[] {64, 64}, fc2).tensor("fc2.bias", new long[] {64}, fc2Bias)
                .dense("fc3", 10, 64, Fill.pytorchInit(random, 64), Fill.pytorchInit(random, 64))
                .bytes();
    }

    private static double[] uniform(Random random, int n, int fanIn) {
        Fill init = Fill.pytorchInit(random, fanIn);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = init.at(i);
        }
        return v;
    }

    /** A real LightGBM regressor on the current feature layout whose target is metric_val_acc + 0.1. */
    static ModelVersion tinyModel() throws Exception {
        int rows = 300;
        int cols = FeatureLayout.size();
        int valAcc = FeatureLayout.indexOf("metric_val_acc");
        Random random = new Random(5);
        double[] x = new double[rows * cols];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                x[r * cols + c] = random.nextGaussian();
            }
            double acc = 0.2 + 0.7 * random.nextDouble();
            x[r * cols + valAcc] = acc;
            y[r] = (float) (acc + 0.1);
        }
        String params = "objective=regression num_leaves=7 min_data_in_leaf=5 learning_rate=0.3 num_threads=1 verbose=-1 seed=1 deterministic=true";
        try (LGBMDataset data = LGBMDataset.createFromMat(x, rows, cols, true, "verbose=-1", null)) {
            data.setField("label", y);
            try (LGBMBooster booster = LGBMBooster.create(data, params)) {
                for (int i = 0; i < 40; i++) {
                    booster.updateOneIter();
                }
                String text = booster.saveModelToString(0, 0, LGBMBooster.FeatureImportanceType.SPLIT);
                return ModelVersion.builder().name(ModelVersion.ACCURACY_MODEL).version(3)
                        .layoutVersion(FeatureLayout.VERSION).featureNames(FeatureLayout.names()).modelText(text)
                        .trainingRuns(30).trainingRows(rows).holdout(new HoldoutMetrics(0.9, 0.03, 0.8, 10, 40))
                        .residualQuantiles(Map.of("0.8", 0.05, "0.95", 0.1)).studyReferences(Map.of())
                        .createdAt(System.currentTimeMillis()).build();
            }
        }
    }
}
