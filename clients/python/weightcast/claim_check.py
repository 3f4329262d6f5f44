"""The claim check (design §10): a checkpoint too big for Kafka goes to a shared store, Kafka carries its reference.

The reference record is a safetensors file with no tensors whose ``__metadata__`` is the checkpoint's plus
``ref_uri`` (``file:///dir/...`` or ``s3://bucket/key``), ``ref_bytes`` (the file's size) and ``ref_sha256`` (its
SHA-256, 64 lowercase hex digits); the streams service reads the file from its configured roots, checks size and
hash, and dead-letters a reference it cannot honour. Objects are named like the Java producers name them:
``runs/<run id reduced to [A-Za-z0-9_.-]>/<step>-<sha256>.safetensors``, so a retry rewrites the same object.

Stores: a directory every service mounts at the same path (``file:///mnt/checkpoints`` or a plain path), or
``s3://bucket/prefix`` (needs ``boto3``; credentials and endpoint from boto3's usual configuration, e.g.
``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``).
"""

import hashlib
import json
import os
import re
import struct
import tempfile
import urllib.parse
from pathlib import Path
from typing import Dict, Mapping

from . import safetensors

#: Checkpoints above this many bytes go by reference (the Java side's ``store.threshold.bytes`` default).
DEFAULT_THRESHOLD_BYTES = 64 * 1024 * 1024
URI_KEY, BYTES_KEY, SHA256_KEY = "ref_uri", "ref_bytes", "ref_sha256"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def object_key(run_id: str, step: int, sha256: str) -> str:
    """``runs/<run>/<step>-<sha256>.safetensors`` (as ``CheckpointReference.objectKey`` in Java)."""
    run = _UNSAFE.sub("_", run_id)
    if run.startswith("."):
        run = "_" + run[1:]  # never "." or ".."
    return f"runs/{run}/{int(step)}-{sha256}.safetensors"


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


class S3Store:
    """A bucket under a key prefix, through boto3 (imported only when used)."""

    def __init__(self, uri: str, client=None):
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


class ClaimCheckTransport:
    """Wraps a transport: checkpoints above ``threshold_bytes`` go to ``store`` and the wrapped transport sends their
    reference record; everything else passes through."""

    def __init__(self, inner, store, threshold_bytes: int = DEFAULT_THRESHOLD_BYTES):
        if threshold_bytes < 0:
            raise ValueError("threshold_bytes must be >= 0")
        self.inner = inner
        self.store = store
        self.threshold_bytes = threshold_bytes
        self.references = 0  # checkpoints sent by reference so far

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
