package io.weightcast.app.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The throwaway data and work directories the harnesses (bench, chaos, overload, safety, eval-live) give a stack. */
public final class ScratchDirs {
    private ScratchDirs() {
    }

    /** Deletes {@code dir} and everything under it; a failure is reported on stderr, never thrown (it is scratch). */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
