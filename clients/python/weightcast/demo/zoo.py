"""The demo, test and benchmark zoos (design §7): small CNNs trained per epoch, published per epoch.

    /usr/bin/python3 -m weightcast.demo.zoo --bootstrap 127.0.0.1:9092 --runs 40 --parallel 2
    /usr/bin/python3 -m weightcast.demo.zoo --out ZOO --runs 1000 --epochs 18 --parallel 1 --seed 1
    /usr/bin/python3 -m weightcast.demo.zoo --out ZOO --runs 100 --dataset fashion-mnist   # width 24

Each run samples its hyper-parameters from its own seed (the Small CNN Zoo's ranges), trains
3 conv layers x W filters (W=16: 4,970 parameters) on 16x16 upsampled digits (or 28x28
Fashion-MNIST) for E epochs, and goes through the public client API exactly as a user's loop
would: ``start_run``, one ``log_checkpoint`` + ``log_metrics`` per epoch, ``finish`` with the
test accuracy (the label). With ``--out`` the client writes to a directory instead of Kafka
(``zoo_directory`` describes the layout); such a zoo resumes where an interrupted one stopped.
"""

import argparse
import json
import logging
import math
import multiprocessing as mp
import os
import queue
import secrets
import shlex
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import client as wc
from . import datasets
from .datasets import Dataset, load_digits, stratified_order  # noqa: F401  (this module's API before datasets.py)
from .zoo_directory import ZooDirectory, ZooDirectoryError

Digits = Dataset  # the name of the data record before Fashion-MNIST joined
DATA_FILE = datasets.DIGITS_FILE
SPLIT_SEED = datasets.DIGITS_SPLIT_SEED
TEST_SIZE = datasets.DIGITS_TEST_SIZE
VAL_SIZE = datasets.DIGITS_VAL_SIZE
BATCH_SIZE = 32
WIDTHS = (16, 24)
DEFAULT_WIDTH = {"digits": 16, "fashion-mnist": 24}
CONV_LAYERS = ("conv1", "conv2", "conv3")
LAYERS = CONV_LAYERS + ("dense",)
INITS = ("xavier", "he", "orthogonal", "normal", "truncated_normal")
ACTIVATIONS = ("relu", "tanh")
TRAIN_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
LR_RANGE = (1e-3, 0.5)
L2_RANGE = (1e-8, 1e-3)
DROPOUT_RANGE = (0.0, 0.7)
STD_RANGE = (1e-3, 0.5)


# ------------------------------------------------------------------------------------------ model

class ZooCNN(nn.Module):
    """3 conv layers x ``width`` filters 3x3 stride 2, global average pooling, dense to 10
    (width 16: 4,970 parameters, the Small CNN Zoo's net; width 24: 10,906). Any input size."""

    def __init__(self, activation: str = "relu", dropout: float = 0.0, width: int = 16):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, was {activation!r}")
        act = nn.ReLU if activation == "relu" else nn.Tanh
        self.conv1 = nn.Conv2d(1, width, 3, stride=2, padding=1)
        self.act1, self.drop1 = act(), nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(width, width, 3, stride=2, padding=1)
        self.act2, self.drop2 = act(), nn.Dropout(dropout)
        self.conv3 = nn.Conv2d(width, width, 3, stride=2, padding=1)
        self.act3, self.drop3 = act(), nn.Dropout(dropout)
        self.dense = nn.Linear(width, 10)

    def forward_with_activations(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        acts = {}
        for name in CONV_LAYERS:
            i = name[-1]
            x = getattr(self, "act" + i)(getattr(self, name)(x))
            acts[name] = x
            x = getattr(self, "drop" + i)(x)
        return self.dense(x.mean(dim=(2, 3))), acts

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_activations(x)[0]


DigitsCNN = ZooCNN  # the digits zoo's net is ZooCNN(width=16)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def init_weights(model: nn.Module, init: str, std: Optional[float], activation: str) -> None:
    """Initializes every kernel the same way (biases zero), as the Small CNN Zoo does."""
    gain = nn.init.calculate_gain(activation)
    with torch.no_grad():
        for name in LAYERS:
            layer = getattr(model, name)
            w = layer.weight
            if init == "xavier":
                nn.init.xavier_normal_(w, gain=gain)
            elif init == "he":
                nn.init.kaiming_normal_(w, nonlinearity="relu" if activation == "relu" else "tanh")
            elif init == "orthogonal":
                nn.init.orthogonal_(w, gain=gain)
            elif init == "normal":
                nn.init.normal_(w, 0.0, std)
            elif init == "truncated_normal":
                nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)
            else:
                raise ValueError(f"unknown init {init!r}")
            nn.init.zeros_(layer.bias)


