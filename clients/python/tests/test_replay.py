"""weightcast.demo.replay: a zoo run replayed through the client sends what the zoo's loop sent, minus eval/*."""

import json
import shutil
import tempfile
import unittest
from collections import OrderedDict
from pathlib import Path

import torch

import weightcast
from weightcast import safetensors as st
from weightcast.client import MemoryTransport
from weightcast.demo.replay import Replay


def state(scale):
    torch.manual_seed(0)
    return OrderedDict([("conv1.weight", torch.randn(4, 1, 3, 3) * scale), ("conv1.bias", torch.zeros(4)),
                        ("dense.weight", torch.randn(10, 4) * scale), ("dense.bias", torch.zeros(10))])


class ReplayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        # a zoo run as the generator writes it (directory sink), with benchmark-only eval/* metrics
        with weightcast.Weightcast(directory=self.tmp / "runs") as zoo:
            run = zoo.start_run(study="digits", hparams={"learning_rate": 0.01, "activation": "relu"}, planned_steps=2,
                                activation="relu", run_id="digits-7-0", layers=["conv1", "dense"])
            for step in (1, 2):
                metrics = {"val_acc": 0.4 * step, "train_acc": 0.3 * step, "dead_fraction/conv1": 0.25,
                           "eval/test_acc": 0.5 * step}
                run.log_checkpoint(state(step), step=step, metrics=metrics)
                run.log_metrics(step, metrics)
            run.finish(test_accuracy=0.77, train_accuracy=0.8)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_replays_the_run_under_a_new_id_without_test_split_metrics(self):
        sink = MemoryTransport()
        client = weightcast.Weightcast(transport=sink)
        replay = Replay(client)
        replay.start("live1-digits-7-0", str(self.tmp / "runs" / "digits-7-0"), "live1")
        replay.checkpoint("live1-digits-7-0", 1)
        replay.checkpoint("live1-digits-7-0", 2)
        replay.finish("live1-digits-7-0")

        events = sink.events("live1-digits-7-0")
        self.assertEqual([e["type"] for e in events], ["started", "metrics", "metrics", "finished"])
        self.assertEqual(events[0]["study"], "live1")
        self.assertEqual(events[0]["hparams"]["learning_rate"], 0.01)
        self.assertNotIn("eval/test_acc", events[1]["metrics"])
        self.assertEqual(events[2]["metrics"]["val_acc"], 0.8)
        self.assertEqual(events[3]["final"], {"test_accuracy": 0.77, "train_accuracy": 0.8})

        checkpoints = sink.checkpoints("live1-digits-7-0")
        self.assertEqual(len(checkpoints), 2)
        f = st.load(checkpoints[1])
        self.assertEqual(f.metadata["run_id"], "live1-digits-7-0")
        self.assertEqual(f.metadata["step"], "2")
        self.assertEqual(f.metadata["layers"], "conv1,dense")
        metrics = json.loads(f.metadata["metrics"])
        self.assertNotIn("eval/test_acc", metrics)
        self.assertEqual(metrics["dead_fraction/conv1"], 0.25)
        self.assertIn("hparams", f.metadata)
        original = st.load((self.tmp / "runs" / "digits-7-0" / "step-002.safetensors").read_bytes())
        self.assertEqual([t.data for t in f.tensors], [t.data for t in original.tensors])

    def test_replays_non_finite_metrics_of_a_diverged_run(self):
        # a diverged loop reports NaN losses; events.jsonl holds them as the string "NaN" (the client's JSON)
        with weightcast.Weightcast(directory=self.tmp / "runs") as zoo:
            run = zoo.start_run(study="digits", planned_steps=1, activation="relu", run_id="digits-7-1")
            run.log_checkpoint(state(1), step=1, metrics={"train_loss": float("nan"), "val_loss": float("inf")})
            run.log_metrics(1, {"train_loss": float("nan"), "val_loss": float("inf"), "val_acc": 0.1})
            run.finish(test_accuracy=0.1)
        sink = MemoryTransport()
        replay = Replay(weightcast.Weightcast(transport=sink))
        replay.start("live1-digits-7-1", str(self.tmp / "runs" / "digits-7-1"), "live1")
        replay.checkpoint("live1-digits-7-1", 1)
        replay.finish("live1-digits-7-1")
        metrics = sink.events("live1-digits-7-1")[1]["metrics"]
        self.assertEqual((metrics["train_loss"], metrics["val_loss"], metrics["val_acc"]), ("NaN", "Infinity", 0.1))


if __name__ == "__main__":
    unittest.main()
