"""Do two zoo checkpoints compute the same function? The check behind issue 4's permutation test.

    /usr/bin/python3 -m weightcast.demo.check_permutation ORIGINAL.safetensors PERMUTED.safetensors

Loads both files into the zoo's ``ZooCNN`` (width from ``conv1.weight``, activation from the
metadata), runs every digits image (1,797, 16x16, the zoo's preprocessing) through both in eval
mode and prints one JSON object:

    {"inputs": 1797, "max_abs_logit_diff": ..., "max_abs_logit_diff_float32": ...,
     "max_abs_weight_diff": ..., "changed_weights": ..., "tolerance": 1e-05,
     "same_function": true, "weights_differ": true}

The logits are compared in float64: the stored weights are exact float32 values, and a neuron
permutation only changes the order of float sums, which float32 rounds differently (~1e-6) while
float64 keeps it at ~1e-14; the float32 difference is reported beside it. Exit status 0 when the
function is the same and the weights differ, 1 otherwise, 2 on unreadable input.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import torch

from .. import safetensors as st
from .datasets import load_digits
from .zoo import ZooCNN

TOLERANCE = 1e-5


def load_model(data: bytes, dtype: torch.dtype = torch.float64) -> ZooCNN:
    f = st.load(data)
    width = f["conv1.weight"].shape[0]
    model = ZooCNN(f.metadata.get("activation", "relu"), 0.0, width)
    model.load_state_dict(f.state_dict(), strict=True)
    return model.to(dtype).eval()


def weights(model: ZooCNN) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).double() for p in model.parameters()])


def logits(model: ZooCNN, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(images.to(next(model.parameters()).dtype))


def compare(original: bytes, permuted: bytes, images: torch.Tensor, tolerance: float = TOLERANCE) -> dict:
    a, b = load_model(original), load_model(permuted)
    logit_diff = float((logits(a, images) - logits(b, images)).abs().max())
    a32, b32 = load_model(original, torch.float32), load_model(permuted, torch.float32)
    logit_diff32 = float((logits(a32, images) - logits(b32, images)).abs().max())
    weight_diff = (weights(a) - weights(b)).abs()
    return {"inputs": int(images.shape[0]), "max_abs_logit_diff": logit_diff,
            "max_abs_logit_diff_float32": logit_diff32, "max_abs_weight_diff": float(weight_diff.max()),
            "changed_weights": int((weight_diff > 0).sum()), "tolerance": tolerance,
            "same_function": logit_diff < tolerance, "weights_differ": bool(weight_diff.max() > 0)}


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.check_permutation", description=__doc__.split("\n\n")[0])
    p.add_argument("original", type=Path)
    p.add_argument("permuted", type=Path)
    p.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = p.parse_args(argv)
    try:
        pair: Tuple[bytes, bytes] = (args.original.read_bytes(), args.permuted.read_bytes())
        result = compare(*pair, load_digits().images, args.tolerance)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 2
    print(json.dumps(result))
    return 0 if result["same_function"] and result["weights_differ"] else 1


if __name__ == "__main__":
    sys.exit(main())
