#!/usr/bin/python3
"""Checkpoint size → stream throughput, latency and memory: checkpoints of several sizes through `./weightcast local`.

For each size, a fresh `./weightcast local` (broker + the four services in one JVM, JAVA_OPTS=-Xmx<heap>,
`store.uri=file://<dir>/store`), then the Python client sends that model's checkpoints by claim check
(`claim_threshold_bytes=0`: every size goes by reference, the file streamed to the shared directory tensor by tensor;
above `--max-shard-bytes` as a Hugging Face sharded checkpoint, index + shards, `ref_shards` in the record):

- one checkpoint alone: send (the client writes the store, Kafka acks) and send → features, → score, → spectra (the
  deferred record on `spectra`; small checkpoints get theirs inline in the features record, marked "inline");
- a burst of checkpoints sent back to back (50 digits, 10 ResNet-18, 5 ResNet-50, 3 GPT-2, 2 of the 1.3B;
  `--burst N` for all): checkpoints/s to features and to spectra (first send → last
  record);
- the JVM's peak used heap (jstat: S0U + S1U + EU + OU) and peak RSS, anonymous (heap, native) and file-backed (the
  mapped checkpoint files) apart, from /proc/PID/status; after the burst the RSS again, then once more after a full GC
  (`jcmd PID GC.run`): a file-backed RSS that falls after the GC is mappings that were only waiting to be collected.

The load average is recorded beside every number (the machine is shared). Sizes:

    digits      the 8×8-digits CNN of the demo zoo (4,970 parameters, F32, 20 KB; examples/digits-cnn.safetensors)
    resnet18    torchvision ResNet-18, random init (11.7M parameters, F32, 47 MB)
    resnet50    torchvision ResNet-50, random init (25.6M parameters, F32, 102 MB)
    gpt2-small  GPT-2 small shapes (124.4M parameters, F32, 498 MB; bench/model_shapes.py)
    llama-1.3b  a Llama-architecture 1.3B (1.35B parameters, BF16, 2.7 GB: sharded by the client into ≤ 1 GB shards)
    llama-7b    Llama-7B shapes (6.74B parameters, BF16, 13.5 GB, sharded); needs ~30 GB free in --dir (its source
                files, then the store's copy); not in the default list

Result: bench/results/scale-sizes-YYYYMMDD-HHMMSS.json (rewritten after every phase).

A referenced checkpoint's deferred spectra are a resumable job (streams `SpectraJobs`): its layers go out on `spectra` as
progress records, step by step, then the final record; the result keeps their timeline (`spectra_progress`: seconds,
layers done, layers total, estimated seconds left). A step, and the features path's hashing and statistics of one
checkpoint, must fit the Streams transaction timeout (60 s, `FeatureService`; raise it with
`--set streams.kafka.producer.transaction.timeout.ms=...` on a very busy machine). For the 7B:
`--sizes llama-7b --heap "1g -Dorg.bytedeco.javacpp.maxbytes=3g" --burst 0 --timeout 3600 --set streams.spectra.threads=2
--dir /work/big` (the embedding and LM head need ~1.7 GB of native memory each; JavaCPP's cap defaults to -Xmx).

    mvn -B -ntp -q -o -pl app -am package -DskipTests
    PYTHONPATH=clients/python /usr/bin/python3 bench/scale-sizes.py [--sizes digits,resnet18,resnet50,gpt2-small,llama-1.3b]
        [--heap 1g] [--burst N] [--max-shard-bytes 1000000000] [--timeout 600] [--dir /tmp]
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from confluent_kafka import Consumer

import model_shapes

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ("features", "spectra", "scores")
DEFAULT_SIZES = "digits,resnet18,resnet50,gpt2-small,llama-1.3b"
#: checkpoints in a burst by size (--burst overrides): enough small ones to see a rate, few of the largest (each is GBs
#: written to the store and read twice by streams)
BURST = {"digits": 50, "resnet18": 10, "resnet50": 5, "gpt2-small": 3, "llama-1.3b": 2, "llama-7b": 1}


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def memory(pid):
    """VmRSS, RssAnon and RssFile of the process, MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    out = {}
    for key in ("VmRSS", "RssAnon", "RssFile"):
        m = re.search(rf"^{key}:\s+(\d+)", status, re.M)
        out[key] = round(int(m.group(1)) / 1024) if m else None
    return out


