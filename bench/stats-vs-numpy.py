#!/usr/bin/env python3
"""Per-layer statistics of one safetensors checkpoint, Weightcast (JMH, core's CheckpointAnalyzer) against
numpy computing the same numbers, alternated in one run, with the load average beside every figure.

  /usr/bin/python3 bench/stats-vs-numpy.py [--checkpoint FILE] [--rounds 3] [--out bench/results/stats-vs-numpy-DATE.json]

Without --checkpoint it writes torchvision's ResNet-50 with random weights (torch seed 1008: the bytes
../shared/tools/ww-time --write-checkpoint writes; needs Debian's python3-torchvision) to
/tmp/weightcast-resnet50.safetensors, unless that file exists.
Needs the bench jar: mvn -B -ntp -q -pl bench -am package -DskipTests.

numpy's statistics are the definitions (design §5) on the finite values as float64: np.mean, np.std,
np.percentile(x, [0, 25, 50, 75, 100]), sum(|x|), sqrt(sum(x²)); dead units of every layer after the
first (a ReLU net); non-finite counts of the other floating-point tensors. GB/s = the file's data
section / time of one pass over the checkpoint: wall time (median of 5 in-process for numpy; JMH's mean
for Java) and, since the machine is shared, thread-CPU time (median of 5 for numpy, of 10 after 10 of
warm-up for Java: io.weightcast.bench.StatisticsJson --cpu-time), i.e. GB/s per busy core.
The script also checks that both sides agree on every statistic of every layer."""
import argparse
import json
import os
import struct
import subprocess
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    return header, memoryview(raw)[8 + n:]


def tensor(header, data, name):
    h = header[name]
    a, b = h["data_offsets"]
    if h["dtype"] == "BF16":
        u = np.frombuffer(data[a:b], dtype="<u2").astype(np.uint32) << 16
        return u.view(np.float32).reshape(h["shape"])
    return np.frombuffer(data[a:b], dtype=DTYPES[h["dtype"]]).reshape(h["shape"])


def layers(header):
    """CheckpointTopology: by name prefix in byte order; kernel = first tensor with >= 2 dims, bias = a 1-dim one as long."""
    groups = {}
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if h["dtype"] in ("F32", "F64", "F16", "BF16"):
            groups.setdefault(name.rsplit(".", 1)[0], []).append(name)
    out = []
    for layer, names in groups.items():
        kernels = [t for t in names if len(header[t]["shape"]) >= 2]
        if not kernels:
            continue
        k = kernels[0]
        rows = header[k]["shape"][0]
        biases = sorted((t for t in names if len(header[t]["shape"]) == 1 and header[t]["shape"][0] == rows),
                        key=lambda t: not t.endswith("bias"))
        out.append((layer, k, biases[0] if biases else None))
    return out


def summary(x):
    x = x.reshape(-1)
    f = x[np.isfinite(x)].astype(np.float64)
    if f.size == 0:
        return [float("nan")] * 9
    p = np.percentile(f, [0, 25, 50, 75, 100])
    return [f.mean(), f.std(), *p, np.abs(f).sum(), np.sqrt((f * f).sum())]


def numpy_statistics(header, data):
    out, used = {}, set()
    # conv→BatchNorm (a bias-less layer in a file with BatchNorm statistics): the weight criterion does not apply
    # (core CheckpointAnalyzer.hasBatchNormStatistics), its dead fraction is NaN
    batch_norm = any(t.endswith(("running_mean", "moving_mean")) for t in header)
    for i, (layer, k, b) in enumerate(layers(header)):
        kernel = tensor(header, data, k)
        bias = tensor(header, data, b) if b else None
        out[layer] = summary(kernel) + (summary(bias) if b else [float("nan")] * 9)
        if i > 0 and batch_norm and not b:
            out[layer].append(float("nan"))
        elif i > 0:
            rows = kernel.reshape(kernel.shape[0], -1)
            dead = np.all(rows <= 0, axis=1) & ((bias <= 0) if b else True)
            out[layer].append(float(dead.mean()))
        used.update([k, b])
    bad = sum(int(np.count_nonzero(~np.isfinite(tensor(header, data, t)))) for t, h in header.items()
              if t not in used and h["dtype"] in DTYPES)
    return out, bad


def time_numpy(path, reps=5):
    """Median wall and thread-CPU seconds of one pass over the checkpoint."""
    header, data = load(path)
    wall, cpu = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.thread_time()
        numpy_statistics(header, data)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
    return float(np.median(wall)), float(np.median(cpu))


