"""Replays runs of a zoo directory (zoo_directory.py) through the client API, driven line by line.

The live benchmark (``weightcast eval-live --mode client``) starts ``python3 -m weightcast.demo.replay
--bootstrap HOST:PORT`` and writes one JSON command per line on stdin; each is answered by one JSON
line on stdout (``{"ok": true}`` or ``{"ok": false, "error": "..."}``) once the client did it::

    {"op": "start", "run_id": "<id on the topics>", "dir": "ZOO/runs/<run>", "study": "..."}
    {"op": "checkpoint", "run_id": "...", "step": 3}   log_checkpoint + log_metrics, then flush
    {"op": "finish", "run_id": "..."}                   finish(test_accuracy, train_accuracy)
    {"op": "quit"}

The weights are the zoo's checkpoint tensors (loaded back into a state_dict), the metrics what the
zoo's loop reported that epoch minus the benchmark-only ``eval/*`` keys; so the client builds the
records exactly as it did for the loop that trained the run (metrics and hparams in the checkpoint
metadata, layer order from the zoo's metadata).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Dict

from .. import client as wc
from .. import safetensors

EVAL_PREFIX = "eval/"
#: events.jsonl writes non-finite numbers as these strings (zoo_directory / client._json_value); the client wants floats
_NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def _number(value):
    """A metric value as the loop reported it: the strings "NaN", "Infinity", "-Infinity" back to floats."""
    return _NON_FINITE.get(value, value) if isinstance(value, str) else value


class Replay:
    def __init__(self, client: wc.Weightcast):
        self.client = client
        self.runs: Dict[str, dict] = {}

    def start(self, run_id: str, directory: str, study: str) -> None:
        d = Path(directory)
        events = [json.loads(line) for line in (d / "events.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        started = next(e for e in events if e.get("type") == "started")
        finished = next(e for e in events if e.get("type") == "finished")
        metrics = {int(e["step"]): {k: _number(v) for k, v in e.get("metrics", {}).items()}
                   for e in events if e.get("type") == "metrics"}
        first = safetensors.load((d / "step-001.safetensors").read_bytes()).metadata
        hparams = started.get("hparams") or {}
        layers = first.get("layers")
        run = self.client.start_run(study=study, hparams=hparams, planned_steps=started.get("planned_steps"),
                                    activation=first.get("activation") or hparams.get("activation"), run_id=run_id,
                                    framework=first.get("framework", "pytorch"),
                                    layers=layers.split(",") if layers else None)
        self.runs[run_id] = {"run": run, "dir": d, "metrics": metrics, "final": finished.get("final", {})}
        self.client.flush()

    def checkpoint(self, run_id: str, step: int) -> None:
        r = self.runs[run_id]
        state = safetensors.load_state_dict((r["dir"] / f"step-{step:03d}.safetensors").read_bytes())
        reported = {k: v for k, v in r["metrics"].get(step, {}).items() if not k.startswith(EVAL_PREFIX)}
        r["run"].log_checkpoint(state, step=step, metrics=reported)
        r["run"].log_metrics(step, reported)
        self.client.flush()

    def finish(self, run_id: str) -> None:
        r = self.runs.pop(run_id)
        final = r["final"]
        r["run"].finish(test_accuracy=final["test_accuracy"], train_accuracy=final.get("train_accuracy"))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.replay", description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, HOST:PORT")
    p.add_argument("--topic-prefix", default=wc.DEFAULT_TOPIC_PREFIX)
    args = p.parse_args(argv)
    out = sys.stdout
    try:
        client = wc.Weightcast(args.bootstrap, topic_prefix=args.topic_prefix, client_id="weightcast-eval-live-client")
    except wc.WeightcastError as e:
        out.write(json.dumps({"ok": False, "error": str(e)}) + "\n")
        out.flush()
        return 1
    replay = Replay(client)
    out.write(json.dumps({"ok": True, "ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "quit":
                break
            if op == "start":
                replay.start(cmd["run_id"], cmd["dir"], cmd["study"])
            elif op == "checkpoint":
                replay.checkpoint(cmd["run_id"], int(cmd["step"]))
            elif op == "finish":
                replay.finish(cmd["run_id"])
            else:
                raise ValueError(f"unknown op {op!r}")
            reply = {"ok": True}
        except Exception as e:  # reported to the driver, which decides
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
