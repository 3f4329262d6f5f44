"""What run.watch(model) costs per epoch: the zoo's digits CNN (weightcast.demo.zoo.ZooCNN, width 16) trained
with the zoo's loop (Adam, batch 32, the full 1,257-image training pool, one eval-mode pass over the
validation split, one log_checkpoint per epoch into a dry-run client), with and without watch, on one
thread. Epochs alternate between the variants so a change in machine load hits both alike.

    /usr/bin/python3 clients/python/examples/watch_overhead.py --epochs 15
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import weightcast  # noqa: E402
from weightcast.demo import datasets, zoo  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=15, help="epochs per variant (median reported)")
    p.add_argument("--batches", type=int, default=weightcast.dead_units.DEFAULT_BATCHES)
    args = p.parse_args()
    torch.set_num_threads(1)
    data = datasets.load("digits")
    x_train, y_train = data.images[data.train_pool], data.labels[data.train_pool]
    x_val, y_val = data.images[data.val], data.labels[data.val]
    client = weightcast.Weightcast(dry_run=True)

    variants = {}
    for name in ("plain", "watch", "hand"):
        torch.manual_seed(1)
        model = zoo.ZooCNN("relu")
        zoo.init_weights(model, "he", None, "relu")
        run = client.start_run(study="overhead", run_id=f"overhead-{name}", planned_steps=args.epochs,
                               activation="relu")
        t0 = time.perf_counter()
        if name == "watch":
            run.watch(model, batches=args.batches)
        setup = time.perf_counter() - t0
        variants[name] = {"model": model, "run": run, "opt": torch.optim.Adam(model.parameters(), lr=0.003),
                          "times": [], "setup": setup, "gen": torch.Generator().manual_seed(1), "metrics": None}

    def epoch(v, step, hand):
        model, opt = v["model"], v["opt"]
        t0 = time.perf_counter()
        model.train()
        for batch in torch.randperm(len(y_train), generator=v["gen"]).split(zoo.BATCH_SIZE):
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        val_loss, val_acc = zoo.evaluate(model, x_val, y_val)
        metrics = {"val_loss": val_loss, "val_acc": val_acc}
        if hand:  # what zoo.py does by hand: an eval pass over the 360 test images
            metrics.update({f"dead_fraction/{k}": f for k, f in zoo.dead_fractions(model, data.images[data.test]).items()})
        if v["run"].dead_units is not None:  # the step's result (log_checkpoint gets the same, cached)
            v["measured"] = v["run"].dead_units.collect(step)
        v["run"].log_checkpoint(model.state_dict(), step=step, metrics=metrics)
        v["times"].append(time.perf_counter() - t0)

    load_before = os.getloadavg()
    for step in range(1, args.epochs + 1):
        for name, v in variants.items():
            epoch(v, step, name == "hand")
    load_after = os.getloadavg()
    watch = variants["watch"]["run"]
    plain_ms = statistics.median(variants["plain"]["times"]) * 1000
    out = {
        "epochs_per_variant": args.epochs, "batches_per_epoch": -(-len(y_train) // zoo.BATCH_SIZE),
        "watch_batches": args.batches, "threads": torch.get_num_threads(),
        "median_epoch_ms": {n: round(statistics.median(v["times"]) * 1000, 2) for n, v in variants.items()},
        "overhead_ms": round(statistics.median(variants["watch"]["times"]) * 1000 - plain_ms, 2),
        "overhead_percent": round(100 * (statistics.median(variants["watch"]["times"]) * 1000 - plain_ms) / plain_ms, 2),
        "hand_overhead_ms": round(statistics.median(variants["hand"]["times"]) * 1000 - plain_ms, 2),
        "watch_setup_ms": round(variants["watch"]["setup"] * 1000, 2),
        "watch_errors": watch.dead_units.errors,
        "last_measured": variants["watch"].get("measured"),
        "loadavg_before": load_before, "loadavg_after": load_after, "cpus": os.cpu_count(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
