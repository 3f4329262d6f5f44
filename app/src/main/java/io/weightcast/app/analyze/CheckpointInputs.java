package io.weightcast.app.analyze;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What {@code weightcast analyze} was given, as files: a file as it is, a directory as every {@code *.safetensors} below it. */
final class CheckpointInputs {
    private CheckpointInputs() {
    }

    /** Files in the order given, each directory's in name order; a directory without checkpoints is bad input. */
    static List<Path> expand(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (!Files.isDirectory(in)) {
                files.add(in); // a missing or unreadable file fails where it is read, with its own reason
                continue;
            }
            List<Path> found = below(in);
            if (found.isEmpty()) {
                throw AnalyzeFailure.badInput(in + " holds no *.safetensors file");
            }
            files.addAll(found);
        }
        return files;
    }

    private static List<Path> below(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw AnalyzeFailure.badInput("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
