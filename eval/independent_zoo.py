"""An independent zoo generator (issue 19: "checked again on a zoo made by other code, seeds and
hyper-parameter ranges, replayed both ways").

Every number of the live benchmark (``./weightcast eval-live``) came from zoos written by our own
generator (``clients/python/weightcast/demo/zoo.py``): one CNN family, Adam only, the Small CNN Zoo's
ranges. This script writes a zoo with none of that code, so a predictor or a policy that was tuned,
knowingly or not, to our generator's quirks shows it. It shares only the zoo directory FORMAT
(eval/README.md, format 1: manifest.json, runs/<run_id>/events.jsonl, step-NNN.safetensors; the
safetensors bytes and the events are written here by hand, not by our client) and the raw digits
file. Everything else is its own:

- data: the 1,797 digits at their native 8x8, standardized per pixel on the training pool (ours:
  /16 and bilinear to 16x16); its own class-balanced split (seed 7331: test 36 and validation 18
  per class, so chance is exactly 0.1 as in ours; pool 1,257);
- models: a small VGG-style CNN (2 conv 3x3 + max-pool, optional BatchNorm, a hidden dense layer,
  a linear head) or a 2-hidden-layer MLP, widths drawn per run (ours: 3 strided convs, global
  average pooling, 16 filters);
- activations relu / leaky_relu / gelu / tanh / silu; optimizers SGD (momentum, Nesterov), Adam,
  AdamW, RMSprop, each with its own log-uniform learning-rate range; weight decay (0 or
  log-uniform), dropout, batch size 16..128, six weight inits plus zero / default / negative bias
  inits, label smoothing, constant / cosine / step schedules, optional gradient clipping, a
  continuous training fraction (see ``sample_hparams``);
- seeds: run i of zoo seed S trains with seed S * 1000 + i (default S = 7000) and samples its
  hyper-parameters with Python's ``random.Random`` (ours: numpy SeedSequence).

Per epoch it reports what eval-live reads: train_loss/train_acc (running, train mode), val_loss/val_acc
(eval mode), for ReLU nets ``dead_fraction/<layer>`` (the fraction of the layer's units, or channels,
whose post-activation output is 0 for every TEST input at every position, eval mode) and the
benchmark-only ``eval/test_loss``, ``eval/test_acc``, ``eval/constant_prediction``,
``eval/distinct_predictions``; ``finished`` carries the final test and train accuracy. Runs that
diverge keep their NaN weights and losses (NaN as the string "NaN"), as a real loop would.

    /usr/bin/python3 eval/independent_zoo.py --out /work/zoos/independent-400 --runs 400 --parallel 1
    /usr/bin/python3 eval/independent_zoo.py --out ZOO --stats      # the zoo's numbers, as JSON

Resumable: finished runs (a directory named after the run) are kept, half-written ``.tmp-`` ones redone.
"""

import argparse
import gzip
import json
import math
import multiprocessing as mp
import os
import random
import shlex
import shutil
import struct
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "clients" / "python" / "weightcast" / "demo" / "data" / "digits.csv.gz"
SPLIT_SEED = 7331
TEST_PER_CLASS, VAL_PER_CLASS = 36, 18
STUDY = "digits-indep"
GENERATOR = "eval/independent_zoo.py"
FORMAT = 1
SPLITS = "indep-1"  # this generator's own split (recorded in the manifest; not our generator's "splits": 2)

ACTIVATIONS = {"relu": 0.40, "leaky_relu": 0.15, "gelu": 0.15, "tanh": 0.15, "silu": 0.15}
OPTIMIZERS = {"sgd": 0.35, "adam": 0.25, "adamw": 0.20, "rmsprop": 0.20}
LR_RANGES = {"sgd": (3e-3, 1.5), "adam": (1e-4, 0.05), "adamw": (1e-4, 0.05), "rmsprop": (5e-5, 0.02)}
INITS = ("torch_default", "kaiming_normal", "xavier_uniform", "orthogonal", "normal", "lecun_normal")


# ------------------------------------------------------------------------------------------ data

