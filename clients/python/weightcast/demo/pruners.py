"""Replays learning curves through Optuna's pruners: the baselines Weightcast's early stopping is
judged against (design §6, issue 6).

    /usr/bin/python3 -m weightcast.demo.pruners --input CURVES.json --output OUT.json

CURVES.json: {"epochs": 18, "runs": [{"run_id": "...", "val_acc": [18 numbers]}, ...],
"orders": [[run indices in arrival order], ...], "whole": k (optional, default 0)}.

Each order is replayed through a fresh in-memory study (direction maximize) per pruner setting:
runs arrive one after the other (a trial runs to its end, or is pruned, before the next starts);
per epoch ``trial.report(val_acc, epoch)`` then ``trial.should_prune()``; a trial that ran every
epoch is told its last val_acc, a pruned one is told PRUNED (one pruned after the last epoch
is told PRUNED too, as an Optuna objective would be, and its stop epoch is ``epochs``). The first ``whole``
runs of every order are the study's history (the live benchmark's): they report every epoch and are told COMPLETE,
never asked whether to prune. Each pruner is swept over its main settings (``SWEEP``) so each traces a saved-vs-kept curve.

OUT.json: {"optuna": "<version>", "settings": [{"policy": "optuna_median" | "optuna_percentile" |
"optuna_successive_halving", "params": {...}, "stop_epochs": [per order: for each run, in INPUT
order, the epoch after which it was stopped; epochs if it ran to the end]}]}.
"""

import argparse
import itertools
import json
import math
import multiprocessing as mp
import sys
import time
from typing import Dict, List, Optional, Sequence

import optuna
from optuna.trial import TrialState

MEDIAN = "optuna_median"
PERCENTILE = "optuna_percentile"
SUCCESSIVE_HALVING = "optuna_successive_halving"


def sweep() -> List[dict]:
    """Every (policy, params) replayed: each pruner's main settings."""
    settings = [{"policy": MEDIAN, "params": {"n_startup_trials": s, "n_warmup_steps": w}}
                for s, w in itertools.product((0, 5, 10), (0, 1, 2, 3, 5, 8))]
    settings += [{"policy": PERCENTILE, "params": {"percentile": float(p), "n_startup_trials": 5, "n_warmup_steps": w}}
                 for p, w in itertools.product((10, 25, 50, 75, 90), (0, 2, 5))]
    settings += [{"policy": SUCCESSIVE_HALVING,
                  "params": {"min_resource": r, "reduction_factor": f, "min_early_stopping_rate": m}}
                 for r, f, m in itertools.product((1, 2, 3, 6), (2, 3, 4), (0, 1))]
    return settings


def make_pruner(policy: str, params: Dict[str, object]) -> optuna.pruners.BasePruner:
    if policy == MEDIAN:
        return optuna.pruners.MedianPruner(**params)
    if policy == PERCENTILE:
        return optuna.pruners.PercentilePruner(**params)
    if policy == SUCCESSIVE_HALVING:
        return optuna.pruners.SuccessiveHalvingPruner(**params)
    raise ValueError(f"unknown policy {policy!r}")


def replay(curves: Sequence[Sequence[float]], order: Sequence[int], policy: str, params: Dict[str, object],
           whole: int = 0) -> List[int]:
    """Stop epochs (indexed like ``curves``) of the runs listed in ``order``, replayed in that order;
    runs not in the order keep their full length, and so do the first ``whole`` of the order (history)."""
    epochs = len(curves[0]) if curves else 0
    stops = [epochs] * len(curves)
    # The sampler never samples (no parameters); a seeded one keeps the replay free of global randomness.
    study = optuna.create_study(direction="maximize", pruner=make_pruner(policy, params),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    for position, index in enumerate(order):
        curve = curves[index]
        trial = study.ask()
        for epoch, value in enumerate(curve, start=1):
            trial.report(float(value), epoch)
            if position >= whole and trial.should_prune():
                # pruned at the last epoch: told PRUNED as in an Optuna objective, but it saved nothing
                study.tell(trial, state=TrialState.PRUNED)
                stops[index] = epoch
                break
        else:
            study.tell(trial, float(curve[-1]))
    return stops


def _replay_setting(job) -> dict:
    curves, orders, setting, whole = job
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return dict(setting, stop_epochs=[replay(curves, order, setting["policy"], setting["params"], whole) for order in orders])


def validate(doc: dict) -> tuple:
    """(epochs, curves, orders) from a CURVES document; ValueError with the reason otherwise."""
    if not isinstance(doc, dict):
        raise ValueError("the input must be a JSON object")
    epochs = doc.get("epochs")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"'epochs' must be a positive integer, was {epochs!r}")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ValueError("'runs' must be a non-empty list")
    curves = []
    for i, run in enumerate(runs):
        values = run.get("val_acc") if isinstance(run, dict) else None
        if not isinstance(values, list) or len(values) != epochs:
            raise ValueError(f"runs[{i}].val_acc must be a list of {epochs} numbers")
        curve = []
        for v in values:
            if v == "NaN":  # how Jackson writes a NaN
                v = math.nan
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"runs[{i}].val_acc holds a non-number: {v!r}")
            curve.append(float(v))
        curves.append(curve)
    orders = doc.get("orders")
    if not isinstance(orders, list) or not orders:
        raise ValueError("'orders' must be a non-empty list of lists of run indices")
    for k, order in enumerate(orders):
        if (not isinstance(order, list) or len(set(order)) != len(order)
                or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(curves) for i in order)):
            raise ValueError(f"orders[{k}] must list distinct run indices in [0, {len(curves)})")
    return epochs, curves, orders


def run(doc: dict, settings: Optional[List[dict]] = None, jobs: int = 1) -> dict:
    _, curves, orders = validate(doc)
    whole = doc.get("whole", 0)
    if isinstance(whole, bool) or not isinstance(whole, int) or not 0 <= whole <= min(len(o) for o in orders):
        raise ValueError(f"'whole' must be an integer in [0, the shortest order's length], was {whole!r}")
    settings = sweep() if settings is None else settings
    work = [(curves, orders, s, whole) for s in settings]
    if jobs > 1:
        with mp.get_context("spawn").Pool(jobs) as pool:
            results = pool.map(_replay_setting, work, chunksize=1)
    else:
        results = [_replay_setting(w) for w in work]
    return {"optuna": optuna.__version__, "settings": results}


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.pruners",
                                description="Replay validation curves through Optuna's pruners.")
    p.add_argument("--input", required=True, help="CURVES.json (epochs, runs[].val_acc, orders)")
    p.add_argument("--output", required=True, help="where to write the stop epochs (JSON)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes, one setting at a time each (default 1)")
    args = p.parse_args(argv)
    try:
        with open(args.input, encoding="utf-8") as f:
            doc = json.load(f)
        t0 = time.perf_counter()
        out = run(doc, jobs=max(1, args.jobs))
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"{len(out['settings'])} pruner settings x {len(doc['orders'])} orders x {len(doc['runs'])} runs "
          f"replayed in {time.perf_counter() - t0:.1f} s -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
