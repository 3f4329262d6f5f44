"""The Hugging Face safetensors format, written by hand so the client needs no extra package.

Layout: an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
multiple of 8 so the data section is aligned), then the raw little-endian tensor bytes. The header
maps each tensor name to {"dtype", "shape", "data_offsets"} and may hold "__metadata__", a
string-to-string object. Tensors are laid out in insertion order (a state_dict's order), which is
the order the Java side (``SafeTensors.tensorsByOffset``) reads them back in.

``split``/``merge`` mirror ``io.weightcast.core.safetensors.CheckpointParts`` exactly, so a
checkpoint split here is reassembled by the Java consumers and vice versa.
"""

import json
import math
import struct
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

#: Same bound as the reference implementation and the Java reader.
MAX_HEADER_BYTES = 100 * 1024 * 1024
CHUNK = "#chunk="

# dtype name -> (bytes per element, numpy dtype used for the raw little-endian bytes)
_NUMPY = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
#: torch dtype attribute name -> dtype name; torch itself is imported only when a tensor needs it
#: (``import weightcast`` works without torch; numpy arrays and bytes need no torch at all).
_TORCH_DTYPES = {
    "float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
    "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
}
_FROM_NUMPY = {
    np.dtype("float64"): "F64", np.dtype("float32"): "F32", np.dtype("float16"): "F16",
    np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("int16"): "I16", np.dtype("int8"): "I8",
    np.dtype("uint8"): "U8", np.dtype("bool"): "BOOL",
}
FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")


def _torch():
    import torch  # imported on first use: the client needs torch only for torch tensors
    return torch


def _from_torch(torch) -> dict:
    return {getattr(torch, name): dtype for name, dtype in _TORCH_DTYPES.items()}


def _is_torch_tensor(value) -> bool:
    """True for a torch.Tensor, without importing torch when the caller never did (then it cannot be one)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, getattr(torch, "Tensor", ()))


class SafeTensorsFormatError(ValueError):
    """A byte string that is not a valid safetensors file; the message says why."""


@dataclass(frozen=True)
class Tensor:
    """One tensor as stored: name, dtype name ("F32", ...), shape and raw little-endian bytes."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    data: bytes

    @property
    def rows(self) -> int:
        """The first dimension, or 1 for a scalar (as ``TensorInfo.rows`` in Java)."""
        return self.shape[0] if self.shape else 1

    def numpy(self) -> np.ndarray:
        """The values as a numpy array; BF16 is widened to float32 (numpy has no bfloat16)."""
        raw = np.frombuffer(self.data, dtype=_NUMPY[self.dtype])
        if self.dtype == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        return raw.reshape(self.shape).astype(raw.dtype.newbyteorder("="))

    def torch(self) -> "torch.Tensor":  # noqa: F821 (torch is imported lazily)
        """The values as a torch tensor of the stored dtype (BF16 stays bfloat16, bit-exact)."""
        torch = _torch()
        raw = np.frombuffer(self.data, dtype=_NUMPY[self.dtype]).astype(_NUMPY[self.dtype].newbyteorder("="))
        if self.dtype == "BF16":
            return torch.from_numpy(raw.view(np.int16).copy()).view(torch.bfloat16).reshape(self.shape)
        return torch.from_numpy(raw.copy()).reshape(self.shape)


@dataclass(frozen=True)
class SafeTensorsFile:
    """A parsed file: its metadata and its tensors in data-section (writer) order."""

    metadata: Dict[str, str]
    tensors: List[Tensor]

    def __getitem__(self, name: str) -> Tensor:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def names(self) -> List[str]:
        return [t.name for t in self.tensors]

    def state_dict(self) -> "OrderedDict[str, torch.Tensor]":  # noqa: F821
        """name -> torch tensor (needs torch); ``numpy_dict`` gives numpy arrays without it."""
        return OrderedDict((t.name, t.torch()) for t in self.tensors)

    def numpy_dict(self) -> "OrderedDict[str, np.ndarray]":
        """name -> numpy array (BF16 widened to float32); needs no torch."""
        return OrderedDict((t.name, t.numpy()) for t in self.tensors)


