#!/usr/bin/env python3
"""Spectra of square layers: `weightcast analyze` at 1 thread on random 4096² F32 layers, the Gram solver with its
square-layer certificate (core SquareCertificate) against the path before it (every square slice whose smallest
eigenvalue G cannot resolve sent to dgesvd: -Dweightcast.spectral.square.certificate=false), alternated.

  OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/square-layers.py [--n 4096] [--layers 4] [--rounds 2] [--dir /tmp]

Writes N(0, 0.02²) float32 layers (numpy seed 4096, Llama's q/k/v/o shape) into one safetensors file, runs
`java -Xmx1g -jar app/target/weightcast.jar analyze FILE --json --threads 1` in both modes per round and reports the
spectra phase per layer, with the load average beside every run, and the largest relative difference of every real
WeightWatcher metric between the modes (the counts must be equal). Needs app/target/weightcast.jar."""
import argparse
import json
import os
import struct
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL = ["alpha", "alpha_weighted", "log_norm", "log_spectral_norm", "log_alpha_norm", "stable_rank", "norm",
        "spectral_norm", "xmin", "xmax", "D", "sigma", "sv_max", "sv_min", "entropy"]
COUNTS = ["num_evals", "matrix_rank", "rank_loss", "weak_rank_loss", "num_pl_spikes", "status", "warning"]


def write(path, n, layers):
    rng = np.random.default_rng(4096)
    header, off = {}, 0
    for i in range(layers):
        header[f"square{i}.weight"] = {"dtype": "F32", "shape": [n, n], "data_offsets": [off, off + n * n * 4]}
        off += n * n * 4
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _ in range(layers):
            f.write((rng.standard_normal((n, n)) * 0.02).astype("<f4").tobytes())


def loadavg():
    return [round(float(x), 2) for x in open("/proc/loadavg").read().split()[:3]]


def analyze(path, certificate):
    cmd = ["java", "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=4g"]
    if not certificate:
        cmd.append("-Dweightcast.spectral.square.certificate=false")
    cmd += ["-jar", str(ROOT / "app/target/weightcast.jar"), "analyze", str(path), "--json", "--threads", "1"]
    before = loadavg()
    start = time.monotonic()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.monotonic() - start
    report = json.loads(out)
    return {"certificate": certificate, "wall_seconds": round(wall, 2),
            "phases_seconds": {k: round(v, 2) for k, v in report["summary"]["seconds"].items()},
            "loadavg": before + ["->"] + loadavg()}, report["layers"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    path = Path(args.dir) / f"weightcast-square-{args.n}x{args.layers}.safetensors"
    if not path.exists():
        write(path, args.n, args.layers)
    runs, layers = [], {}
    try:
        for r in range(args.rounds):
            for certificate in ((True, False) if r % 2 == 0 else (False, True)):
                run, rows = analyze(path, certificate)
                run["round"] = r
                run["spectra_seconds_per_layer"] = round(run["phases_seconds"]["spectra"] / args.layers, 2)
                print(json.dumps(run), flush=True)
                runs.append(run)
                layers[certificate] = rows
    finally:
        path.unlink()
    diff = {}
    for a, b in zip(layers[True], layers[False]):
        for m in COUNTS:
            if a.get(m) != b.get(m):
                raise SystemExit(f"{a['name']} {m}: {a.get(m)} with the certificate, {b.get(m)} without")
        for m in REAL:
            if b.get(m) is not None:
                diff[m] = max(diff.get(m, 0.0), abs(a[m] - b[m]) / abs(b[m]) if b[m] else abs(a[m]))
    result = {"cpus": os.cpu_count(), "n": args.n, "layers": args.layers,
              "command": "java -Xmx1g [-Dweightcast.spectral.square.certificate=false] -jar app/target/weightcast.jar "
                         "analyze FILE --json --threads 1",
              "runs": runs, "counts_equal": COUNTS, "max_relative_difference": diff,
              "per_layer": [{k: row.get(k) for k in ["name", "rank_loss", "matrix_rank", "weak_rank_loss", "sv_min", "alpha"]}
                            for row in layers[True]]}
    out = ROOT / "bench/results" / time.strftime("square-layers-%Y%m%d-%H%M.json", time.gmtime())
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
