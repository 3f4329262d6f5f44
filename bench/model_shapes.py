"""Synthetic checkpoints with the layer shapes of real models, written tensor by tensor (never the whole file in memory).

Weights are N(0, 0.02²) like GPT-2's and Llama's init (norms: ones, biases: zeros), so sizes, shapes and the spectra's
work are real; the values are not trained. F32 or BF16 (round to nearest even from float32). A Hugging Face sharded
checkpoint (``model-0000i-of-0000n.safetensors`` of at most ``shard_bytes`` + ``model.safetensors.index.json``) when the
output ends in ``.index.json``.
"""
import json
import struct
from pathlib import Path

import numpy as np

STD = 0.02
CHUNK = 1 << 24  # values generated at a time: 64 MiB of float32


def gpt2_small(blocks=12):
    """GPT-2 small (124M) as Hugging Face names it; Conv1D weights are [in, out]."""
    d, ff = 768, 3072
    out = [("wte.weight", (50257, d), "normal"), ("wpe.weight", (1024, d), "normal")]
    for i in range(blocks):
        p = f"h.{i}."
        out += [(p + "ln_1.weight", (d,), "ones"), (p + "ln_1.bias", (d,), "zeros"),
                (p + "attn.c_attn.weight", (d, 3 * d), "normal"), (p + "attn.c_attn.bias", (3 * d,), "zeros"),
                (p + "attn.c_proj.weight", (d, d), "normal"), (p + "attn.c_proj.bias", (d,), "zeros"),
                (p + "ln_2.weight", (d,), "ones"), (p + "ln_2.bias", (d,), "zeros"),
                (p + "mlp.c_fc.weight", (d, ff), "normal"), (p + "mlp.c_fc.bias", (ff,), "zeros"),
                (p + "mlp.c_proj.weight", (ff, d), "normal"), (p + "mlp.c_proj.bias", (d,), "zeros")]
    return out + [("ln_f.weight", (d,), "ones"), ("ln_f.bias", (d,), "zeros")]


def llama_7b(blocks=32, d=4096, ff=11008, vocab=32000):
    """Llama(-2)-7B (6.74B) as Hugging Face names it; Linear weights are [out, in]."""
    out = [("model.embed_tokens.weight", (vocab, d), "normal")]
    for i in range(blocks):
        p = f"model.layers.{i}."
        out += [(p + f"self_attn.{x}_proj.weight", (d, d), "normal") for x in "qkvo"]
        out += [(p + "mlp.gate_proj.weight", (ff, d), "normal"), (p + "mlp.up_proj.weight", (ff, d), "normal"),
                (p + "mlp.down_proj.weight", (d, ff), "normal"),
                (p + "input_layernorm.weight", (d,), "ones"), (p + "post_attention_layernorm.weight", (d,), "ones")]
    return out + [("model.norm.weight", (d,), "ones"), ("lm_head.weight", (vocab, d), "normal")]


def llama_1b3(blocks=24):
    """A Llama-architecture 1.3B (Sheared-LLaMA-1.3B's dimensions: d 2048, MLP 5504, 24 blocks; 1.35B parameters)."""
    return llama_7b(blocks, d=2048, ff=5504)


SHAPES = {"gpt2-small": gpt2_small, "llama-1.3b": llama_1b3, "llama-7b": llama_7b}
DTYPES = {"F32": 4, "BF16": 2}


def count(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def to_dtype(values, dtype):
    if dtype == "F32":
        return values
    bits = values.view(np.uint32)
    # round to nearest even, as torch's .to(torch.bfloat16) does (no NaNs here)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def write_tensor(f, rng, shape, kind, dtype):
    n = count(shape)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        if kind == "normal":
            v = rng.standard_normal(m, dtype=np.float32)
            v *= STD
        else:
            v = np.full(m, 1.0 if kind == "ones" else 0.0, dtype=np.float32)
        f.write(to_dtype(v, dtype).tobytes())


def write_file(path, tensors, dtype, metadata, rng):
    header = {"__metadata__": metadata}
    offset = 0
    for name, shape, _ in tensors:
        size = count(shape) * DTYPES[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, shape, kind in tensors:
            write_tensor(f, rng, shape, kind, dtype)
    return offset


def shards(tensors, dtype, shard_bytes):
    """Tensors in order, cut before a tensor that would take a shard past shard_bytes (like save_pretrained)."""
    out, cur, size = [], [], 0
    for t in tensors:
        b = count(t[1]) * DTYPES[dtype]
        if cur and size + b > shard_bytes:
            out.append(cur)
            cur, size = [], 0
        cur.append(t)
        size += b
    return out + [cur] if cur else out


def write(out, shape, dtype, blocks=None, shard_bytes=5_000_000_000, seed=0, only=None):
    """Writes the checkpoint (sharded if out ends in .index.json); returns (files, parameters, bytes on disk)."""
    tensors = SHAPES[shape]() if blocks is None else SHAPES[shape](blocks)
    if only is not None:
        tensors = [t for t in tensors if t[0] in only]
    metadata = {"framework": "synthetic", "shape": shape, "activation": "gelu" if shape.startswith("gpt2") else "silu"}
    rng = np.random.default_rng(seed)
    out = Path(out)
    params = sum(count(t[1]) for t in tensors)
    if not out.name.endswith(".index.json"):
        write_file(out, tensors, dtype, metadata, rng)
        return [out], params, out.stat().st_size
    parts = shards(tensors, dtype, shard_bytes)
    files, weight_map, total = [], {}, 0
    for i, part in enumerate(parts):
        name = f"model-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        total += write_file(out.parent / name, part, dtype, metadata, rng)
        files.append(out.parent / name)
        weight_map.update({t[0]: name for t in part})
    out.write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=1))
    return files, params, sum(f.stat().st_size for f in files)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--shape", choices=sorted(SHAPES), required=True)
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="BF16")
    ap.add_argument("--blocks", type=int)
    a = ap.parse_args()
    print(write(a.out, a.shape, a.dtype, a.blocks))