# ------------------------------------------------------------------------------------------ hyper-parameters

def config_seed(seed: int, index: int) -> int:
    """One seed per configuration, derived from the zoo seed and the run index."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def sample_hparams(run_seed: int, epochs: int = 18, width: int = 16) -> Dict[str, object]:
    """The Small CNN Zoo's ranges (§A.2), drawn from the run's own seed (the width is the zoo's,
    not drawn: a zoo of another width samples the same configurations)."""
    rng = np.random.default_rng(run_seed)
    init = INITS[rng.integers(len(INITS))]
    std = _log_uniform(rng, *STD_RANGE)  # drawn always, so the other draws do not depend on init
    return {
        "seed": run_seed,
        "learning_rate": _log_uniform(rng, *LR_RANGE),
        "l2": _log_uniform(rng, *L2_RANGE),
        "dropout": float(rng.uniform(*DROPOUT_RANGE)),
        "init": init,
        "init_std": std if init in ("normal", "truncated_normal") else None,
        "activation": ACTIVATIONS[rng.integers(len(ACTIVATIONS))],
        "train_fraction": float(TRAIN_FRACTIONS[rng.integers(len(TRAIN_FRACTIONS))]),
        "optimizer": "adam",
        "batch_size": BATCH_SIZE,
        "epochs": epochs,
        "width": width,
    }


# ------------------------------------------------------------------------------------------ measuring

@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Tuple[float, float]:
    """(mean cross-entropy, accuracy) in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    logits = model(x)
    model.train(was_training)
    return float(F.cross_entropy(logits, y)), int((logits.argmax(1) == y).sum()) / len(y)


@dataclass(frozen=True)
class Probe:
    """What one eval-mode pass over a labelled split shows."""
    loss: float
    accuracy: float
    dead_fractions: Dict[str, float]  # per conv layer (every layer whose activation feeds the next one)
    distinct_predictions: int  # how many classes the model predicts at all (1: collapsed to a constant)


@torch.no_grad()
def probe(model: ZooCNN, x: torch.Tensor, y: torch.Tensor) -> Probe:
    """One eval-mode pass (no dropout): loss, accuracy, dead units and the predicted classes.
    A channel is dead when its post-activation output is 0 at every position for every input
    in ``x`` (meaningful for ReLU nets: a unit whose activation is 0 on every input)."""
    was_training = model.training
    model.eval()
    logits, acts = model.forward_with_activations(x)
    model.train(was_training)
    predicted = logits.argmax(1)
    return Probe(float(F.cross_entropy(logits, y)), int((predicted == y).sum()) / len(y),
                 {name: float((a.amax(dim=(0, 2, 3)) == 0).float().mean()) for name, a in acts.items()},
                 int(predicted.unique().numel()))


def dead_fractions(model: ZooCNN, x: torch.Tensor) -> Dict[str, float]:
    """Per conv layer, the fraction of channels whose post-activation output is 0 at every position
    for every input in ``x`` (measured, in eval mode: meaningful for ReLU nets)."""
    return probe(model, x, torch.zeros(len(x), dtype=torch.long)).dead_fractions


# ------------------------------------------------------------------------------------------ one run

