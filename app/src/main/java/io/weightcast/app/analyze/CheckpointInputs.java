package io.weightcast.app.analyze;

import io.weightcast.core.safetensors.ShardedCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What {@code weightcast analyze} was given, as checkpoints: a file as it is, a directory as every {@code *.safetensors}
 * below it, except that a Hugging Face {@code *.safetensors.index.json} stands for the shards it names (one checkpoint).
 */
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
        List<Path> found;
        try (Stream<Path> walk = Files.walk(dir)) {
            found = walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".safetensors")
                    || p.getFileName().toString().endsWith(".safetensors.index.json")).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw AnalyzeFailure.badInput("cannot list " + dir + ": " + e.getMessage(), e);
        }
        Set<Path> shards = new HashSet<>();
        for (Path p : found) {
            if (ShardedCheckpoint.isIndex(p)) {
                try {
                    ShardedCheckpoint.shardFiles(p).forEach(s -> shards.add(s.toAbsolutePath().normalize()));
                } catch (IOException | RuntimeException e) {
                    // a broken index is analysed (and fails with its reason) like any bad file; its shards stay files of their own
                }
            }
        }
        return found.stream().filter(p -> !shards.contains(p.toAbsolutePath().normalize())).toList();
    }
}
