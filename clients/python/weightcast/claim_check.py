"""The claim check (design §10): a checkpoint too big for Kafka goes to a shared store, Kafka carries its reference.

The reference record is a safetensors file with no tensors whose ``__metadata__`` is the checkpoint's plus
``ref_uri`` (``file:///dir/...`` or ``s3://bucket/key``), ``ref_bytes`` (the file's size) and ``ref_sha256`` (its
SHA-256, 64 lowercase hex digits); the streams service reads the file from its configured roots, checks size and
hash, and dead-letters a reference it cannot honour. Objects are named like the Java producers name them:
``runs/<run id reduced to [A-Za-z0-9_.-]>/<step>-<sha256>.safetensors``, so a retry rewrites the same object.

Stores: a directory every service mounts at the same path (``file:///mnt/checkpoints`` or a plain path), or
``s3://bucket/prefix`` (needs ``boto3``; credentials and endpoint from boto3's usual configuration, e.g.
``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``).

Big checkpoints are streamed (``store_state_dict``): the safetensors file is written tensor by tensor while it is hashed
(at most one tensor's bytes in memory), straight into the store's directory (a ``FileStore``) or into a local temporary
directory that is then uploaded from disk (``S3Store``). Above ``max_shard_bytes`` (default 5 GB, as Hugging Face's
``save_pretrained``) the checkpoint is sharded as Hugging Face shards it: ``model-0000i-of-0000n.safetensors`` files
and a ``model.safetensors.index.json`` (``{"metadata": {"total_size": ...}, "weight_map": {tensor: shard}}``) in the
directory ``runs/<run>/<step>-<digest>/``; the record's ``ref_uri``/``ref_bytes``/``ref_sha256`` are the index's and
``ref_shards`` lists every shard's ``file``, ``bytes`` and ``sha256`` (``digest``: SHA-256 of one
``"<file> <sha256>\\n"`` line per shard in file-name order, as Java's ``CheckpointReference.shardsDigest``).
"""

import hashlib
import json
import os
import re
import struct
import tempfile
import shutil
import urllib.parse
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from . import safetensors

#: Checkpoints above this many bytes go by reference (the Java side's ``store.threshold.bytes`` default).
DEFAULT_THRESHOLD_BYTES = 64 * 1024 * 1024
#: Shards of at most this many bytes (Hugging Face's ``max_shard_size="5GB"``; S3's single PUT takes up to 5 GB).
DEFAULT_MAX_SHARD_BYTES = 5_000_000_000
URI_KEY, BYTES_KEY, SHA256_KEY, SHARDS_KEY = "ref_uri", "ref_bytes", "ref_sha256", "ref_shards"
INDEX_NAME = "model.safetensors.index.json"
_BUFFER = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def object_key(run_id: str, step: int, sha256: str) -> str:
    """``runs/<run>/<step>-<sha256>.safetensors`` (as ``CheckpointReference.objectKey`` in Java)."""
    run = _UNSAFE.sub("_", run_id)
    if run.startswith("."):
        run = "_" + run[1:]  # never "." or ".."
    return f"runs/{run}/{int(step)}-{sha256}.safetensors"


def sharded_directory(run_id: str, step: int, digest: str) -> str:
    """``runs/<run>/<step>-<digest>/`` (as ``CheckpointReference.shardedDirectory`` in Java)."""
    return object_key(run_id, step, digest)[:-len(".safetensors")] + "/"