class Sampler(threading.Thread):
    """Peak used heap (jstat) and peak VmRSS / RssAnon / RssFile (MB) of the JVM, every 0.2 s."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.reset()

    def reset(self):
        self.peak = {"heap_used_mb": 0.0, "VmRSS": 0, "RssAnon": 0, "RssFile": 0}

    def snapshot(self):
        try:  # a phase shorter than one sampling round still gets a reading
            for k, v in memory(self.pid).items():
                self.peak[k] = max(self.peak[k], v or 0)
        except OSError:
            pass
        return {"peak_heap_used_mb": round(self.peak["heap_used_mb"]), "peak_rss_mb": self.peak["VmRSS"],
                "peak_rss_anon_mb": self.peak["RssAnon"], "peak_rss_file_mb": self.peak["RssFile"]}

    def run(self):
        while not self.stop.is_set():
            try:
                for k, v in memory(self.pid).items():
                    self.peak[k] = max(self.peak[k], v or 0)
                out = subprocess.run(["jstat", "-gc", str(self.pid)], capture_output=True, text=True).stdout.split("\n")
                cols = dict(zip(out[0].split(), out[1].split()))
                used = sum(float(cols[c]) for c in ("S0U", "S1U", "EU", "OU")) / 1024
                self.peak["heap_used_mb"] = max(self.peak["heap_used_mb"], used)
            except (OSError, AttributeError, IndexError, KeyError, ValueError):
                pass
            time.sleep(0.2)


def _header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return n, json.loads(f.read(n))


def load_file(path, out):
    """Adds name -> array memory-mapped from a safetensors file to `out` (F32 as numpy, BF16 as torch.bfloat16)."""
    n, header = _header(path)
    data = np.memmap(path, dtype=np.uint8, mode="c", offset=8 + n)  # copy-on-write: writable views, file untouched
    for name, info in header.items():
        if name == "__metadata__":
            continue
        raw = data[info["data_offsets"][0]:info["data_offsets"][1]]
        if info["dtype"] == "F32":
            out[name] = raw.view(np.float32).reshape(info["shape"])
        elif info["dtype"] == "BF16":
            import torch
            out[name] = torch.frombuffer(raw, dtype=torch.bfloat16).reshape(info["shape"])
        else:
            raise SystemExit(f"{path}: {name} is {info['dtype']}, not F32 or BF16")


def load(path):
    """A state dict memory-mapped from a safetensors file or a sharded checkpoint's index (never read into memory)."""
    out = OrderedDict()
    path = Path(path)
    if path.name.endswith(".index.json"):
        shards = sorted(set(json.loads(path.read_text())["weight_map"].values()))
        for shard in shards:
            load_file(path.parent / shard, out)
    else:
        load_file(path, out)
    return out


def model(size, work):
    """(state_dict, facts) of a size; files written under work/source (deleted with work)."""
    src = work / "source"
    src.mkdir(parents=True, exist_ok=True)
    if size == "digits":
        from weightcast import safetensors as st
        state = st.load((ROOT / "examples/digits-cnn.safetensors").read_bytes()).numpy_dict()
        return state, {"dtype": "F32", "activation": "relu"}
    if size in ("resnet18", "resnet50"):
        import torch
        import torchvision
        torch.manual_seed(0)
        net = getattr(torchvision.models, size)()
        return OrderedDict((k, v.detach()) for k, v in net.state_dict().items()), {"dtype": "F32", "activation": "relu"}
    if size == "gpt2-small":
        path = src / "gpt2-small.safetensors"
        model_shapes.write(path, "gpt2-small", "F32")
        return load(path), {"dtype": "F32", "activation": "gelu"}
    if size in ("llama-1.3b", "llama-7b"):
        path = src / "model.safetensors.index.json"
        model_shapes.write(path, size, "BF16")
        return load(path), {"dtype": "BF16", "activation": "silu"}
    raise SystemExit(f"unknown size {size}")


