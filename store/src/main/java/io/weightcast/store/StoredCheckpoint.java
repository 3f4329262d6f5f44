package io.weightcast.store;

import io.weightcast.core.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A referenced checkpoint, verified and memory-mapped; closing it deletes the local copy of a downloaded object (the
 * mapping stays valid until it is collected: Linux keeps an unlinked file's pages while they are mapped).
 */
public final class StoredCheckpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredCheckpoint.class);

    private final SafeTensors checkpoint;
    private final Path download;

    StoredCheckpoint(SafeTensors checkpoint, Path download) {
        this.checkpoint = checkpoint;
        this.download = download;
    }

    public SafeTensors checkpoint() {
        return checkpoint;
    }

    @Override
    public void close() {
        if (download == null) {
            return;
        }
        try {
            Files.deleteIfExists(download);
        } catch (IOException e) {
            LOG.warn("could not delete the downloaded checkpoint {}: {}", download, e.toString());
        }
    }
}