def load_data() -> Dict[str, torch.Tensor]:
    with gzip.open(DIGITS, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x, y = table[:, :64], table[:, 64].astype(np.int64)
    rng = np.random.RandomState(SPLIT_SEED)
    test, val = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.extend(idx[:TEST_PER_CLASS])
        val.extend(idx[TEST_PER_CLASS:TEST_PER_CLASS + VAL_PER_CLASS])
    held = set(test) | set(val)
    pool = np.array([i for i in range(len(y)) if i not in held])
    mean, std = x[pool].mean(axis=0), np.maximum(x[pool].std(axis=0), 1.0)  # >= 1: near-constant border pixels
    x = ((x - mean) / std).reshape(-1, 1, 8, 8)
    t = torch.from_numpy
    return {"x": t(x.copy()), "y": t(y), "pool": t(pool), "val": t(np.sort(np.asarray(val, dtype=np.int64))),
            "test": t(np.sort(np.asarray(test, dtype=np.int64)))}


# ------------------------------------------------------------------------------------------ models

def make_activation(name: str) -> nn.Module:
    return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01), "gelu": nn.GELU, "tanh": nn.Tanh,
            "silu": nn.SiLU}[name]()


class SmallVGG(nn.Module):
    """conv_a 3x3 -> act -> maxpool -> conv_b 3x3 -> act -> maxpool -> hidden -> act -> dropout -> head."""

    def __init__(self, h: dict):
        super().__init__()
        c1, c2, hid, bn = h["channels_a"], h["channels_b"], h["hidden"], h["batch_norm"]
        self.conv_a = nn.Conv2d(1, c1, 3, padding=1)
        self.norm_a = nn.BatchNorm2d(c1) if bn else nn.Identity()
        self.conv_b = nn.Conv2d(c1, c2, 3, padding=1)
        self.norm_b = nn.BatchNorm2d(c2) if bn else nn.Identity()
        self.hidden = nn.Linear(c2 * 4, hid)
        self.head = nn.Linear(hid, 10)
        self.acts = nn.ModuleList([make_activation(h["activation"]) for _ in range(3)])
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(h["dropout"])

    def forward(self, x: torch.Tensor, taps: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        a = self.acts[0](self.norm_a(self.conv_a(x)))
        b = self.acts[1](self.norm_b(self.conv_b(self.pool(a))))
        h = self.acts[2](self.hidden(self.pool(b).flatten(1)))
        if taps is not None:
            taps.update(conv_a=a, conv_b=b, hidden=h)
        return self.head(self.drop(h))

    weight_layers = ("conv_a", "conv_b", "hidden", "head")


class TwoLayerMLP(nn.Module):
    """fc1 -> act -> dropout -> fc2 -> act -> dropout -> head, on the 64 flattened pixels."""

    def __init__(self, h: dict):
        super().__init__()
        self.fc1 = nn.Linear(64, h["hidden_1"])
        self.fc2 = nn.Linear(h["hidden_1"], h["hidden_2"])
        self.head = nn.Linear(h["hidden_2"], 10)
        self.acts = nn.ModuleList([make_activation(h["activation"]) for _ in range(2)])
        self.drop = nn.Dropout(h["dropout"])

    def forward(self, x: torch.Tensor, taps: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        a = self.acts[0](self.fc1(x.flatten(1)))
        b = self.acts[1](self.fc2(self.drop(a)))
        if taps is not None:
            taps.update(fc1=a, fc2=b)
        return self.head(self.drop(b))

    weight_layers = ("fc1", "fc2", "head")


def build(h: dict) -> nn.Module:
    model = SmallVGG(h) if h["arch"] == "small_vgg" else TwoLayerMLP(h)
    gain_name = {"leaky_relu": "leaky_relu", "tanh": "tanh"}.get(h["activation"], "relu")
    with torch.no_grad():
        for name in model.weight_layers:
            layer = getattr(model, name)
            w = layer.weight
            init = h["init"]
            if init == "kaiming_normal":
                nn.init.kaiming_normal_(w, nonlinearity=gain_name)
            elif init == "xavier_uniform":
                nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain(gain_name))
            elif init == "orthogonal":
                nn.init.orthogonal_(w.view(w.shape[0], -1))
            elif init == "normal":
                nn.init.normal_(w, 0.0, h["init_std"])
            elif init == "lecun_normal":
                nn.init.normal_(w, 0.0, 1.0 / math.sqrt(w[0].numel()))
            if h["bias_init"] == "zeros":
                nn.init.zeros_(layer.bias)
            elif h["bias_init"] == "negative" and name != "head":
                nn.init.constant_(layer.bias, -h["bias_shift"])
    return model


# ------------------------------------------------------------------------------------------ hyper-parameters

def _pick(rng: random.Random, weights: Dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def sample_hparams(zoo_seed: int, index: int, epochs: int) -> dict:
    seed = zoo_seed * 1000 + index
    rng = random.Random(seed)
    arch = "small_vgg" if rng.random() < 0.6 else "mlp"
    optimizer = _pick(rng, OPTIMIZERS)
    init = rng.choice(INITS)
    h = {"seed": seed, "arch": arch, "activation": _pick(rng, ACTIVATIONS), "optimizer": optimizer,
         "learning_rate": _log_uniform(rng, *LR_RANGES[optimizer]),
         "momentum": rng.choice((0.0, 0.5, 0.9, 0.95)) if optimizer == "sgd" else None,
         "weight_decay": (_log_uniform(rng, 1e-4, 0.3) if optimizer == "adamw"
                          else 0.0 if rng.random() < 0.3 else _log_uniform(rng, 1e-6, 3e-2)),
         "dropout": 0.0 if rng.random() < 0.4 else rng.uniform(0.05, 0.6),
         "batch_size": rng.choices((16, 32, 64, 128), weights=(0.3, 0.35, 0.25, 0.1))[0],
         "init": init, "init_std": _log_uniform(rng, 0.03, 1.0) if init == "normal" else None,
         "bias_init": rng.choices(("zeros", "default", "negative"), weights=(0.6, 0.25, 0.15))[0],
         "label_smoothing": rng.choice((0.0, 0.0, 0.05, 0.1, 0.2)),
         "schedule": rng.choices(("constant", "cosine", "step"), weights=(0.4, 0.35, 0.25))[0],
         "grad_clip": rng.choice((None, None, None, 1.0, 5.0)),
         "train_fraction": round(rng.uniform(0.2, 1.0), 3), "epochs": epochs}
    h["nesterov"] = optimizer == "sgd" and h["momentum"] > 0 and rng.random() < 0.5
    h["bias_shift"] = rng.uniform(0.05, 0.5) if h["bias_init"] == "negative" else None
    if arch == "small_vgg":
        h.update(channels_a=rng.choice((4, 8, 12)), channels_b=rng.choice((8, 16, 24)), hidden=rng.choice((16, 32, 64)),
                 batch_norm=rng.random() < 0.25)
    else:
        h.update(hidden_1=rng.choice((32, 64, 128)), hidden_2=rng.choice((16, 32, 64)))
    return {k: v for k, v in h.items() if v is not None}


def make_optimizer(h: dict, params) -> torch.optim.Optimizer:
    lr, wd = h["learning_rate"], h["weight_decay"]
    if h["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=h["momentum"], nesterov=h["nesterov"], weight_decay=wd)
    if h["optimizer"] == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if h["optimizer"] == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    return torch.optim.RMSprop(params, lr=lr, alpha=0.9, weight_decay=wd)


def lr_factor(h: dict, epoch: int) -> float:
    """Learning-rate multiplier for 1-based ``epoch``."""
    if h["schedule"] == "cosine":
        return 0.5 * (1 + math.cos(math.pi * (epoch - 1) / h["epochs"]))
    if h["schedule"] == "step":
        return 0.3 ** ((epoch - 1) // 6)
    return 1.0


# ------------------------------------------------------------------------------------------ the format, by hand

def _json_safe(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    return v


def dumps(obj) -> str:
    return json.dumps(_json_safe(obj), allow_nan=False, separators=(",", ":"))


_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}


def safetensors_bytes(state: Dict[str, torch.Tensor], metadata: Dict[str, str]) -> bytes:
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in state.items():
        t = t.detach().cpu().contiguous()
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


# ------------------------------------------------------------------------------------------ one run

@torch.no_grad()
def measure(model: nn.Module, x: torch.Tensor, y: torch.Tensor, relu: bool):
    model.eval()
    taps: Dict[str, torch.Tensor] = {}
    logits = model(x, taps)
    model.train()
    loss = float(nn.functional.cross_entropy(logits, y))
    pred = logits.argmax(1)
    dead = {}
    if relu:
        for name, a in taps.items():
            per_unit = a.transpose(0, 1).reshape(a.shape[1], -1).amax(dim=1)  # unit/channel: max over inputs, positions
            dead[name] = float((per_unit <= 0).float().mean())
    return loss, float((pred == y).float().mean()), dead, int(pred.unique().numel())


def train_run(out_runs: Path, run_id: str, h: dict, data: Dict[str, torch.Tensor]) -> dict:
    t0, cpu0 = time.perf_counter(), time.process_time()
    torch.manual_seed(h["seed"])
    rng = np.random.RandomState(h["seed"])
    pool = data["pool"].numpy()
    n = max(h["batch_size"], int(round(h["train_fraction"] * len(pool))))
    train_idx = torch.from_numpy(np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False)))
    x, y = data["x"], data["y"]
    xt, yt = x[train_idx], y[train_idx]
    xv, yv, xs, ys = x[data["val"]], y[data["val"]], x[data["test"]], y[data["test"]]
    relu = h["activation"] == "relu"
    model = build(h)
    opt = make_optimizer(h, model.parameters())
    loss_fn = nn.CrossEntropyLoss(label_smoothing=h["label_smoothing"])
    tmp = out_runs / (".tmp-" + run_id)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    events = open(tmp / "events.jsonl", "w", encoding="utf-8")
    declared = dict(h, train_size=len(train_idx), dataset="digits-8x8", generator=GENERATOR)
    scalar = {k: v for k, v in declared.items() if isinstance(v, (int, float, str, bool))}
    now = lambda: int(time.time() * 1000)  # noqa: E731
    events.write(dumps({"type": "started", "run_id": run_id, "study": STUDY, "hparams": declared,
                        "planned_steps": h["epochs"], "timestamp": now()}) + "\n")
    g = torch.Generator().manual_seed(h["seed"] + 1)
    test_acc = float("nan")
    for epoch in range(1, h["epochs"] + 1):
        for group in opt.param_groups:
            group["lr"] = h["learning_rate"] * lr_factor(h, epoch)
        total, correct, seen = 0.0, 0, 0
        for batch in torch.randperm(len(xt), generator=g).split(h["batch_size"]):
            if len(batch) < 2 and h.get("batch_norm"):
                continue  # BatchNorm cannot train on one example
            logits = model(xt[batch])
            loss = loss_fn(logits, yt[batch])
            opt.zero_grad()
            loss.backward()
            if "grad_clip" in h:
                nn.utils.clip_grad_norm_(model.parameters(), h["grad_clip"])
            opt.step()
            total += float(loss) * len(batch)
            correct += int((logits.argmax(1) == yt[batch]).sum())
            seen += len(batch)
        val_loss, val_acc, _, _ = measure(model, xv, yv, False)
        test_loss, test_acc, dead, distinct = measure(model, xs, ys, relu)
        metrics = {"train_loss": total / seen, "train_acc": correct / seen, "val_loss": val_loss, "val_acc": val_acc,
                   "lr": opt.param_groups[0]["lr"]}
        metrics.update({f"dead_fraction/{k}": v for k, v in dead.items()})
        metrics.update({"eval/test_loss": test_loss, "eval/test_acc": test_acc,
                        "eval/constant_prediction": float(distinct == 1), "eval/distinct_predictions": float(distinct)})
        meta = {"run_id": run_id, "step": str(epoch), "planned_steps": str(h["epochs"]), "framework": "pytorch",
                "activation": h["activation"], "study": STUDY, "metrics": dumps(metrics), "hparams": dumps(scalar),
                "layers": ",".join(model.weight_layers)}
        (tmp / f"step-{epoch:03d}.safetensors").write_bytes(safetensors_bytes(model.state_dict(), meta))
        events.write(dumps({"type": "metrics", "run_id": run_id, "study": STUDY, "step": epoch, "metrics": metrics,
                            "timestamp": now()}) + "\n")
    _, train_acc, _, _ = measure(model, xt, yt, False)
    events.write(dumps({"type": "finished", "run_id": run_id, "study": STUDY,
                        "final": {"test_accuracy": test_acc, "train_accuracy": train_acc}, "timestamp": now()}) + "\n")
    events.close()
    final = out_runs / run_id
    if final.exists():
        shutil.rmtree(final)
    os.rename(tmp, final)
    return {"run_id": run_id, "test_accuracy": test_acc, "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - cpu0, "arch": h["arch"], "activation": h["activation"],
            "optimizer": h["optimizer"], "learning_rate": h["learning_rate"]}


_DATA: Dict[str, torch.Tensor] = {}


def _init_worker() -> None:
    torch.set_num_threads(1)
    _DATA.update(load_data())


def _work(task: Tuple[str, str, dict]) -> dict:
    return train_run(Path(task[0]), task[1], task[2], _DATA)


# ------------------------------------------------------------------------------------------ the zoo

def write_manifest(root: Path, manifest: dict) -> None:
    tmp = root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, root / "manifest.json")


def generate(args: argparse.Namespace, argv: List[str]) -> int:
    root = Path(args.out)
    runs_dir = root / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    identity = {"format": FORMAT, "source": "digits", "epochs": args.epochs, "seed": args.seed, "splits": SPLITS,
                "generator": GENERATOR}
    previous = None
    if (root / "manifest.json").exists():
        previous = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        differ = [k for k in identity if previous.get(k) != identity[k]]
        if differ:
            print(f"error: {root} holds another zoo (differs in {', '.join(differ)})", file=sys.stderr)
            return 1
    for p in runs_dir.iterdir():
        if p.name.startswith(".tmp-"):
            shutil.rmtree(p)
    ids = [f"indep-{args.seed}-{i}" for i in range(args.runs)]
    finished = {p.name for p in runs_dir.iterdir() if p.is_dir()}
    extra = finished - set(ids)
    if extra:
        print(f"error: {runs_dir} holds runs this generation would not make, e.g. {sorted(extra)[0]}", file=sys.stderr)
        return 1
    manifest = dict(identity, runs=args.runs, width=0, command=shlex.join([sys.executable] + argv),
                    generation_seconds=float((previous or {}).get("generation_seconds", 0.0)),
                    cpu_seconds=float((previous or {}).get("cpu_seconds", 0.0)), complete=False, torch=torch.__version__)
    todo = [(str(runs_dir), rid, sample_hparams(args.seed, i, args.epochs)) for i, rid in enumerate(ids) if rid not in finished]
    print(f"zoo {root}: {args.runs} runs, {len(finished)} already finished, {len(todo)} to train "
          f"(seed {args.seed}, {args.epochs} epochs, parallel {args.parallel})", file=sys.stderr, flush=True)
    write_manifest(root, manifest)
    t0, cpu, done = time.perf_counter(), 0.0, len(finished)
    ctx = mp.get_context("spawn")
    with ctx.Pool(args.parallel, initializer=_init_worker) as pool:
        try:
            for r in pool.imap_unordered(_work, todo):
                done += 1
                cpu += r["cpu_seconds"]
                elapsed = time.perf_counter() - t0
                eta = elapsed / (done - len(finished)) * (args.runs - done)
                print(f"[{done}/{args.runs}] {r['run_id']}: {r['arch']} {r['activation']} {r['optimizer']} "
                      f"lr {r['learning_rate']:.3g} -> test accuracy {r['test_accuracy']:.3f} ({r['seconds']:.1f} s); "
                      f"ETA {eta / 60:.1f} min", file=sys.stderr, flush=True)
                write_manifest(root, dict(manifest, generation_seconds=round(manifest["generation_seconds"] + elapsed, 3),
                                          cpu_seconds=round(manifest["cpu_seconds"] + cpu, 3), complete=done == args.runs))
        except KeyboardInterrupt:
            pool.terminate()
            print("interrupted (finished runs are kept; run again to resume)", file=sys.stderr)
            return 130
    complete = {p.name for p in runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")} >= set(ids)
    write_manifest(root, dict(manifest, generation_seconds=round(manifest["generation_seconds"] + time.perf_counter() - t0, 3),
                              cpu_seconds=round(manifest["cpu_seconds"] + cpu, 3), complete=complete))
    print(json.dumps(stats(root)), file=sys.stderr)
    return 0 if complete else 1


def stats(root: Path) -> dict:
    """The zoo's numbers from its files: accuracy spread, near-chance and dying-ReLU runs, families."""
    accs, dying, fully_dead, relu, nonfinite, by = [], 0, 0, 0, 0, {}
    for d in sorted((root / "runs").iterdir()):
        if not d.is_dir() or d.name.startswith("."):
            continue
        events = [json.loads(line) for line in (d / "events.jsonl").read_text(encoding="utf-8").splitlines()]
        h = events[0]["hparams"]
        last = [e for e in events if e["type"] == "metrics"][-1]["metrics"]
        acc = events[-1]["final"]["test_accuracy"]
        accs.append(acc)
        dead = [v for k, v in last.items() if k.startswith("dead_fraction/") and isinstance(v, float)]
        if h["activation"] == "relu":
            relu += 1
            dying += any(v >= 0.5 for v in dead)
            fully_dead += any(v == 1.0 for v in dead)
        nonfinite += any(isinstance(v, str) for k, v in last.items() if k in ("train_loss", "val_loss"))
        for key in ("arch", "activation", "optimizer"):
            by.setdefault(key, {}).setdefault(h[key], []).append(acc)
    a = np.array(accs)
    return {"runs": len(a), "test_accuracy": {"min": float(a.min()), "p25": float(np.quantile(a, 0.25)),
                                              "median": float(np.median(a)), "p75": float(np.quantile(a, 0.75)),
                                              "max": float(a.max()), "mean": float(a.mean())},
            "near_chance_lt_0.15": int((a < 0.15).sum()), "at_chance_le_0.147": int((a <= 0.147).sum()),
            "above_0.9": int((a > 0.9).sum()), "relu_runs": relu, "dying_relu_runs_ge_0.5": int(dying),
            "relu_runs_with_a_fully_dead_layer": int(fully_dead), "runs_with_nonfinite_loss_at_end": int(nonfinite),
            "median_accuracy_by": {k: {c: [len(v), round(float(np.median(v)), 3)] for c, v in sorted(g.items())}
                                   for k, g in by.items()}}


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv if argv is None else [sys.argv[0]] + argv)
    p = argparse.ArgumentParser(description="Write an independent digits zoo (eval-live's zoo directory format 1).")
    p.add_argument("--out", required=True, metavar="ZOO", help="zoo directory (resumable)")
    p.add_argument("--runs", type=int, default=400, help="number of runs (default 400)")
    p.add_argument("--epochs", type=int, default=18, help="epochs = checkpoints per run (default 18)")
    p.add_argument("--seed", type=int, default=7000, help="zoo seed; run i trains with seed*1000+i (default 7000)")
    p.add_argument("--parallel", type=int, default=1, help="worker processes, one core each (default 1)")
    p.add_argument("--stats", action="store_true", help="print the numbers of the zoo at --out and exit")
    args = p.parse_args(argv[1:])
    if args.stats:
        print(json.dumps(stats(Path(args.out)), indent=2))
        return 0
    if args.runs < 1 or args.epochs < 1 or args.parallel < 1:
        p.error("--runs, --epochs and --parallel must be positive")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return generate(args, argv)


if __name__ == "__main__":
    sys.exit(main())
