package io.weightcast.store;

import io.weightcast.core.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A referenced checkpoint, verified and memory-mapped; closing it deletes the local copy of a downloaded object, or the
 * directory a sharded checkpoint's objects were downloaded into (the mappings stay valid until they are collected:
 * Linux keeps an unlinked file's pages while they are mapped).
 */
public final class StoredCheckpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredCheckpoint.class);

    private final SafeTensors checkpoint;
    private final Path download;

    /** @param download a downloaded file or a directory of them (flat) to delete at close; null: nothing to delete */
    StoredCheckpoint(SafeTensors checkpoint, Path download) {
        this.checkpoint = checkpoint;
        this.download = download;
    }

    public SafeTensors checkpoint() {
        return checkpoint;
    }

    @Override
    public void close() {
        delete(download);
    }

    /** Deletes a downloaded file, or a flat directory of them; null: nothing. Logs what it cannot delete. */
    static void delete(Path download) {
        if (download == null) {
            return;
        }
        try {
            if (Files.isDirectory(download)) {
                try (Stream<Path> files = Files.list(download)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
            }
            Files.deleteIfExists(download);
        } catch (IOException e) {
            LOG.warn("could not delete the downloaded checkpoint {}: {}", download, e.toString());
        }
    }
}
