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
import subprocess
import threading
import time
from pathlib import Path

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


def analyze(path, threads, heap):
    cmd = ["/usr/bin/time", "-v", "java", f"-Xmx{heap}", "-jar", str(ROOT / "app/target/weightcast.jar"),
           "analyze", str(path), "--json", "--threads", str(threads)]
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
        raise SystemExit(f"analyze {path} failed ({proc.returncode}): {err[-2000:]}")
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
        "bytes": report["bytes"],
        "loadavg": [round(x, 2) for x in before] + ["->"] + [round(x, 2) for x in loadavg()],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--heap", default="256m")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="keep the generated checkpoints")
    args = ap.parse_args()
    work = Path(args.dir) / "weightcast-big-files"
    work.mkdir(parents=True, exist_ok=True)
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
