#!/usr/bin/python3
"""`weightcast analyze` on big synthetic checkpoints through the memory-mapped path, with a small heap.

Writes ~1 GB checkpoints (F32, BF16, and F32 as a Hugging Face sharded checkpoint: 2 shards + index) with
bench's BigCheckpoint, then runs `java -Xmx256m -jar app/target/weightcast.jar analyze FILE --json` under
/usr/bin/time -v for each, sampling the JVM's /proc status for its peak anonymous (heap, native) and file-backed
(mapped weights) resident memory. The load average is recorded beside every number (the machine is shared).
Result: bench/results/big-files-YYYYMMDD-HHMM.json.

    mvn -B -ntp -q -pl app,bench -am package -DskipTests
    OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/big-files.py [--bytes 1073741824] [--threads 1] [--dir /tmp]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import model_shapes

ROOT = Path(__file__).resolve().parent.parent


def loadavg():
    return os.getloadavg()


def children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def sample(pid, peaks, done):
    """Peak VmRSS, RssAnon and RssFile (kB) of the java process below /usr/bin/time."""
    while not done.is_set():
        for c in children(pid):
            try:
                status = Path(f"/proc/{c}/status").read_text()
            except OSError:
                continue
            for key in ("VmRSS", "RssAnon", "RssFile"):
                m = re.search(rf"^{key}:\s+(\d+) kB", status, re.M)
                if m:
                    peaks[key] = max(peaks.get(key, 0), int(m.group(1)))
        time.sleep(0.05)


class AnalyzeFailed(Exception):
    pass


def analyze(path, threads, heap, settings=(), jvm=()):
    cmd = ["/usr/bin/time", "-v", "java", f"-Xmx{heap}", *jvm, "-jar", str(ROOT / "app/target/weightcast.jar"),
           "analyze", str(path), "--json", "--threads", str(threads)]
    for s in settings:
        cmd += ["-s", s]
    before = loadavg()
    peaks, done = {}, threading.Event()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=sample, args=(proc.pid, peaks, done))
    sampler.start()
    out, err = proc.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        cause = re.findall(r"^(?:Caused by: )?(\S+(?:Error|Exception): .*)$", err, re.M)
        raise AnalyzeFailed(f"analyze {path} failed ({proc.returncode}): {cause[-1] if cause else err[-2000:]}")
    max_rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    report = json.loads(out)
    return {
        "file": str(path), "heap": heap, "threads": threads,
        "wall_seconds": round(wall, 2),
        "max_rss_mb": round(max_rss / 1024, 1),
        "peak_rss_anon_mb": round(peaks.get("RssAnon", 0) / 1024, 1),
        "peak_rss_file_mb": round(peaks.get("RssFile", 0) / 1024, 1),
        "phases_seconds": {k: round(v, 2) for k, v in report["summary"]["seconds"].items()},
        "layers": report["summary"]["layers"], "parameters": report["summary"]["parameters"],
        "bytes": report["bytes"], "no_fit": no_fit(report),
        "loadavg": [round(x, 2) for x in before] + ["->"] + [round(x, 2) for x in loadavg()],
    }


def no_fit(report):
    """Layers without a spectrum (or its fit) and why: e.g. GPT-2's wte, N = 50257 > max N 50000."""
    summary = report["summary"]
    return summary.get("no_fit", summary.get("noFit", {}))


def evict(files):
    """Drops the files' pages from the page cache (no root needed: fadvise DONTNEED on clean pages)."""
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_speed(files):
    """Seconds and GB/s of reading the files through (dd to /dev/null: the disk, or the page cache when warm)."""
    start = time.monotonic()
    for f in files:
        subprocess.run(["dd", f"if={f}", "of=/dev/null", "bs=16M"], check=True, capture_output=True)
    wall = time.monotonic() - start
    size = sum(Path(f).stat().st_size for f in files)
    return {"seconds": round(wall, 2), "gb_per_s": round(size / wall / 1e9, 3), "loadavg": [round(x, 2) for x in loadavg()]}


MAXBYTES = "-Dorg.bytedeco.javacpp.maxbytes=4g"
SKIP_SPECTRA = ["spectral.min.evals=15000"]  # more than any layer's M·rf here: statistics only


def spectra_per_layer(shape, dtype, work, heap):
    """A one-tensor checkpoint per distinct weight shape, analysed at 1 thread: the spectra phase is one layer's time."""
    out = {}
    for name, dims, kind in model_shapes.SHAPES[shape](1):
        if kind != "normal" or len(dims) < 2 or "x".join(map(str, dims)) in out:
            continue
        probe = work / ("probe-" + "x".join(map(str, dims)) + ".safetensors")
        model_shapes.write(probe, shape, dtype, blocks=1, only={name})
        key = "x".join(map(str, dims))
        try:
            run = analyze(probe, 1, heap)
            out[key] = {"tensor": name, "heap": heap}
        except AnalyzeFailed as e:
            # ND4J's off-heap cap (org.bytedeco.javacpp.maxbytes) defaults to -Xmx: a big layer's matrices can exceed it
            run = analyze(probe, 1, heap, jvm=[MAXBYTES])
            out[key] = {"tensor": name, "heap": heap, "failed_at_default_maxbytes": str(e), "jvm": MAXBYTES}
        probe.unlink()
        out[key].update({"spectra_seconds": run["phases_seconds"]["spectra"], "max_rss_mb": run["max_rss_mb"],
                         "no_fit": run["no_fit"], "loadavg": run["loadavg"]})
        print(json.dumps({"probe": out["x".join(map(str, dims))]}), flush=True)
    return out


