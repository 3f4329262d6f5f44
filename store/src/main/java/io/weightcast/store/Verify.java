package io.weightcast.store;

import io.weightcast.core.records.CheckpointReference;

/** The two checks every store makes before a referenced file is read: its size, then its content hash. */
final class Verify {
    private Verify() {
    }

    static void size(CheckpointReference ref, long actual) {
        if (actual != ref.bytes()) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISMATCH, "referenced checkpoint " + ref.uri() + " has "
                    + actual + " bytes, the reference says " + ref.bytes());
        }
    }

    static void sha256(CheckpointReference ref, String actual) {
        if (!actual.equals(ref.sha256())) {
            throw new ClaimCheckException(ClaimCheckException.Problem.MISMATCH, "referenced checkpoint " + ref.uri() + " has SHA-256 "
                    + actual + ", the reference says " + ref.sha256() + " (changed after it was sent?)");
        }
    }
}
