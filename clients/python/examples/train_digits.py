"""A plain PyTorch training loop that publishes to Weightcast: the lines marked WEIGHTCAST are all
it takes. Start the platform with `./weightcast local`, then:

    /usr/bin/python3 clients/python/examples/train_digits.py --bootstrap 127.0.0.1:9092

Every epoch's weights go to Weightcast, which answers (in its scorer API, Grafana and alert
webhooks) with the predicted final accuracy of this run and warnings such as dying ReLUs.
"""

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout, no install needed
import weightcast  # noqa: E402  WEIGHTCAST


def load_digits():
    """UCI 8x8 digits (shipped with the package), scaled to [0, 1] and upsampled to 16x16."""
    with gzip.open(Path(weightcast.__file__).parent / "demo" / "data" / "digits.csv.gz", "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = F.interpolate(torch.from_numpy(table[:, :64] / 16).reshape(-1, 1, 8, 8), size=(16, 16), mode="bilinear")
    y = torch.from_numpy(table[:, 64].astype(np.int64))
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    test, val, train = order[:360], order[360:540], order[540:]
    return (x[train], y[train]), (x[val], y[val]), (x[test], y[test])


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
    model.train()
    return float((logits.argmax(1) == y).float().mean()), float(F.cross_entropy(logits, y))


def stopped(run, args) -> bool:
    if args.stop_on_alert and run.should_stop():
        return True
    # the file name stop_receiver.py writes: the run id with unusual characters replaced by "_"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run.run_id)
    return bool(args.stop_dir) and (args.stop_dir / f"{safe}.stop").exists()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bootstrap", help="Kafka HOST:PORT, as printed by `weightcast local`")
    p.add_argument("--epochs", type=int, default=18)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--dry-run", action="store_true", help="build the records but send nothing")
    p.add_argument("--stop-on-alert", action="store_true",
                   help="stop early when Weightcast raises a stop alert for this run (run.should_stop())")
    p.add_argument("--stop-dir", type=Path, help="also stop when stop_receiver.py wrote <run id>.stop here")
    p.add_argument("--predictions", action="store_true",
                   help="print Weightcast's latest prediction for the run after each epoch (run.latest_score())")
    p.add_argument("--scorer-url", help="read predictions and alerts from the scorer's HTTP API (e.g. "
                                        "http://127.0.0.1:8081) instead of the topics")
    args = p.parse_args()
    if not (args.bootstrap or args.dry_run):
        p.error("--bootstrap HOST:PORT is required (or --dry-run)")
    torch.manual_seed(1)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_digits()
    model = nn.Sequential()  # named children, so the state_dict reads conv1.weight, ..., dense.bias
    for i, in_channels in enumerate((1, 16, 16), start=1):
        model.add_module(f"conv{i}", nn.Conv2d(in_channels, 16, 3, stride=2, padding=1))
        model.add_module(f"relu{i}", nn.ReLU())
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("dense", nn.Linear(16, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    # WEIGHTCAST: one call before training. planned_steps lets it predict the accuracy at the end;
    # activation tells it to look for dead ReLU units; hparams are kept with the run; model= makes the
    # client measure dead ReLU units on a few of the batches below and report dead_fraction/conv1..3
    # with each checkpoint (the labels Weightcast's dying-ReLU classifier learns from).
    run = weightcast.start_run(args.bootstrap, dry_run=args.dry_run, study="digits-example", scorer_url=args.scorer_url,
                               hparams={"learning_rate": args.lr, "batch_size": 32, "optimizer": "adam"},
                               planned_steps=args.epochs, activation="relu", model=model)
    with run:  # WEIGHTCAST: if training raises, what was sent is still delivered (and no label is sent)
        for epoch in range(1, args.epochs + 1):
            for batch in torch.randperm(len(y_train)).split(32):
                loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            val_acc, val_loss = accuracy(model, x_val, y_val)
            dead = run.dead_units.fractions()  # what log_checkpoint is about to add (this epoch's sample)
            print(f"epoch {epoch}: val_acc {val_acc:.3f}, dead units "
                  + " ".join(f"{k.split('/', 1)[1]} {v:.2f}" for k, v in dead.items()))
            # WEIGHTCAST: the weights of this epoch, with whatever metrics the loop already has.
            run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": val_acc, "val_loss": val_loss})
            # WEIGHTCAST (optional): what Weightcast predicts so far (None until a checkpoint was scored).
            score = run.latest_score() if args.predictions else None
            if score is not None and score.predicted_final_accuracy is not None:
                print(f"  predicted final accuracy {score.predicted_final_accuracy:.3f} "
                      f"[{score.interval.low:.3f}, {score.interval.high:.3f}] at step {score.step} "
                      f"(model v{score.model_version}, {len(score.alerts)} alert(s))")
            # WEIGHTCAST (optional): give up on a run Weightcast flagged (early-stop candidate, dead ReLUs, NaNs).
            if stopped(run, args):
                reason = run.stop_reason() or {}
                print(f"stopping after epoch {epoch}: {reason.get('kind', 'stop file')} {reason.get('evidence', '')}")
                # no finish(): a run cut short is not a label for the predictor; `with run` delivers what was sent
                return
        test_acc, _ = accuracy(model, x_test, y_test)
        train_acc, _ = accuracy(model, x_train, y_train)
        # WEIGHTCAST: the final accuracy is the label that teaches Weightcast's predictor; finish()
        # returns once the broker acknowledged every record (or raises weightcast.DeliveryError).
        run.finish(test_accuracy=test_acc, train_accuracy=train_acc)
    print(f"run {run.run_id}: test accuracy {test_acc:.3f}")


if __name__ == "__main__":
    main()