def projected_spectra(shape, per_layer):
    """Sum of the probed per-layer times over every weight of the full model, at 1 thread."""
    total = 0.0
    for _, dims, kind in model_shapes.SHAPES[shape]():
        if kind == "normal" and len(dims) >= 2:
            p = per_layer["x".join(map(str, dims))]
            total += 0 if p["no_fit"] else p["spectra_seconds"]
    return round(total, 1)


def shaped(args, work):
    """--shape gpt2-small|llama-7b: the model's shapes, every dtype and heap asked for, per-layer spectra, read speed."""
    runs = []
    for dtype in args.dtypes.split(","):
        sharded = args.shape == "llama-7b"
        path = work / f"{args.shape}-{dtype.lower()}" / ("model.safetensors.index.json" if sharded else "model.safetensors")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            start = time.monotonic()
            files, params, size = model_shapes.write(path, args.shape, dtype)
            print(f"wrote {path}: {params} parameters, {size} bytes in {time.monotonic() - start:.0f} s", flush=True)
        files = sorted(path.parent.glob("*.safetensors"))
        case = {"dtype": dtype, "sharded": sharded, "files": len(files),
                "bytes_on_disk": sum(f.stat().st_size for f in files), "analyze": []}
        if sharded:  # statistics against the disk: cold (evicted) and warm page cache, dd beside it
            evict(files)
            case["read_cold"] = read_speed(files)
            case["read_warm"] = read_speed(files)
            print(json.dumps({k: case[k] for k in ("bytes_on_disk", "read_cold", "read_warm")}), flush=True)
            for heap in args.heaps.split(","):
                for cache in ("cold", "warm"):
                    if cache == "cold":
                        evict(files)
                    run = analyze(path, args.threads, heap, SKIP_SPECTRA)
                    run["page_cache"], run["spectra"] = cache, "skipped (" + SKIP_SPECTRA[0] + ")"
                    run.pop("no_fit", None)  # every layer, by spectral.min.evals
                    print(json.dumps(run), flush=True)
                    case["analyze"].append(run)
        else:
            for heap in args.heaps.split(","):
                run = analyze(path, args.threads, heap)
                print(json.dumps(run), flush=True)
                case["analyze"].append(run)
        if not args.no_probes:
            case["spectra_per_layer"] = spectra_per_layer(args.shape, dtype, work, args.heaps.split(",")[0])
            case["spectra_projected_seconds_1_thread"] = projected_spectra(args.shape, case["spectra_per_layer"])
        runs.append(case)
    return runs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--heap", default="256m")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep the generated checkpoints")
    ap.add_argument("--shape", choices=sorted(model_shapes.SHAPES),
                    help="a real model's layer shapes (bench/model_shapes.py) instead of the dense [32768, 128] layers")
    ap.add_argument("--dtypes", default="F32,BF16", help="with --shape")
    ap.add_argument("--heaps", default="1g,256m", help="with --shape: analyze at each (llama-7b: statistics cold and warm at each,"
                    " spectra probes at the first)")
    ap.add_argument("--no-probes", action="store_true", help="with --shape: skip the per-layer spectra probes")
    args = ap.parse_args()
    work = Path(args.dir) / "weightcast-big-files"
    work.mkdir(parents=True, exist_ok=True)
    if args.shape:
        try:
            runs = shaped(args, work)
        finally:
            if not args.keep:
                shutil.rmtree(work)
        out = ROOT / "bench/results" / time.strftime(f"big-files-{args.shape}-%Y%m%d-%H%M.json", time.gmtime())
        out.write_text(json.dumps({"cpus": os.cpu_count(), "shape": args.shape, "threads": args.threads,
                                   "command": "java -XmxHEAP -jar app/target/weightcast.jar analyze FILE --json --threads "
                                   + str(args.threads), "runs": runs}, indent=2) + "\n")
        print(out)
        return
    cases = [("F32", work / "big-f32.safetensors"), ("BF16", work / "big-bf16.safetensors"),
             ("F32", work / "sharded" / "model.safetensors.index.json")]
    runs = []
    try:
        for dtype, path in cases:
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["java", "-Xmx2g", "-cp", str(ROOT / "bench/target/weightcast-bench.jar"),
                            "io.weightcast.bench.BigCheckpoint", str(path), dtype, str(args.bytes)], check=True)
            run = analyze(path, args.threads, args.heap)
            run["dtype"] = dtype
            run["sharded"] = path.name.endswith(".index.json")
            print(json.dumps(run), flush=True)
            runs.append(run)
    finally:
        if not args.keep:
            for p in sorted(work.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
    result = {"cpus": os.cpu_count(), "command": "java -Xmx" + args.heap + " -jar app/target/weightcast.jar analyze FILE --json "
              "--threads " + str(args.threads), "page_cache": "warm (the file was just written)", "runs": runs}
    out = ROOT / "bench/results" / time.strftime("big-files-%Y%m%d-%H%M.json", time.gmtime())
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