def start_stack(data, store, heap, settings):
    """`./weightcast local` with JAVA_OPTS=-Xmx<heap>, the store, and `-s key=value` for each of settings."""
    env = dict(os.environ, JAVA_OPTS=f"-Xmx{heap}")
    cmd = [str(ROOT / "weightcast"), "local", "--data-dir", str(data), "--http-port-base", "0", "-s", f"store.uri=file://{store}"]
    for kv in settings:
        cmd += ["-s", kv]
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


def wait_steps(consumer, run_id, steps, since, timeout, want_spectra, spectra_timeout=None):
    """{topic: {step: seconds from since}} for the run's records, until every step has features and scores (and
    spectra when wanted, for at most spectra_timeout seconds from since) or the timeout; inline spectra (the features
    record carries them) count at the features time."""
    seen = {t: {} for t in TOPICS}
    seen["progress"] = {}  # step -> [[seconds, layers done, layers total, estimated seconds left], ...]
    inline = set()
    end = time.monotonic() + timeout
    spectra_end = since + (timeout if spectra_timeout is None else spectra_timeout)
    while time.monotonic() < end:
        done = all(s in seen["features"] and s in seen["scores"] for s in steps)
        if done and (not want_spectra or time.monotonic() > spectra_end
                     or all(s in seen["spectra"] or s in inline for s in steps)):
            break
        msg = consumer.poll(0.1)
        if msg is None or msg.error() or (msg.key() or b"").decode() != run_id:
            continue
        topic = msg.topic().rsplit(".", 1)[-1]
        value = json.loads(msg.value())
        step = value.get("step")
        if topic == "spectra" and value.get("progress") and step in steps:
            # a long analysis's layers so far (a referenced checkpoint's spectra job): not the spectra yet
            p = value["progress"]
            seen["progress"].setdefault(step, []).append(
                [round(time.monotonic() - since, 2), p["layers_done"], p["layers_total"], p.get("eta_seconds")])
            continue
        if step not in steps or step in seen[topic]:
            continue
        seen[topic][step] = round(time.monotonic() - since, 2)
        if topic == "features" and (value.get("health") or {}).get("spectra"):
            inline.add(step)
            seen["spectra"][step] = seen[topic][step]
    return seen, inline