def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                batch_size: int, generator: torch.Generator) -> Tuple[float, float]:
    """One pass over (x, y) in mini-batches of a random order: (mean loss, accuracy), both running
    over the epoch's batches (the weights change between them)."""
    model.train()
    loss_sum, correct = 0.0, 0
    for batch in torch.randperm(len(x), generator=generator).split(batch_size):
        logits = model(x[batch])
        loss = F.cross_entropy(logits, y[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += float(loss) * len(batch)
        correct += int((logits.argmax(1) == y[batch]).sum())
    return loss_sum / len(x), correct / len(x)


EVAL_PREFIX = "eval/"  # benchmark-only metrics (measured on the TEST split): never features, never reported by users


def train_run(client: wc.Weightcast, run_id: str, hparams: Dict[str, object], data: Dataset, study: str = "digits",
              nan_epoch: Optional[int] = None, on_event: Optional[Callable[[dict], None]] = None,
              eval_metrics: bool = False) -> dict:
    """Trains one configuration, publishing through ``client`` exactly as a user's loop would.

    Each epoch's metrics: train_loss and train_acc (running, over the epoch's batches), val_loss and
    val_acc (the validation split), for ReLU nets ``dead_fraction/<layer>`` measured on the test
    split, and with ``eval_metrics`` the benchmark's per-epoch test numbers ``eval/test_loss``,
    ``eval/test_acc``, ``eval/constant_prediction`` (1.0 when every test input gets the same class)
    and ``eval/distinct_predictions``. Returns a summary (run_id, test_accuracy, train_accuracy, seconds)."""
    emit = on_event or (lambda e: None)
    t0, cpu0 = time.perf_counter(), time.process_time()
    seed, epochs, activation = int(hparams["seed"]), int(hparams["epochs"]), str(hparams["activation"])
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    pool = data.train_pool[stratified_order(data.labels[data.train_pool].numpy(), rng)]
    train_idx = np.sort(pool[:max(BATCH_SIZE, round(float(hparams["train_fraction"]) * len(pool)))])
    x_train, y_train = data.images[train_idx], data.labels[train_idx]
    x_val, y_val = data.images[data.val], data.labels[data.val]
    x_test, y_test = data.images[data.test], data.labels[data.test]

    model = ZooCNN(activation, float(hparams["dropout"]), int(hparams.get("width", 16)))
    init_weights(model, str(hparams["init"]), hparams.get("init_std"), activation)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(hparams["learning_rate"]),
                                 weight_decay=float(hparams["l2"]))
    recorded = dict(hparams, train_size=len(train_idx), dataset=data.name)
    run = client.start_run(study=study, hparams=recorded, planned_steps=epochs, activation=activation,
                           run_id=run_id, layers=LAYERS)
    emit({"event": "run_started", "run_id": run_id, "hparams": recorded})
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        train_loss, train_acc = train_epoch(model, optimizer, x_train, y_train, BATCH_SIZE, generator)
        if nan_epoch is not None and epoch == nan_epoch:
            with torch.no_grad():  # the test hook: a diverged run whose weights hold NaN from here on
                model.conv2.weight.view(-1)[0] = float("nan")
        val_loss, val_acc = evaluate(model, x_val, y_val)
        metrics = {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc}
        test = probe(model, x_test, y_test) if activation == "relu" or eval_metrics else None
        if activation == "relu":
            for layer, fraction in test.dead_fractions.items():
                metrics[f"dead_fraction/{layer}"] = fraction
        if eval_metrics:
            metrics.update({EVAL_PREFIX + "test_loss": test.loss, EVAL_PREFIX + "test_acc": test.accuracy,
                            EVAL_PREFIX + "constant_prediction": float(test.distinct_predictions == 1),
                            EVAL_PREFIX + "distinct_predictions": float(test.distinct_predictions)})
        size = run.log_checkpoint(model.state_dict(), step=epoch, metrics=metrics)
        run.log_metrics(epoch, metrics)
        emit({"event": "checkpoint", "run_id": run_id, "step": epoch, "planned_steps": epochs, "bytes": size,
              "metrics": metrics})
    _, test_acc = evaluate(model, x_test, y_test)
    _, train_acc = evaluate(model, x_train, y_train)
    run.finish(test_accuracy=test_acc, train_accuracy=train_acc)
    summary = {"run_id": run_id, "test_accuracy": test_acc, "train_accuracy": train_acc,
               "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu0,
               "activation": activation,
               "dead_conv3": activation == "relu" and dead_fractions(model, x_test)["conv3"] == 1.0,
               "train_fraction": hparams["train_fraction"], "learning_rate": hparams["learning_rate"]}
    emit({"event": "run_finished", "run_id": run_id, "test_accuracy": test_acc, "train_accuracy": train_acc,
          "seconds": round(summary["seconds"], 3), "cpu_seconds": round(summary["cpu_seconds"], 3)})
    return summary


# ------------------------------------------------------------------------------------------ workers

_worker: dict = {}


def _worker_init(client_options: dict, events: "mp.Queue", verbose: bool, parent_pid: int,
                 dataset: str = "digits") -> None:
    # Must not raise: a Pool replaces a worker whose initializer fails, forever. The error is kept
    # and raised by the first task instead, which ends the zoo.
    torch.set_num_threads(1)
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(processName)s %(name)s: %(message)s")
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    _worker["events"] = events
    try:
        _worker["data"] = datasets.load(dataset)
        _worker["client"] = wc.Weightcast(**client_options)
    except Exception as e:
        _worker["error"] = f"{type(e).__name__}: {e}"


def _exit_with_parent(parent_pid: int) -> None:
    """A worker whose parent died (killed, not interrupted) stops instead of training on, unseen."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)


def _worker_run(task: dict) -> dict:
    if "error" in _worker:
        raise RuntimeError(_worker["error"])
    try:
        return train_run(_worker["client"], task["run_id"], task["hparams"], _worker["data"], task["study"],
                         task["nan_epoch"], _worker["events"].put, task.get("eval_metrics", False))
    except wc.WeightcastError as e:  # picklable, with the message the parent shows
        raise RuntimeError(f"{type(e).__name__}: {e}") from None


def plan(runs: int, seed: int, epochs: int, study: str, run_prefix: str, nan_run: Optional[int],
         width: int = 16, eval_metrics: bool = False) -> List[dict]:
    nan_epoch = max(1, (epochs + 1) // 2)
    return [{"run_id": f"{run_prefix}{seed}-{i}", "hparams": sample_hparams(config_seed(seed, i), epochs, width),
             "study": study, "nan_epoch": nan_epoch if nan_run == i else None, "eval_metrics": eval_metrics}
            for i in range(runs)]


def run_zoo(tasks: List[dict], client_options: dict, parallel: int, on_event: Callable[[dict], None],
            verbose: bool = False, dataset: str = "digits",
            on_result: Optional[Callable[[dict], None]] = None) -> List[dict]:
    """Trains the tasks in ``parallel`` spawned worker processes (one core and one producer each);
    ``on_result`` sees each run's summary, in the calling thread, as soon as it finished."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # inherited by the workers before torch starts
    ctx = mp.get_context("spawn")
    events = ctx.Queue()
    done = threading.Event()

    def relay():
        while not (done.is_set() and events.empty()):
            try:
                on_event(events.get(timeout=0.1))
            except queue.Empty:
                pass

    printer = threading.Thread(target=relay, daemon=True)
    printer.start()
    pool = ctx.Pool(max(1, parallel), initializer=_worker_init,
                    initargs=(client_options, events, verbose, os.getpid(), dataset))
    try:
        results = []
        for result in pool.imap_unordered(_worker_run, tasks):
            results.append(result)
            if on_result is not None:
                on_result(result)
        pool.close()
        pool.join()
        return results
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    finally:
        done.set()
        printer.join(timeout=5)


# ------------------------------------------------------------------------------------------ CLI

def summarize(results: List[dict], elapsed: float) -> dict:
    """The zoo's numbers: time per run, the accuracy spread, how many ReLU nets died."""
    accs = np.array([r["test_accuracy"] for r in results])
    relu = [r for r in results if r["activation"] == "relu"]
    return {"event": "zoo_finished", "runs": len(results), "seconds": round(elapsed, 3),
            "seconds_per_run": round(float(np.mean([r["seconds"] for r in results])), 3),
            "cpu_seconds_per_run": round(float(np.mean([r["cpu_seconds"] for r in results])), 3),
            "test_accuracy": {"min": round(float(accs.min()), 4), "median": round(float(np.median(accs)), 4),
                              "max": round(float(accs.max()), 4),
                              "near_chance": int((accs < 0.15).sum())},
            "relu_runs": len(relu), "relu_conv3_dead": sum(1 for r in relu if r["dead_conv3"])}


def _human(event: dict) -> str:
    kind = event["event"]
    if kind == "run_started":
        h = event["hparams"]
        return (f"{event['run_id']}: started ({h['activation']}, lr {h['learning_rate']:.3g}, "
                f"init {h['init']}, train fraction {h['train_fraction']})")
    if kind == "checkpoint":
        m = event["metrics"]
        return f"{event['run_id']}: epoch {event['step']}/{event['planned_steps']} val_acc {m['val_acc']:.3f}"
    if kind == "run_finished":
        return f"{event['run_id']}: finished, test accuracy {event['test_accuracy']:.3f} ({event['seconds']:.1f} s)"
    if kind == "zoo_finished":
        a = event["test_accuracy"]
        return (f"{event['runs']} runs in {event['seconds']:.1f} s ({event['seconds_per_run']:.2f} s per run, "
                f"{event['cpu_seconds_per_run']:.2f} s CPU); test accuracy median {a['median']:.3f}, "
                f"max {a['max']:.3f}, {a['near_chance']} near chance (< 0.15); "
                f"{event['relu_conv3_dead']} of {event['relu_runs']} ReLU runs ended with conv3 entirely dead")
    return json.dumps(event)


def _progress_line(event: dict) -> str:
    keep = {"run_started": ("event", "run_id"),
            "checkpoint": ("event", "run_id", "step", "planned_steps", "bytes"),
            "run_finished": ("event", "run_id", "test_accuracy", "train_accuracy", "seconds", "cpu_seconds"),
            "zoo_finished": tuple(event)}[event["event"]]
    out = {k: event[k] for k in keep if k in event}
    if event["event"] == "checkpoint":
        out["val_acc"] = event["metrics"]["val_acc"]
    return json.dumps(wc._json_value(out), allow_nan=False)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.zoo",
                                description="Train a zoo of small CNNs and publish it to Weightcast (Kafka) "
                                            "or write it to a directory (--out).")
    p.add_argument("--bootstrap", help="Kafka bootstrap servers, HOST:PORT (required unless --no-kafka or --out)")
    p.add_argument("--out", metavar="ZOO", help="write the zoo to this directory instead of Kafka "
                                                "(resumable; progress on stderr)")
    p.add_argument("--dataset", choices=datasets.DATASETS, default="digits",
                   help="digits (16x16, the default) or fashion-mnist (28x28, a class-balanced 8k subset)")
    p.add_argument("--width", type=int, choices=WIDTHS, help="filters per conv layer (default 16 for digits, "
                                                             "24 for fashion-mnist)")
    p.add_argument("--runs", type=int, default=8, help="number of runs (default 8)")
    p.add_argument("--epochs", type=int, default=18, help="epochs per run = checkpoints per run (default 18)")
    p.add_argument("--parallel", type=int, default=2, help="worker processes, one core each (default 2)")
    p.add_argument("--seed", type=int, default=1, help="zoo seed; run i uses a seed derived from (seed, i)")
    p.add_argument("--study", help="study name (default: the dataset's name)")
    p.add_argument("--topic-prefix", default=wc.DEFAULT_TOPIC_PREFIX, help="topic prefix (default weightcast.)")
    p.add_argument("--run-prefix", help="run ids are <run-prefix><seed>-<index> (default <study>-<random 8 hex>-, "
                                        "unique per invocation; with --out <study>-, so a generation can resume)")
    p.add_argument("--nan-run", type=int, nargs="?", const=0, default=None, metavar="INDEX",
                   help="run INDEX (default 0) gets a NaN weight from the middle epoch on (tests NONFINITE_WEIGHTS)")
    p.add_argument("--eval-metrics", action="store_true",
                   help="also report the benchmark's per-epoch test metrics (eval/...; always on with --out)")
    p.add_argument("--progress", choices=("human", "json"), default="human",
                   help="json: one JSON line per event (on stdout; on stderr with --out)")
    p.add_argument("--no-kafka", "--dry-run", dest="no_kafka", action="store_true",
                   help="train and build every record, publish nothing")
    p.add_argument("--connect-timeout", type=float, default=10.0, help="seconds to reach the broker (default 10)")
    p.add_argument("--delivery-timeout", type=float, default=30.0, help="seconds per record delivery (default 30)")
    p.add_argument("--verbose", action="store_true", help="log the Kafka client's messages to stderr")
    args = p.parse_args(argv)
    if args.out is not None and (args.bootstrap or args.no_kafka):
        p.error("--out writes to a directory: give it without --bootstrap and --no-kafka")
    if args.out is None and not args.no_kafka and not args.bootstrap:
        p.error("--bootstrap HOST:PORT is required (or --out ZOO, or --no-kafka)")
    if args.runs < 1 or args.epochs < 1 or args.parallel < 1:
        p.error("--runs, --epochs and --parallel must be positive")
    if args.nan_run is not None and not 0 <= args.nan_run < args.runs:
        p.error(f"--nan-run must be a run index in [0, {args.runs})")
    if args.width is None:
        args.width = DEFAULT_WIDTH[args.dataset]
    if args.study is None:
        args.study = args.dataset
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _train(tasks: List[dict], client_options: dict, args: argparse.Namespace, on_event: Callable[[dict], None],
           on_result: Optional[Callable[[dict], None]] = None) -> Tuple[int, List[dict]]:
    """Runs the zoo; (exit code, results). SIGTERM stops the workers as Ctrl-C does."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return 0, run_zoo(tasks, client_options, args.parallel, on_event, args.verbose, args.dataset, on_result)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130, []
    except Exception as e:
        print(f"error: {e}", file=sys.stderr)
        return 1, []
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(processName)s %(name)s: %(message)s")
    if args.out is not None:
        return _main_directory(args, argv)
    as_json = args.progress == "json"
    out = lambda line: print(line, flush=True)  # noqa: E731
    on_event = (lambda e: out(_progress_line(e))) if as_json else (lambda e: out(_human(e)))
    if args.no_kafka:
        client_options = {"dry_run": True}
    else:
        client_options = {"bootstrap_servers": args.bootstrap, "topic_prefix": args.topic_prefix,
                          "connect_timeout": args.connect_timeout, "delivery_timeout": args.delivery_timeout}
        try:  # fail fast, before spawning workers, when the broker or the topics are missing
            wc.Weightcast(**client_options).close()
        except wc.WeightcastError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    run_prefix = args.run_prefix if args.run_prefix is not None else f"{args.study}-{secrets.token_hex(4)}-"
    tasks = plan(args.runs, args.seed, args.epochs, args.study, run_prefix, args.nan_run, args.width,
                 args.eval_metrics)
    t0 = time.perf_counter()
    code, results = _train(tasks, client_options, args, on_event)
    if code == 0:
        on_event(summarize(results, time.perf_counter() - t0))
    return code


# ------------------------------------------------------------------------------------------ directory mode

def _main_directory(args: argparse.Namespace, argv: List[str]) -> int:
    """--out ZOO: the client writes every record to ZOO/runs (zoo_directory describes the layout);
    runs already there are skipped, half-written ones discarded, so a generation resumes."""
    zoo_dir = ZooDirectory(args.out)
    run_prefix = args.run_prefix if args.run_prefix is not None else f"{args.study}-"
    tasks = plan(args.runs, args.seed, args.epochs, args.study, run_prefix, args.nan_run, args.width, True)
    identity = {"format": 1, "source": args.dataset, "epochs": args.epochs, "seed": args.seed, "width": args.width,
                "splits": datasets.SPLITS_VERSION[args.dataset]}
    command = shlex.join([sys.executable, "-m", "weightcast.demo.zoo"] + argv)
    try:
        session = zoo_dir.open(identity, [t["run_id"] for t in tasks], command, torch.__version__)
    except (ZooDirectoryError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    todo = [t for t in tasks if t["run_id"] not in session.finished]
    lock = threading.Lock()

    def err(line: str) -> None:
        with lock:
            print(line, file=sys.stderr, flush=True)

    as_json = args.progress == "json"
    state = {"done": len(tasks) - len(todo), "cpu": 0.0, "wall": []}
    t0 = time.perf_counter()
    opening = {"event": "zoo_started", "out": str(zoo_dir.root), "source": args.dataset, "width": args.width,
               "epochs": args.epochs, "seed": args.seed, "runs": len(tasks), "finished": state["done"],
               "to_train": len(todo), "discarded_partial": session.discarded}
    err(json.dumps(opening) if as_json else
        f"zoo {zoo_dir.root}: {len(tasks)} runs of {args.dataset} (width {args.width}, {args.epochs} epochs, "
        f"seed {args.seed}); {state['done']} already finished, {len(todo)} to train"
        + (f", {len(session.discarded)} partial run(s) discarded" if session.discarded else ""))

    def on_result(result: dict) -> None:
        state["done"] += 1
        state["cpu"] += result["cpu_seconds"]
        state["wall"].append(result["seconds"])
        elapsed = time.perf_counter() - t0
        zoo_dir.record(session, elapsed, state["cpu"], complete=state["done"] == len(tasks))
        left = len(tasks) - state["done"]
        eta = elapsed / len(state["wall"]) * left
        progress = {"event": "zoo_progress", "run_id": result["run_id"], "done": state["done"], "total": len(tasks),
                    "test_accuracy": result["test_accuracy"], "seconds": round(result["seconds"], 3),
                    "seconds_per_run": round(elapsed / len(state["wall"]), 3), "eta_seconds": round(eta, 1)}
        err(json.dumps(wc._json_value(progress), allow_nan=False) if as_json else
            f"[{state['done']}/{len(tasks)}] {result['run_id']}: test accuracy {result['test_accuracy']:.3f} "
            f"({result['seconds']:.1f} s); {progress['seconds_per_run']:.2f} s per run, ETA {eta / 60:.1f} min")

    on_event = (lambda e: err(_progress_line(e))) if as_json else (lambda e: None)
    code, results = _train(todo, {"directory": str(zoo_dir.runs_dir)}, args, on_event, on_result) if todo else (0, [])
    if code != 0:
        # keeps the time of the runs that finished; complete stays false
        zoo_dir.record(session, time.perf_counter() - t0, state["cpu"], complete=False)
        return code
    complete = zoo_dir.finished_runs() >= {t["run_id"] for t in tasks}
    zoo_dir.record(session, time.perf_counter() - t0, state["cpu"], complete=complete)
    if results:
        summary = summarize(results, time.perf_counter() - t0)
        err(json.dumps(summary) if as_json else _human(summary))
    err(json.dumps({"event": "zoo_written", "out": str(zoo_dir.root), "complete": complete}) if as_json else
        f"zoo {zoo_dir.root}: {'complete' if complete else 'INCOMPLETE'} ({len(tasks)} runs)")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