# ---------------------------------------------------------------------------------------- writing

def tensor_from(name: str, value) -> Tensor:
    """Encodes a torch tensor or numpy array (any device, any layout) as a stored tensor."""
    if _is_torch_tensor(value):
        torch = _torch()
        t = value.detach().to("cpu").contiguous()
        from_torch = _from_torch(torch)
        if t.dtype not in from_torch:
            raise TypeError(f"tensor '{name}': dtype {t.dtype} is not supported by safetensors here")
        dtype = from_torch[t.dtype]
        arr = t.view(torch.int16).numpy() if dtype == "BF16" else t.numpy()
        shape = tuple(t.shape)
    else:
        arr = np.asarray(value)
        key = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in ("=", "|") else arr.dtype
        if key not in _FROM_NUMPY:
            raise TypeError(f"tensor '{name}': numpy dtype {arr.dtype} is not supported by safetensors here")
        dtype = _FROM_NUMPY[key]
        shape = tuple(arr.shape)
    data = np.ascontiguousarray(arr).astype(_NUMPY[dtype], copy=False).tobytes()
    return Tensor(name, dtype, tuple(int(d) for d in shape), data)


def write(tensors: Iterable[Tensor], metadata: Optional[Mapping[str, str]] = None,
          _sizes: Optional[Mapping[str, int]] = None) -> bytes:
    """Serializes stored tensors in the given order, with string-to-string metadata. (``_sizes``: the header alone,
    for tensors whose bytes are not given, by name.)"""
    header: Dict[str, object] = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"metadata must map strings to strings; '{k}' -> {type(v).__name__}")
        header["__metadata__"] = dict(metadata)
    offset = 0
    chunks = []
    for t in tensors:
        if t.name == "__metadata__" or t.name in header:
            raise ValueError(f"duplicate or reserved tensor name '{t.name}'")
        expected = math.prod(t.shape) * _NUMPY[t.dtype].itemsize
        size = len(t.data) if _sizes is None else _sizes[t.name]
        if size != expected:
            raise ValueError(f"tensor '{t.name}': {size} bytes for shape {list(t.shape)} of {t.dtype}")
        header[t.name] = {"dtype": t.dtype, "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
        if _sizes is None:
            chunks.append(t.data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    padded = (len(text) + 7) // 8 * 8  # align the data section to 8 bytes, as the reference writer does
    return b"".join([struct.pack("<Q", padded), text, b" " * (padded - len(text))] + chunks)


@dataclass(frozen=True)
class TensorSpec:
    """A tensor to be written later: its name, stored dtype, shape and size, and the value itself (not encoded yet)."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    nbytes: int
    value: object


def spec_of(name: str, value) -> TensorSpec:
    """The stored dtype, shape and size of a torch tensor or numpy array, without copying its values."""
    if _is_torch_tensor(value):
        from_torch = _from_torch(_torch())
        if value.dtype not in from_torch:
            raise TypeError(f"tensor '{name}': dtype {value.dtype} is not supported by safetensors here")
        dtype, shape = from_torch[value.dtype], tuple(int(d) for d in value.shape)
    else:
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        key = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in ("=", "|") else arr.dtype
        if key not in _FROM_NUMPY:
            raise TypeError(f"tensor '{name}': numpy dtype {arr.dtype} is not supported by safetensors here")
        dtype, shape = _FROM_NUMPY[key], tuple(int(d) for d in arr.shape)
    return TensorSpec(name, dtype, shape, math.prod(shape) * _NUMPY[dtype].itemsize, value)


def specs_of(state_dict: Mapping[str, object]) -> List[TensorSpec]:
    """``spec_of`` every tensor of a state_dict, in its order."""
    return [spec_of(name, value) for name, value in state_dict.items()]


def header(specs: Iterable[TensorSpec], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """The 8-byte length and the padded JSON header ``write`` would put before these tensors' bytes."""
    return write([Tensor(s.name, s.dtype, s.shape, b"") for s in specs], metadata, _sizes={s.name: s.nbytes for s in specs})


def file_size(specs: Iterable[TensorSpec], metadata: Optional[Mapping[str, str]] = None) -> int:
    """The size of the file ``stream`` writes (and ``save_state_dict`` returns) for these tensors."""
    specs = list(specs)
    return len(header(specs, metadata)) + sum(s.nbytes for s in specs)


def stream(out, specs: Iterable[TensorSpec], metadata: Optional[Mapping[str, str]] = None) -> int:
    """Writes the safetensors file of ``specs`` to the binary file ``out`` one tensor at a time (the bytes
    ``save_state_dict`` would return, never all in memory: at most one tensor's encoding); returns its size."""
    specs = list(specs)
    head = header(specs, metadata)
    out.write(head)
    total = len(head)
    for s in specs:
        data = tensor_from(s.name, s.value).data
        if len(data) != s.nbytes:
            raise ValueError(f"tensor '{s.name}' changed while it was written: {len(data)} bytes, planned {s.nbytes}")
        out.write(data)
        total += len(data)
        del data
    return total


def save_state_dict(state_dict: Mapping[str, object], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """A state_dict (or any name -> tensor mapping) as safetensors bytes, in the mapping's order."""
    return write((tensor_from(name, value) for name, value in state_dict.items()), metadata)


# ---------------------------------------------------------------------------------------- reading

def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise SafeTensorsFormatError(f"header has duplicate key '{k}'")
        out[k] = v
    return out


def load(data: bytes) -> SafeTensorsFile:
    """Parses and validates a safetensors file (the same rules as the Java reader)."""
    data = bytes(data)
    if len(data) < 8:
        raise SafeTensorsFormatError(f"truncated: {len(data)} bytes, need at least 8 for the header length")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n < 2 or n > MAX_HEADER_BYTES:
        raise SafeTensorsFormatError(f"header length {n} outside [2, {MAX_HEADER_BYTES}]")
    if 8 + n > len(data):
        raise SafeTensorsFormatError(f"truncated: header length says {n} bytes but only {len(data) - 8} follow")
    text = data[8:8 + n]
    if not text.startswith(b"{"):
        raise SafeTensorsFormatError("header does not start with '{'")
    try:
        header = json.loads(text.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafeTensorsFormatError(f"header is not valid JSON: {e}") from None
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafeTensorsFormatError("__metadata__ must be an object of strings")
    entries = []
    for name, info in header.items():
        entries.append(_entry(name, info, len(body)))
    entries.sort(key=lambda e: (e[3], e[4]))
    pos = 0
    tensors = []
    for name, dtype, shape, begin, end in entries:
        if begin != pos:
            where = "overlapping the previous tensor" if begin < pos else f"leaving a gap after byte {pos}"
            raise SafeTensorsFormatError(f"tensor '{name}' starts at byte {begin}, {where}")
        tensors.append(Tensor(name, dtype, shape, bytes(body[begin:end])))
        pos = end
    if pos != len(body):
        raise SafeTensorsFormatError(f"{len(body) - pos} trailing bytes after the last tensor")
    return SafeTensorsFile(dict(metadata), tensors)


def _entry(name, info, data_len):
    if not isinstance(info, dict):
        raise SafeTensorsFormatError(f"tensor '{name}': entry is not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _NUMPY:
        raise SafeTensorsFormatError(f"tensor '{name}': unsupported dtype '{dtype}'")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise SafeTensorsFormatError(f"tensor '{name}': shape must be a list of non-negative integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(
            isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets):
        raise SafeTensorsFormatError(f"tensor '{name}': data_offsets must be [begin, end]")
    begin, end = offsets
    if end < begin:
        raise SafeTensorsFormatError(f"tensor '{name}': data_offsets end {end} < begin {begin}")
    if end > data_len:
        raise SafeTensorsFormatError(f"truncated: tensor '{name}' ends at byte {end} but the data section has {data_len}")
    expected = math.prod(shape) * _NUMPY[dtype].itemsize
    if end - begin != expected:
        raise SafeTensorsFormatError(f"tensor '{name}': {end - begin} bytes for shape {shape} of {dtype} (needs {expected})")
    return name, dtype, tuple(shape), begin, end


def load_state_dict(data: bytes) -> "OrderedDict[str, torch.Tensor]":  # noqa: F821
    return load(data).state_dict()


# ---------------------------------------------------------------------------------------- parts

def split(data: bytes, max_part_bytes: int) -> List[bytes]:
    """Splits a checkpoint into parts of at most ~``max_part_bytes``, as ``CheckpointParts.split``.

    Each part is a valid safetensors file with the full metadata plus "part" and "parts". Tensors
    are packed whole while they fit; a tensor larger than a part's budget is cut along its first
    axis into pieces named ``NAME#chunk=I/N``.
    """
    if len(data) <= max_part_bytes:
        return [bytes(data)]
    f = load(data)
    budget = max(1024, max_part_bytes - _header_allowance(f))
    groups: List[List[Tensor]] = []
    current: List[Tensor] = []
    used = 0
    for piece in _pieces(f, budget):
        if used + len(piece.data) > budget and current:
            groups.append(current)
            current, used = [], 0
        current.append(piece)
        used += len(piece.data)
    groups.append(current)
    parts = []
    for p, group in enumerate(groups):
        meta = dict(f.metadata)
        meta["part"] = str(p)
        meta["parts"] = str(len(groups))
        parts.append(write(group, meta))
    return parts


def _pieces(f: SafeTensorsFile, budget: int) -> List[Tensor]:
    out = []
    for t in f.tensors:
        if len(t.data) <= budget or not t.shape or t.rows <= 1:
            out.append(t)
            continue
        row_bytes = len(t.data) // t.rows
        rows_per_chunk = max(1, budget // row_bytes)
        n = (t.rows + rows_per_chunk - 1) // rows_per_chunk
        for i in range(n):
            lo, hi = i * rows_per_chunk, min(t.rows, (i + 1) * rows_per_chunk)
            out.append(Tensor(f"{t.name}{CHUNK}{i}/{n}", t.dtype, (hi - lo,) + t.shape[1:],
                              t.data[lo * row_bytes:hi * row_bytes]))
    return out


def _header_allowance(f: SafeTensorsFile) -> int:
    # Java: 4096 + 200 * tensors + metadata.toString().length(), where a Map prints as {k=v, k=v}
    # and length() counts UTF-16 code units.
    text = "{" + ", ".join(f"{k}={v}" for k, v in f.metadata.items()) + "}"
    return 4096 + 200 * len(f.tensors) + len(text.encode("utf-16-le")) // 2


def merge(parts: Iterable[bytes]) -> bytes:
    """Reassembles parts (any order) into one file with the original metadata, as ``CheckpointParts.merge``."""
    files = [load(p) for p in parts]
    if len(files) == 1 and "parts" not in files[0].metadata:
        return write(files[0].tensors, files[0].metadata)
    files.sort(key=lambda f: int(f.metadata.get("part", "0")))
    meta = {k: v for k, v in files[0].metadata.items() if k not in ("part", "parts")}
    out: List[Tensor] = []
    chunks: Dict[str, List[Tensor]] = {}
    for f in files:
        for t in f.tensors:
            at = t.name.find(CHUNK)
            if at < 0:
                out.append(t)
                continue
            base = t.name[:at]
            chunks.setdefault(base, []).append(t)
            i, n = (int(x) for x in t.name[at + len(CHUNK):].split("/"))
            if i == n - 1:
                pieces = chunks.pop(base)
                first = pieces[0]
                rows = sum(p.rows for p in pieces)
                out.append(Tensor(base, first.dtype, (rows,) + first.shape[1:], b"".join(p.data for p in pieces)))
    return write(out, meta)