def measure(size, args, work, save):
    t_size = time.monotonic()
    load_start = loadavg()
    state, facts = model(size, work)
    params = int(sum(np.prod(v.shape) for v in state.values()))
    store = work / "store"
    store.mkdir(parents=True, exist_ok=True)
    proc, bootstrap = start_stack(work / "data", store, args.heap, args.set)
    sampler = Sampler(proc.pid)
    sampler.start()
    out = {"size": size, "parameters": params, "dtype": facts["dtype"], "loadavg_start": load_start}
    try:
        from weightcast import Weightcast
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"scale-sizes-{os.getpid()}-{size}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(["weightcast." + t for t in TOPICS])
        client = Weightcast(bootstrap_servers=bootstrap, claim_store=f"file://{store}", claim_threshold_bytes=0,
                            claim_max_shard_bytes=args.max_shard_bytes)
        # warm-up: one digits checkpoint inline through a fresh stack (JIT, rebalance), not measured
        from weightcast import safetensors as st
        warm = Weightcast(bootstrap_servers=bootstrap)
        wrun = warm.start_run(study="warm-up", planned_steps=2, activation="relu")
        wrun.log_checkpoint(st.load((ROOT / "examples/digits-cnn.safetensors").read_bytes()).numpy_dict(), 1)
        warm.flush()
        wait_steps(consumer, wrun.run_id, [1], time.monotonic(), 120, False)
        run = client.start_run(study=f"scale-{size}", planned_steps=100, activation=facts["activation"])

        # one checkpoint alone
        sampler.reset()
        before = loadavg()
        start = time.monotonic()
        nbytes = run.log_checkpoint(state, 1, {"train_loss": 3.0, "val_acc": 0.1})
        client.flush()
        sent = round(time.monotonic() - start, 2)
        seen, inline = wait_steps(consumer, run.run_id, [1], start, args.timeout, True, args.spectra_timeout)
        out["bytes"] = nbytes
        out["sharded"] = nbytes > args.max_shard_bytes
        out["single"] = {"sent_s": sent, "to_features_s": seen["features"].get(1), "to_score_s": seen["scores"].get(1),
                         "to_spectra_s": seen["spectra"].get(1), "spectra": "inline" if 1 in inline else "deferred",
                         "spectra_progress": seen["progress"].get(1, []),
                         **sampler.snapshot(), "loadavg": before + ["->"] + loadavg()}
        print(json.dumps({size: out["single"]}), flush=True)
        save(out)  # an interrupted burst keeps the single checkpoint's numbers

        # a burst (--burst 0: none)
        burst = BURST.get(size, 3) if args.burst is None else args.burst
        if burst > 0:
            steps = list(range(2, 2 + burst))
            sampler.reset()
            before = loadavg()
            start = time.monotonic()
            send_s = []
            for step in steps:
                t0 = time.monotonic()
                run.log_checkpoint(state, step, {"train_loss": 3.0 / step, "val_acc": 0.1})
                send_s.append(round(time.monotonic() - t0, 2))
            client.flush()
            seen, inline = wait_steps(consumer, run.run_id, steps, start, args.timeout * burst, True,
                                      None if args.spectra_timeout is None else args.spectra_timeout * burst)
            last_f = max(seen["features"].values()) if len(seen["features"]) == burst else None
            last_s = max(seen["spectra"].values()) if len(seen["spectra"]) == burst else None
            after = memory(proc.pid)
            subprocess.run(["jcmd", str(proc.pid), "GC.run"], capture_output=True)
            time.sleep(3)
            after_gc = memory(proc.pid)
            out["burst"] = {"checkpoints": burst, "send_s": send_s,
                            "first_send_to_last_features_s": last_f, "first_send_to_last_spectra_s": last_s,
                            "features_per_s": round(burst / last_f, 3) if last_f else None,
                            "spectra_per_s": round(burst / last_s, 3) if last_s else None,
                            "features_s": [seen["features"].get(s) for s in steps],
                            "spectra_s": [seen["spectra"].get(s) for s in steps],
                            **sampler.snapshot(), "rss_after_mb": after, "rss_after_full_gc_mb": after_gc,
                            "loadavg": before + ["->"] + loadavg()}
            print(json.dumps({size: out["burst"]}), flush=True)
        out["store_files"] = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
        client.close()
        warm.close()
        consumer.close()
    finally:
        sampler.stop.set()
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    out["wall_s"] = round(time.monotonic() - t_size, 1)
    out["loadavg_end"] = loadavg()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=DEFAULT_SIZES)
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--burst", type=int, help="checkpoints per burst (default: by size, 50 for digits down to 1 for 7B)")
    ap.add_argument("--max-shard-bytes", type=int, default=1_000_000_000)
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for one checkpoint's records")
    ap.add_argument("--spectra-timeout", type=float,
                    help="seconds to wait for a checkpoint's deferred spectra (default: --timeout); features are waited for anyway")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting for the stack (-s of weightcast local), e.g. streams.kafka.max.poll.interval.ms=1800000")
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "clients/python"))
    started = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    results = []
    out = ROOT / "bench/results" / f"scale-sizes-{started}.json"

    def save(partial=None):
        result = {"cpus": os.cpu_count(), "started": started,
                  "stack": f"./weightcast local, one JVM (broker + 4 services), JAVA_OPTS=-Xmx{args.heap}, a fresh stack per size",
                  "settings": args.set, "spectra_timeout_s": args.spectra_timeout,
                  "transport": "Python client over Kafka, claim check to a shared directory (file://), claim_threshold_bytes=0, "
                               f"sharded above {args.max_shard_bytes} bytes",
                  "sizes": results + ([partial] if partial else [])}
        out.write_text(json.dumps(result, indent=2) + "\n")  # after every phase: an interrupted run keeps what it measured

    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        work = Path(args.dir) / f"weightcast-scale-sizes-{size}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        results.append(measure(size, args, work, save))
        print(json.dumps({"size": size, "wall_s": results[-1]["wall_s"]}), flush=True)
        save()
    print(out)


if __name__ == "__main__":
    main()
