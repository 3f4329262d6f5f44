#!/usr/bin/env python3
"""`weightcast analyze` against WeightWatcher, as whole processes, side by side in one run (issue 24 items 4 and 5).

For each model and thread count it writes the seeded torchvision model's weights once (WeightWatcher's timing tool
does: ww-time --write-checkpoint), then alternates the two commands ROUNDS times on the same weights and quotes
medians:
  - WeightWatcher: `/usr/bin/python3 ww-time MODEL --threads T` (imports torch, builds the model, runs analyze());
    its own analyze() time is reported too (ww-time's analyze_seconds);
  - Weightcast: `java -jar app/target/weightcast.jar analyze --threads T --json FILE` with the options and the
    class-data-sharing archive ./weightcast uses for analyze; its own phases come from the JSON (read, statistics,
    spectra) and a warm spectra time from analysing the file three times in one JVM (`analyze F F F`).
Wall time is measured around each process here. Writes bench/results/ww-compare-<time>.json and prints a table.

  /usr/bin/python3 bench/ww_compare.py [--ww-time ../shared/tools/ww-time] [--rounds 3] [--models resnet18,resnet50]
                                       [--threads 1,2]
WeightWatcher's sources (../shared/tools/ww-reference) need python3-pandas, -scipy, -matplotlib, -sklearn, -tqdm
(./weightcast setup --for=ww-compare installs them).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "app" / "target" / "weightcast.jar"
JSA = ROOT / "app" / "target" / "weightcast.jsa"


def timed(cmd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, done.stdout


def java_cmd(threads, files):
    cds = [f"-XX:SharedArchiveFile={JSA}", "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"] if JSA.exists() else []
    # the launcher's options for analyze: C1 and the serial collector (weightcast, default_opts)
    return ["java", "-Xmx3g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", *cds, f"-Dweightcast.home={ROOT}",
            "-Dweightcast.console.level=ERROR", "-Dweightcast.log.file=/dev/null", "-jar", str(JAR), "analyze", "--threads",
            str(threads), "--json", *map(str, files)]


def env_for(threads):
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[v] = str(threads)
    if "OPENBLAS_CORETYPE" not in env and "avx512f" in Path("/proc/cpuinfo").read_text():
        env["OPENBLAS_CORETYPE"] = "Haswell"  # as the launcher: OpenBLAS 0.3.19's AVX-512 kernels are wrong here
    return env


def compare(ww_time, model, threads, rounds, workdir):
    env = env_for(threads)
    checkpoint = Path(workdir) / f"{model}.safetensors"
    timed(["/usr/bin/python3", ww_time, model, "--threads", str(threads), "--write-checkpoint", str(checkpoint)], env)
    ww_wall, ww_analyze, wc_wall, wc_phases = [], [], [], []
    for _ in range(rounds):
        wall, out = timed(["/usr/bin/python3", ww_time, model, "--threads", str(threads)], env)
        ww_wall.append(wall)
        ww_line = json.loads(out.strip().splitlines()[-1])
        ww_analyze.append(ww_line["analyze_seconds"])
        wall, out = timed(java_cmd(threads, [checkpoint]), env)
        wc_wall.append(wall)
        wc_phases.append(json.loads(out)["summary"]["seconds"])
    _, warm = timed(java_cmd(threads, [checkpoint] * 3), env)
    warm_spectra = json.loads(warm)["checkpoints"][2]["summary"]["seconds"]["spectra"]
    med = statistics.median
    row = {
        "model": model, "threads": threads, "rounds": rounds, "layers": ww_line["layers"],
        "checkpoint_bytes": checkpoint.stat().st_size,
        "weightwatcher": {"process_wall_s": med(ww_wall), "analyze_s": med(ww_analyze), "all_wall_s": ww_wall},
        "weightcast": {"process_wall_s": med(wc_wall), "all_wall_s": wc_wall,
                       "phases_s": {k: med([p[k] for p in wc_phases]) for k in wc_phases[0]},
                       "warm_spectra_s": warm_spectra, "cds_archive": JSA.exists()},
    }
    row["process_ratio"] = row["weightwatcher"]["process_wall_s"] / row["weightcast"]["process_wall_s"]
    row["spectral_ratio_cold"] = row["weightwatcher"]["analyze_s"] / row["weightcast"]["phases_s"]["spectra"]
    row["spectral_ratio_warm"] = row["weightwatcher"]["analyze_s"] / warm_spectra
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ww-time", default=str(ROOT.parent / "shared" / "tools" / "ww-time"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", default="resnet18,resnet50")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    a = ap.parse_args()
    if not JAR.exists():
        sys.exit(f"no {JAR}: build first (./weightcast build)")
    if not Path(a.ww_time).exists():
        sys.exit(f"no WeightWatcher timing tool at {a.ww_time} (--ww-time)")
    start = time.time()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for model in a.models.split(","):
            for threads in map(int, a.threads.split(",")):
                row = compare(a.ww_time, model, threads, a.rounds, work)
                rows.append(row)
                print(f"{model:9} threads {threads}: WeightWatcher {row['weightwatcher']['process_wall_s']:.2f} s "
                      f"(analyze() {row['weightwatcher']['analyze_s']:.2f}), weightcast {row['weightcast']['process_wall_s']:.2f} s "
                      f"({', '.join(f'{k} {v:.2f}' for k, v in row['weightcast']['phases_s'].items())}; warm spectra "
                      f"{row['weightcast']['warm_spectra_s']:.2f}): whole process {row['process_ratio']:.2f}x, spectral core "
                      f"{row['spectral_ratio_cold']:.2f}x cold / {row['spectral_ratio_warm']:.2f}x warm", flush=True)
    report = {"measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)), "wall_seconds": time.time() - start,
              "load_average_at_end": os.getloadavg(), "cores": os.cpu_count(), "results": rows}
    out = Path(a.out_dir) / f"ww-compare-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(start))}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