def shards_digest(shards: Sequence[Mapping[str, object]]) -> str:
    """SHA-256 of ``"<file> <sha256>\\n"`` per shard in file-name order (as ``CheckpointReference.shardsDigest``)."""
    text = "".join(f"{s['file']} {s['sha256']}\n" for s in sorted(shards, key=lambda s: s["file"]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def header_metadata(data: bytes) -> Dict[str, str]:
    """The ``__metadata__`` of a safetensors file, from its header alone (the tensors are not copied)."""
    if len(data) < 8:
        raise safetensors.SafeTensorsFormatError(f"truncated: {len(data)} bytes")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n < 2 or 8 + n > len(data):
        raise safetensors.SafeTensorsFormatError(f"header length {n} does not fit {len(data)} bytes")
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    meta = header.get("__metadata__", {}) if isinstance(header, dict) else {}
    return dict(meta)


class FileStore:
    """A shared directory: writes to a temporary name, syncs, then renames, so a reference never names half a file."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ValueError(f"checkpoint store {root} is not a directory")

    def put(self, key: str, data: bytes) -> str:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target.as_uri()

    def staging(self) -> Path:
        """A new directory to write files into before ``commit`` (in the store: a rename moves them into place)."""
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="checkpoint-", dir=incoming))

    def commit(self, staged: Sequence[Tuple[str, Path]]) -> List[str]:
        """Moves staged files (synced) to their keys, in the given order (an index after its shards); their URIs."""
        uris = []
        for key, path in staged:
            target = self.root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            uris.append(target.as_uri())
        return uris


class S3Store:
    """A bucket under a key prefix, through boto3 (imported only when used)."""

    def __init__(self, uri: str, client=None, spool: Optional[str] = None):
        self.spool = spool  # where big checkpoints are written before their upload (default: the temp directory)
        parsed = urllib.parse.urlparse(uri)
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        if not self.bucket:
            raise ValueError(f"an S3 store is s3://bucket[/prefix], not {uri}")
        if client is None:
            import boto3  # optional dependency
            client = boto3.client("s3")
        self.client = client

    def put(self, key: str, data: bytes) -> str:
        full = f"{self.prefix}/{key}" if self.prefix else key
        self.client.put_object(Bucket=self.bucket, Key=full, Body=data, ContentLength=len(data))
        return f"s3://{self.bucket}/{full}"

    def staging(self) -> Path:
        """A new local directory to write files into before ``commit`` uploads them."""
        return Path(tempfile.mkdtemp(prefix="weightcast-checkpoint-", dir=self.spool))

    def commit(self, staged: Sequence[Tuple[str, Path]]) -> List[str]:
        """Uploads staged files from disk (streamed; boto3's managed, multipart ``upload_file`` when the client has it),
        in the given order, and deletes them; their URIs."""
        uris = []
        for key, path in staged:
            full = f"{self.prefix}/{key}" if self.prefix else key
            if hasattr(self.client, "upload_file"):
                self.client.upload_file(str(path), self.bucket, full)
            else:
                with open(path, "rb") as f:
                    self.client.put_object(Bucket=self.bucket, Key=full, Body=f, ContentLength=os.path.getsize(path))
            os.unlink(path)
            uris.append(f"s3://{self.bucket}/{full}")
        return uris


def store_for(uri: str):
    """A store from ``file:///dir``, a plain directory path, or ``s3://bucket/prefix``."""
    if uri.startswith("s3://"):
        return S3Store(uri)
    if uri.startswith("file://"):
        return FileStore(urllib.parse.unquote(urllib.parse.urlparse(uri).path))
    return FileStore(uri)


def reference_record(store, run_id: str, step: int, data: bytes) -> bytes:
    """Stores the checkpoint file ``data`` and returns the record Kafka gets instead of it."""
    sha = hashlib.sha256(data).hexdigest()
    uri = store.put(object_key(run_id, step, sha), data)
    meta = {k: v for k, v in header_metadata(data).items() if k not in (URI_KEY, BYTES_KEY, SHA256_KEY)}
    meta.setdefault("run_id", run_id)
    meta.setdefault("step", str(int(step)))
    meta.update({URI_KEY: uri, BYTES_KEY: str(len(data)), SHA256_KEY: sha})
    return safetensors.write([], meta)


class _HashingWriter:
    """A binary file that hashes and counts what goes through it."""

    def __init__(self, f):
        self.f, self.sha, self.bytes = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.bytes += len(data)
        return self.f.write(data)


def _write_synced(path: Path, specs, metadata) -> Tuple[int, str]:
    with open(path, "wb") as f:
        out = _HashingWriter(f)
        safetensors.stream(out, specs, metadata)
        f.flush()
        os.fsync(f.fileno())
    return out.bytes, out.sha.hexdigest()


def plan_shards(specs: Sequence["safetensors.TensorSpec"], max_shard_bytes: int) -> List[list]:
    """Tensors in order, a new shard before a tensor that would take the current one past ``max_shard_bytes`` (by
    tensor bytes, as ``save_pretrained``); a tensor larger than that gets a shard of its own."""
    if max_shard_bytes <= 0:
        raise ValueError("max_shard_bytes must be > 0")
    shards, current, size = [], [], 0
    for s in specs:
        if current and size + s.nbytes > max_shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.append(s)
        size += s.nbytes
    return shards + [current] if current else shards


def store_state_dict(store, run_id: str, step: int, specs: Sequence["safetensors.TensorSpec"],
                     metadata: Mapping[str, str], max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES) -> bytes:
    """Writes the checkpoint of ``specs`` (``safetensors.specs_of(state_dict)``) to ``store`` one tensor at a time while
    hashing it, sharded above ``max_shard_bytes``, and returns the reference record Kafka gets instead of it."""
    meta = {k: v for k, v in metadata.items() if k not in (URI_KEY, BYTES_KEY, SHA256_KEY, SHARDS_KEY)}
    meta.setdefault("run_id", run_id)
    meta.setdefault("step", str(int(step)))
    groups = plan_shards(list(specs), max_shard_bytes)
    staging = store.staging()
    try:
        if len(groups) <= 1:
            path = staging / "checkpoint.safetensors"
            size, sha = _write_synced(path, groups[0] if groups else [], meta)
            uri, = store.commit([(object_key(run_id, step, sha), path)])
            ref = {URI_KEY: uri, BYTES_KEY: str(size), SHA256_KEY: sha}
        else:
            n = len(groups)
            shards, weight_map, staged = [], {}, []
            for i, group in enumerate(groups):
                name = f"model-{i + 1:05d}-of-{n:05d}.safetensors"
                size, sha = _write_synced(staging / name, group, meta)
                shards.append({"file": name, "bytes": size, "sha256": sha})
                weight_map.update({s.name: name for s in group})
                staged.append(name)
            index = json.dumps({"metadata": {"total_size": sum(s.nbytes for g in groups for s in g)},
                                "weight_map": weight_map}, indent=2).encode("utf-8")
            (staging / INDEX_NAME).write_bytes(index)
            directory = sharded_directory(run_id, step, shards_digest(shards))
            uris = store.commit([(directory + name, staging / name) for name in staged + [INDEX_NAME]])
            ref = {URI_KEY: uris[-1], BYTES_KEY: str(len(index)), SHA256_KEY: hashlib.sha256(index).hexdigest(),
                   SHARDS_KEY: json.dumps(shards, separators=(",", ":"))}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    meta.update(ref)
    return safetensors.write([], meta)


class ClaimCheckTransport:
    """Wraps a transport: checkpoints above ``threshold_bytes`` go to ``store`` and the wrapped transport sends their
    reference record; everything else passes through."""

    def __init__(self, inner, store, threshold_bytes: int = DEFAULT_THRESHOLD_BYTES,
                 max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES):
        if threshold_bytes < 0:
            raise ValueError("threshold_bytes must be >= 0")
        if max_shard_bytes <= 0:
            raise ValueError("max_shard_bytes must be > 0")
        self.inner = inner
        self.store = store
        self.threshold_bytes = threshold_bytes
        self.max_shard_bytes = max_shard_bytes
        self.references = 0  # checkpoints sent by reference so far

    def claims(self, size: int) -> bool:
        """True when a checkpoint of this many bytes goes by reference."""
        return size > self.threshold_bytes

    def send_state_dict(self, run_id: str, step: int, specs, metadata: Mapping[str, str]) -> int:
        """Streams a checkpoint above the threshold to the store (sharded above ``max_shard_bytes``), then sends its
        reference record; the checkpoint's bytes are never all in memory."""
        self.references += 1
        record = store_state_dict(self.store, run_id, step, specs, metadata, self.max_shard_bytes)
        return self.inner.send_checkpoint(run_id, step, record)

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        if len(value) > self.threshold_bytes:
            self.references += 1
            return self.inner.send_checkpoint(run_id, step, reference_record(self.store, run_id, step, value))
        return self.inner.send_checkpoint(run_id, step, value)

    def send_event(self, run_id: str, value: bytes) -> None:
        self.inner.send_event(run_id, value)

    def flush(self, timeout=None) -> None:
        self.inner.flush(timeout)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name):  # the wrapped transport's other attributes (MemoryTransport.checkpoints(), ...)
        return getattr(self.inner, name)


def reference_of(metadata: Mapping[str, str]):
    """(uri, bytes, sha256) of a reference record's metadata, or None for an inline checkpoint."""
    if URI_KEY not in metadata:
        return None
    return metadata[URI_KEY], int(metadata[BYTES_KEY]), metadata[SHA256_KEY]


def shards_of(metadata: Mapping[str, str]) -> List[dict]:
    """The ``ref_shards`` of a sharded reference record (``file``, ``bytes``, ``sha256`` each), [] otherwise."""
    return json.loads(metadata[SHARDS_KEY]) if SHARDS_KEY in metadata else []
