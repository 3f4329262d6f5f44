#!/usr/bin/python3
"""A GPT-2-small-shaped checkpoint through the whole pipeline, sent by claim check, with a bounded heap.

Starts `./weightcast local` (broker and the four services in one JVM) with JAVA_OPTS=-Xmx<heap> and
`store.uri=file://<dir>/store`, writes a GPT-2-small checkpoint (bench/model_shapes.py), and sends it STEPS times
with the Python client's claim check (`claim_store=`: the file goes to the shared directory, Kafka carries its
reference). For each step: send → first record on the features, spectra and scores topics (the run id is the key),
with the JVM's peak used heap (jstat) and RSS sampled meanwhile, the load average beside it.
Result: bench/results/big-pipeline-YYYYMMDD-HHMM.json.

    mvn -B -ntp -q -o -pl app,bench -am package -DskipTests
    PYTHONPATH=clients/python /usr/bin/python3 bench/big-pipeline.py [--heap 1g] [--steps 3] [--dir /tmp]
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
from confluent_kafka import Consumer

import model_shapes

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ("features", "spectra", "scores")


def load(path):
    """name -> numpy array, memory-mapped from a safetensors file (F32)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]].view(np.float32).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


class Sampler(threading.Thread):
    """Peak used heap (jstat: survivor + eden + old, MB) and VmRSS (MB) of the JVM."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.heap_mb, self.rss_mb, self.stop = pid, 0.0, 0.0, threading.Event()

    def reset(self):
        self.heap_mb, self.rss_mb = 0.0, 0.0

    def run(self):
        while not self.stop.is_set():
            try:
                rss = re.search(r"^VmRSS:\s+(\d+)", Path(f"/proc/{self.pid}/status").read_text(), re.M)
                self.rss_mb = max(self.rss_mb, int(rss.group(1)) / 1024)
                out = subprocess.run(["jstat", "-gc", str(self.pid)], capture_output=True, text=True).stdout.split("\n")
                cols = dict(zip(out[0].split(), out[1].split()))
                used = sum(float(cols[c]) for c in ("S0U", "S1U", "EU", "OU"))
                self.heap_mb = max(self.heap_mb, used / 1024)
            except (OSError, AttributeError, IndexError, KeyError, ValueError):
                pass
            time.sleep(0.2)


def start_stack(data, store, heap):
    env = dict(os.environ, JAVA_OPTS=f"-Xmx{heap}")
    cmd = [str(ROOT / "weightcast"), "local", "--data-dir", str(data), "--http-port-base", "0",
           "-s", f"store.uri=file://{store}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    bootstrap = None
    for line in proc.stdout:
        m = re.search(r"Kafka bootstrap\s*:\s*(\S+)", line)
        bootstrap = m.group(1) if m else bootstrap
        if "Train and publish" in line:  # the last line of the addresses
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep the pipe drained
    if bootstrap is None:
        proc.kill()
        raise SystemExit("weightcast local did not start")
    return proc, bootstrap


def wait_for(consumer, run_id, since, timeout):
    """Seconds from `since` to the first record of the run on each topic (None: not within the timeout)."""
    seen = {}
    end = time.monotonic() + timeout
    while len(seen) < len(TOPICS) and time.monotonic() < end:
        msg = consumer.poll(0.1)
        if msg is None or msg.error() or (msg.key() or b"").decode() != run_id:
            continue
        topic = msg.topic().rsplit(".", 1)[-1]
        seen.setdefault(topic, round(time.monotonic() - since, 2))
    return {t: seen.get(t) for t in TOPICS}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    from weightcast import Weightcast
    work = Path(args.dir) / "weightcast-big-pipeline"
    shutil.rmtree(work, ignore_errors=True)
    (work / "store").mkdir(parents=True)
    checkpoint = work / "gpt2-small-f32.safetensors"
    model_shapes.write(checkpoint, "gpt2-small", "F32")
    state = load(checkpoint)
    proc, bootstrap = start_stack(work / "data", work / "store", args.heap)
    sampler = Sampler(proc.pid)
    sampler.start()
    steps = []
    try:
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"big-pipeline-{os.getpid()}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(["weightcast." + t for t in TOPICS])
        client = Weightcast(bootstrap_servers=bootstrap, claim_store=f"file://{work / 'store'}")
        run = client.start_run(study="gpt2-small", planned_steps=10, activation="gelu")
        for step in range(1, args.steps + 1):
            sampler.reset()
            before = os.getloadavg()
            start = time.monotonic()
            size = run.log_checkpoint(state, step, {"train_loss": 3.0 / step, "val_acc": 0.1 * step})
            client.flush()
            sent = round(time.monotonic() - start, 2)
            latency = wait_for(consumer, run.run_id, start, args.timeout)
            steps.append({"step": step, "bytes": size, "sent_s": sent, "seconds_from_send": latency,
                          "peak_heap_used_mb": round(sampler.heap_mb), "peak_rss_mb": round(sampler.rss_mb),
                          "loadavg": [round(x, 2) for x in before] + ["->"] + [round(x, 2) for x in os.getloadavg()]})
            print(json.dumps(steps[-1]), flush=True)
        stored = [p.stat().st_size for p in (work / "store").rglob("*") if p.is_file()]
        client.close()
        consumer.close()
    finally:
        sampler.stop.set()
        proc.terminate()
        proc.wait(60)
        shutil.rmtree(work, ignore_errors=True)
    result = {"cpus": os.cpu_count(), "stack": f"./weightcast local, one JVM (broker + 4 services), JAVA_OPTS=-Xmx{args.heap}",
              "checkpoint": "GPT-2 small shapes (bench/model_shapes.py), F32, 124,439,808 parameters",
              "transport": "Python client, Kafka, claim check to a shared directory (file://)",
              "files_in_store": stored, "steps": steps}
    out = ROOT / "bench/results" / time.strftime("big-pipeline-%Y%m%d-%H%M.json", time.gmtime())
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