def time_java_cpu(path, jar, reps=10):
    """Median wall and thread-CPU seconds, from StatisticsJson --cpu-time (same JIT, no JMH)."""
    out = subprocess.run(["java", "-cp", jar + ":" + os.path.join(os.path.dirname(jar), "lib", "*"),
                          "io.weightcast.bench.StatisticsJson", path, "--cpu-time", str(reps)],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["wall_seconds"], r["cpu_seconds"]


def time_java(path, jar):
    with tempfile.NamedTemporaryFile(suffix=".json") as res:
        subprocess.run(["java", "-jar", jar, "StatisticsBenchmark.statistics", "-p", "checkpoint=" + path,
                        "-f", "1", "-wi", "3", "-w", "1", "-i", "5", "-r", "1", "-rf", "json", "-rff", res.name],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, OPENBLAS_CORETYPE="Haswell"))
        r = json.load(open(res.name))[0]["primaryMetric"]
        return 1.0 / r["score"], sorted(1.0 / x for x in r["rawData"][0])


def agreement(path, jar):
    """Largest relative difference per statistic between Java's and numpy's numbers, over all layers."""
    java = json.loads(subprocess.run(["java", "-cp", jar + ":" + os.path.join(os.path.dirname(jar), "lib", "*"),
                                      "io.weightcast.bench.StatisticsJson", path],
                                     check=True, capture_output=True, text=True).stdout)
    header, data = load(path)
    ours, _ = numpy_statistics(header, data)
    names = [p + s for p in ("kernel_", "bias_") for s in ("mean", "std", "p0", "p25", "p50", "p75", "p100", "l1", "l2")]
    names.append("dead_fraction")
    worst, equal, total = {}, 0, 0
    for layer, values in ours.items():
        for name, want in zip(names, values):
            got = java["layers"][layer][name]
            if got is None or np.isnan(want):
                assert got is None and np.isnan(want), (layer, name, got, want)
                continue
            total += 1
            equal += got == want
            rel = abs(got - want) / max(abs(want), 1e-300)
            key = name.split("_", 1)[1] if name != "dead_fraction" else name
            worst[key] = max(worst.get(key, 0.0), rel)
    return {"layers": len(ours), "values": total, "bit_equal": int(equal), "max_relative_difference": worst}


def write_resnet50(path):
    """The bytes ../shared/tools/ww-time --write-checkpoint writes: seed 1008, floating-point state_dict entries as F32."""
    import torch
    import torchvision
    torch.manual_seed(1008)
    model = torchvision.models.resnet50(weights=None).eval()
    header, blobs, off = {}, [], 0
    for name, t in model.state_dict().items():
        if not t.dtype.is_floating_point:
            continue
        b = t.detach().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"run_id": "resnet50", "step": "1"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jar", default=os.path.join(ROOT, "bench/target/weightcast-bench.jar"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results", "stats-vs-numpy-" + time.strftime("%Y%m%d-%H%M") + ".json"))
    a = ap.parse_args()
    path = a.checkpoint or "/tmp/weightcast-resnet50.safetensors"
    if not a.checkpoint and not os.path.exists(path):
        write_resnet50(path)
    header, data = load(path)
    size = len(data)
    rounds = []
    for i in range(a.rounds):
        la0 = loadavg()
        np_s, np_cpu = time_numpy(path)
        la1 = loadavg()
        java_s, java_runs = time_java(path, a.jar)
        la2 = loadavg()
        _, java_cpu = time_java_cpu(path, a.jar)
        la3 = loadavg()

        def gbs(seconds):
            return round(size / seconds / 1e9, 3)
        r = {"round": i + 1,
             "numpy_seconds": round(np_s, 4), "numpy_gb_per_s": gbs(np_s), "numpy_cpu_gb_per_s": gbs(np_cpu),
             "numpy_loadavg": la0 + ["->"] + la1,
             "java_seconds": round(java_s, 4), "java_gb_per_s": gbs(java_s), "java_loadavg": la1 + ["->"] + la2,
             "java_iterations_seconds": [round(x, 4) for x in java_runs],
             "java_cpu_gb_per_s": gbs(java_cpu), "java_cpu_loadavg": la2 + ["->"] + la3,
             "java_over_numpy": round(np_s / java_s, 2), "java_over_numpy_cpu": round(np_cpu / java_cpu, 2)}
        print(json.dumps(r), flush=True)
        rounds.append(r)

    def med(k):
        return float(np.median([r[k] for r in rounds]))
    keys = ("numpy_gb_per_s", "java_gb_per_s", "java_over_numpy", "numpy_cpu_gb_per_s", "java_cpu_gb_per_s", "java_over_numpy_cpu")
    result = {"checkpoint": path, "data_bytes": size, "cpus": os.cpu_count(), "threads": 1, "rounds": rounds,
              "median": {k: med(k) for k in keys},
              "agreement": agreement(path, a.jar),
              "command": "/usr/bin/python3 bench/stats-vs-numpy.py" + (" --checkpoint " + a.checkpoint if a.checkpoint else "")}
    print(json.dumps(result["median"]), json.dumps(result["agreement"]))
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
