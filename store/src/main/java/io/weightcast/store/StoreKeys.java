package io.weightcast.store;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;

/** The claim check's settings, shared by the producers (ingest, the Java SDK) and the streams service ({@link ClaimChecks}). */
public final class StoreKeys {
    public static final Key<String> URI = Key.text("store.uri", null,
            "where producers (ingest, the Java SDK) write checkpoints above `store.threshold.bytes`, sending Kafka a reference "
                    + "(`ref_uri`, `ref_bytes`, `ref_sha256`) instead: a directory `file:///mnt/checkpoints` (a PVC or NFS mount at "
                    + "the same path on every host) or `s3://bucket/prefix`; unset: every checkpoint goes inline");
    public static final Key<Long> THRESHOLD_BYTES = Key.longInteger("store.threshold.bytes", 64L << 20,
            "checkpoints above this many bytes go to `store.uri` by reference; smaller ones stay inline (split into records "
                    + "above the record limit)").rule("≥ 0", n -> n >= 0);
    public static final Key<String> READ_ROOTS = Key.text("store.read.roots", null,
            "comma-separated `file://` directories and `s3://bucket/prefix` roots the streams service reads referenced "
                    + "checkpoints from; a reference anywhere else (or through `..` or a symlink out of a root) is "
                    + "dead-lettered as `ref_refused` and never read").shownAs("<store.uri>");
    public static final Key<String> S3_ENDPOINT = Key.text("store.s3.endpoint", null,
            "endpoint of an S3-compatible store (MinIO, Ceph, S3Proxy), e.g. `http://minio:9000`; unset: AWS S3. Credentials "
                    + "come from the AWS SDK's default chain (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, a profile, web identity)");
    public static final Key<String> S3_REGION = Key.text("store.s3.region", "us-east-1", "the S3 region");
    public static final Key<Boolean> S3_PATH_STYLE = Key.bool("store.s3.path.style", false,
            "path-style requests (`endpoint/bucket/key`), which most S3-compatible stores want");
    public static final Key<String> SPOOL_DIR = Key.text("store.spool.dir", null,
            "where the streams service downloads a referenced S3 object to map it per tensor (deleted after use); needs room "
                    + "for the checkpoints being processed at once").shownAs("<java.io.tmpdir>");

    public static final KeyGroup GROUP = KeyGroup.of("store", "Claim check (design §10): big checkpoints in a shared store, "
            + "references on Kafka (ClaimChecks).", URI, THRESHOLD_BYTES, READ_ROOTS, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, SPOOL_DIR);

    private StoreKeys() {
    }
}
