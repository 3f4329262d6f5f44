package io.weightcast.app.analyze;

import io.weightcast.app.cli.ProgressBar;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A safetensors file read from disk (with progress) and parsed; every way it can be unusable is an {@link AnalyzeFailure}. */
record CheckpointFile(Path path, long bytes, SafeTensors tensors) {
    private static final int CHUNK = 4 << 20;
    /** The reader parses one byte[]: Java arrays stop just short of 2 GiB. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    static CheckpointFile read(Path path, ProgressBar progress) {
        byte[] bytes = readBytes(path, progress);
        try {
            return new CheckpointFile(path, bytes.length, SafeTensors.read(bytes));
        } catch (SafeTensorsFormatException e) {
            throw AnalyzeFailure.badInput(path + " is not a valid safetensors file: " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(Path path, ProgressBar progress) {
        if (Files.isDirectory(path)) {
            throw AnalyzeFailure.badInput(path + " is a directory, not a safetensors file");
        }
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw AnalyzeFailure.badInput(path + " is " + size + " bytes; files above 2 GiB are not supported");
            }
            byte[] out = new byte[(int) size];
            progress.start("reading", size, true);
            try (InputStream in = Files.newInputStream(path)) {
                int off = 0;
                while (off < out.length) {
                    int n = in.read(out, off, Math.min(CHUNK, out.length - off));
                    if (n < 0) {
                        throw AnalyzeFailure.badInput(path + " shrank while being read (" + off + " of " + size + " bytes)");
                    }
                    off += n;
                    progress.advance(n);
                }
            } finally {
                progress.finish();
            }
            return out;
        } catch (NoSuchFileException e) {
            throw AnalyzeFailure.badInput(path + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw AnalyzeFailure.badInput(path + ": permission denied", e);
        } catch (IOException e) {
            throw AnalyzeFailure.badInput(path + " cannot be read: " + e.getMessage(), e);
        }
    }
}
