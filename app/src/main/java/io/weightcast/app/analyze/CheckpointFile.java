package io.weightcast.app.analyze;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A checkpoint on disk, opened memory-mapped ({@link SafeTensors#open}): a safetensors file of any size, or a Hugging
 * Face {@code *.index.json} with its shards. Only the header is read; the analysis pages the weights in tensor by
 * tensor, so the heap stays small. Every way it can be unusable is an {@link AnalyzeFailure}.
 *
 * @param bytes the file's size; of a sharded checkpoint, its tensors' bytes over all shards
 */
record CheckpointFile(Path path, long bytes, SafeTensors tensors) {

    static CheckpointFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw AnalyzeFailure.badInput(path + " is a directory, not a safetensors file");
        }
        boolean index = path.getFileName() != null && path.getFileName().toString().endsWith(".index.json");
        try {
            SafeTensors tensors = SafeTensors.open(path);
            return new CheckpointFile(path, index ? tensors.dataBytes() : Files.size(path), tensors);
        } catch (SafeTensorsFormatException e) {
            throw AnalyzeFailure.badInput(path + " is not a valid " + (index ? "sharded safetensors checkpoint" : "safetensors file")
                    + ": " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw AnalyzeFailure.badInput(path + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw AnalyzeFailure.badInput(path + ": permission denied", e);
        } catch (IOException e) {
            throw AnalyzeFailure.badInput(path + " cannot be read: " + e.getMessage(), e);
        }
    }
}
