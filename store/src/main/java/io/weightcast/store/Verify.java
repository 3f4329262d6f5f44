package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;
import java.net.URI;
import java.util.Set;
import java.util.TreeSet;

/** The two checks every store makes before a referenced file is read: its size, then its content hash. */
final class Verify {
    private Verify() {
    }

    static void size(CheckpointReference ref, long actual) {
        size("referenced checkpoint " + ref.uri(), ref.bytes(), actual);
    }

    static void sha256(CheckpointReference ref, String actual) {
        sha256("referenced checkpoint " + ref.uri(), ref.sha256(), actual);
    }

    /** @param what names the file in the message ("shard X of reference Y") */
    static void size(String what, long expected, long actual) {
        if (actual != expected) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISMATCH, what + " has " + actual + " bytes, the reference says "
                    + expected);
        }
    }

    static void sha256(String what, String expected, String actual) {
        if (!actual.equals(expected)) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISMATCH, what + " has SHA-256 " + actual + ", the reference says "
                    + expected + " (changed after it was sent?)");
        }
    }

    static String shard(CheckpointReference.Shard shard, URI index) {
        return "shard " + shard.file() + " of the referenced checkpoint " + index;
    }

    /**
     * The shard names a verified index holds against the reference's {@code ref_shards}: a name that could leave the
     * index's directory is refused, a name either side lacks is a mismatch (the index and the list were not sent together).
     */
    static void shardNames(CheckpointReference ref, Iterable<String> inIndex) {
        Set<String> listed = new TreeSet<>();
        ref.shards().forEach(s -> listed.add(s.file()));
        Set<String> named = new TreeSet<>();
        for (String name : inIndex) {
            if (!CheckpointReference.plainFileName(name)) {
                throw new ClaimCheckException(ClaimCheckException.Problem.REFUSED, "the index " + ref.uri() + " names shard '" + name
                        + "', not a plain file name in its directory (no '/', '..', absolute paths)");
            }
            named.add(name);
        }
        Set<String> unlisted = new TreeSet<>(named);
        unlisted.removeAll(listed);
        Set<String> unnamed = new TreeSet<>(listed);
        unnamed.removeAll(named);
        if (!unlisted.isEmpty() || !unnamed.isEmpty()) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISMATCH, "the index " + ref.uri() + " and ref_shards disagree: "
                    + (unlisted.isEmpty() ? "" : "shards in the index's weight_map but not in ref_shards " + unlisted + " ")
                    + (unnamed.isEmpty() ? "" : "shards in ref_shards but not in the index " + unnamed));
        }
    }
}
