package io.weightcast.eval.studies;

import io.weightcast.eval.JsonTree;
import io.weightcast.eval.ZooLoader;
import io.weightcast.eval.Progress;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The command line the eval's studies share: {@code ZOO OUT.json LIST LIST [threads]} (two comma-separated
 * lists of the study's cells), the zoo loaded from its feature cache, and how the study writes its JSON.
 */
record StudyArgs(Path zooDir, Path out, String[] first, String[] second, int threads, ZooLoader.Loaded zoo) {
    static final int DEFAULT_THREADS = 2;

    /** @param usage e.g. {@code "LabelSoftnessStudy ZOO OUT.json SEEDS SOFTNESSES [threads]"} */
    static StudyArgs parse(String usage, String[] args) throws IOException, InterruptedException {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        Path zooDir = Path.of(args[0]);
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : DEFAULT_THREADS;
        ZooLoader.Loaded zoo = ZooLoader.load(zooDir, false, true, threads, Progress.NONE);
        return new StudyArgs(zooDir, Path.of(args[1]), list(args[2]), list(args[3]), threads, zoo);
    }

    private static String[] list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).toArray(String[]::new);
    }

    /** Writes {@code tree} to {@link #out} (NaN-safe, indented). */
    void write(Object tree) throws IOException {
        Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(JsonTree.sanitize(tree)) + "\n");
    }
}
