"""The demo zoo: data, model, hyper-parameters, dead units, one real (tiny) training run, the CLI."""

import contextlib
import io
import json
import math
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path

import numpy as np
import torch

import weightcast
from weightcast import safetensors as st
from weightcast.demo import zoo
from weightcast.client import MemoryTransport


class DataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = zoo.load_digits()

    def test_images_are_upsampled_and_scaled(self):
        self.assertEqual(tuple(self.data.images.shape), (1797, 1, 16, 16))
        self.assertGreaterEqual(float(self.data.images.min()), 0.0)
        self.assertLessEqual(float(self.data.images.max()), 1.0)
        self.assertGreater(float(self.data.images.max()), 0.9)
        self.assertEqual(sorted(self.data.labels.unique().tolist()), list(range(10)))

    def test_splits_are_fixed_disjoint_and_class_balanced(self):
        d = self.data
        self.assertEqual((len(d.test), len(d.val), len(d.train_pool)), (360, 180, 1257))
        self.assertEqual(len(set(d.test) | set(d.val) | set(d.train_pool)), 1797)
        labels = d.labels.numpy()
        # every class equally often: a constant-prediction network scores exactly 0.1 on test
        np.testing.assert_array_equal(np.bincount(labels[d.test], minlength=10), [36] * 10)
        np.testing.assert_array_equal(np.bincount(labels[d.val], minlength=10), [18] * 10)
        again = zoo.load_digits()
        np.testing.assert_array_equal(again.test, d.test)
        np.testing.assert_array_equal(again.val, d.val)


class ModelTest(unittest.TestCase):
    def test_4970_parameters_in_state_dict_order(self):
        for activation in zoo.ACTIVATIONS:
            model = zoo.DigitsCNN(activation, 0.3)
            self.assertEqual(zoo.count_parameters(model), 4970)
            self.assertEqual(list(model.state_dict()), ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                        "conv3.weight", "conv3.bias", "dense.weight", "dense.bias"])
            self.assertEqual(tuple(model(torch.zeros(5, 1, 16, 16)).shape), (5, 10))

    def test_width_24_for_the_transfer_zoo(self):
        model = zoo.ZooCNN("relu", 0.0, width=24)
        self.assertEqual(zoo.count_parameters(model), 10906)
        self.assertEqual(tuple(model(torch.zeros(3, 1, 28, 28)).shape), (3, 10))
        self.assertEqual(zoo.sample_hparams(5, width=24), dict(zoo.sample_hparams(5), width=24))

    def test_every_init_kind(self):
        for init in zoo.INITS:
            model = zoo.DigitsCNN("relu")
            std = 0.01 if "normal" in init else None
            zoo.init_weights(model, init, std, "relu")
            w = model.conv2.weight
            self.assertTrue(torch.isfinite(w).all(), init)
            self.assertTrue(torch.equal(model.conv2.bias, torch.zeros(16)), init)
            if init == "truncated_normal":
                self.assertLessEqual(float(w.abs().max()), 0.02 + 1e-7)
            if init == "normal":
                self.assertAlmostEqual(float(w.std()), 0.01, delta=0.002)


class HyperParameterTest(unittest.TestCase):
    def test_ranges_over_many_seeds(self):
        samples = [zoo.sample_hparams(zoo.config_seed(7, i)) for i in range(600)]
        lr = np.array([h["learning_rate"] for h in samples])
        l2 = np.array([h["l2"] for h in samples])
        dropout = np.array([h["dropout"] for h in samples])
        self.assertTrue(np.all((lr >= 1e-3) & (lr <= 0.5)))
        self.assertTrue(np.all((l2 >= 1e-8) & (l2 <= 1e-3)))
        self.assertTrue(np.all((dropout >= 0) & (dropout <= 0.7)))
        # log-uniform: half the draws below the geometric midpoint
        self.assertAlmostEqual(float(np.mean(lr < math.sqrt(1e-3 * 0.5))), 0.5, delta=0.08)
        self.assertAlmostEqual(float(np.mean(l2 < math.sqrt(1e-8 * 1e-3))), 0.5, delta=0.08)
        self.assertAlmostEqual(float(np.mean(dropout)), 0.35, delta=0.04)
        self.assertEqual({h["init"] for h in samples}, set(zoo.INITS))
        self.assertEqual({h["activation"] for h in samples}, {"relu", "tanh"})
        self.assertEqual({h["train_fraction"] for h in samples}, {0.1, 0.25, 0.5, 1.0})
        for h in samples:
            if h["init"] in ("normal", "truncated_normal"):
                self.assertTrue(1e-3 <= h["init_std"] <= 0.5)
            else:
                self.assertIsNone(h["init_std"])
            self.assertEqual((h["optimizer"], h["batch_size"], h["epochs"]), ("adam", 32, 18))

    def test_one_seed_per_configuration(self):
        seeds = {zoo.config_seed(1, i) for i in range(100)}
        self.assertEqual(len(seeds), 100)
        self.assertNotEqual(zoo.config_seed(1, 0), zoo.config_seed(2, 0))
        self.assertEqual(zoo.sample_hparams(123), zoo.sample_hparams(123))
        self.assertEqual(zoo.sample_hparams(123)["seed"], 123)

    def test_plan_ids_include_seed_and_index(self):
        tasks = zoo.plan(3, 42, 5, "digits", "digits-", nan_run=1)
        self.assertEqual([t["run_id"] for t in tasks], ["digits-42-0", "digits-42-1", "digits-42-2"])
        self.assertEqual([t["nan_epoch"] for t in tasks], [None, 3, None])


class DeadUnitsTest(unittest.TestCase):
    def test_constructed_dead_layers(self):
        torch.manual_seed(0)
        model = zoo.DigitsCNN("relu")
        zoo.init_weights(model, "he", None, "relu")
        x = zoo.load_digits().images[:100]
        with torch.no_grad():
            model.conv3.weight.copy_(-model.conv3.weight.abs())
            model.conv3.bias.fill_(-0.1)
            # inputs are pixels >= 0: channels 0..7 of conv1 can never fire
            model.conv1.weight[:8] = -model.conv1.weight[:8].abs()
            model.conv1.bias[:8] = 0.0
            model.conv1.bias[8:] = 0.5
        fractions = zoo.dead_fractions(model, x)
        self.assertEqual(fractions["conv3"], 1.0)
        self.assertEqual(fractions["conv1"], 0.5)
        self.assertTrue(model.training)  # measuring leaves the mode alone

    def test_healthy_network_has_no_dead_units(self):
        model = zoo.DigitsCNN("relu")
        with torch.no_grad():
            for name in zoo.CONV_LAYERS:
                getattr(model, name).weight.fill_(0.1)
                getattr(model, name).bias.fill_(0.1)
        self.assertEqual(zoo.dead_fractions(model, zoo.load_digits().images[:20]),
                         {"conv1": 0.0, "conv2": 0.0, "conv3": 0.0})


class ProbeTest(unittest.TestCase):
    def test_a_collapsed_model_predicts_one_class(self):
        data = zoo.load_digits()
        x, y = data.images[data.test], data.labels[data.test]
        model = zoo.ZooCNN("relu")
        with torch.no_grad():
            model.dense.weight.zero_()
            model.dense.bias.copy_(torch.arange(10.0) == 3)
        p = zoo.probe(model, x, y)
        self.assertEqual(p.distinct_predictions, 1)
        self.assertAlmostEqual(p.accuracy, float((y == 3).float().mean()))
        self.assertEqual(set(p.dead_fractions), set(zoo.CONV_LAYERS))
        torch.manual_seed(1)
        trained_like = zoo.ZooCNN("relu")
        zoo.init_weights(trained_like, "he", None, "relu")
        self.assertGreater(zoo.probe(trained_like, x, y).distinct_predictions, 1)
        self.assertEqual(zoo.probe(trained_like, x, y).loss, zoo.evaluate(trained_like, x, y)[0])


class TrainingRunTest(unittest.TestCase):
    def hparams(self, activation):
        return dict(zoo.sample_hparams(5, epochs=2), activation=activation, train_fraction=0.1, learning_rate=0.01,
                    dropout=0.1, init="he", init_std=None)

    def test_tiny_run_publishes_the_contract(self):
        transport = MemoryTransport()
        client = weightcast.Weightcast(transport=transport)
        events = []
        summary = zoo.train_run(client, "tiny-1", self.hparams("relu"), zoo.load_digits(), on_event=events.append)
        self.assertTrue(0.0 <= summary["test_accuracy"] <= 1.0)
        self.assertTrue(0.0 <= summary["train_accuracy"] <= 1.0)
        self.assertGreater(summary["test_accuracy"], 0.2)  # 2 epochs of a sane configuration beat chance
        runs = transport.events("tiny-1")
        self.assertEqual([e["type"] for e in runs], ["started", "metrics", "metrics", "finished"])
        self.assertEqual(runs[0]["hparams"]["train_size"], 126)
        self.assertEqual(runs[0]["planned_steps"], 2)
        self.assertEqual(runs[-1]["final"]["test_accuracy"], summary["test_accuracy"])
        checkpoints = [st.load(c) for c in transport.checkpoints("tiny-1")]
        self.assertEqual([c.metadata["step"] for c in checkpoints], ["1", "2"])
        meta = checkpoints[0].metadata
        self.assertEqual((meta["activation"], meta["planned_steps"], meta["layers"]), ("relu", "2", "conv1,conv2,conv3,dense"))
        metrics = json.loads(meta["metrics"])
        self.assertEqual(set(metrics), {"train_loss", "train_acc", "val_loss", "val_acc", "dead_fraction/conv1",
                                        "dead_fraction/conv2", "dead_fraction/conv3"})
        self.assertEqual(sum(t.numpy().size for t in checkpoints[0].tensors), 4970)
        self.assertEqual([e["event"] for e in events], ["run_started", "checkpoint", "checkpoint", "run_finished"])

    def test_eval_metrics_are_the_test_split_per_epoch(self):
        transport = MemoryTransport()
        summary = zoo.train_run(weightcast.Weightcast(transport=transport), "tiny-3", self.hparams("tanh"),
                                zoo.load_digits(), eval_metrics=True)
        metrics = [json.loads(st.load(c).metadata["metrics"]) for c in transport.checkpoints()]
        self.assertEqual(set(metrics[0]), {"train_loss", "train_acc", "val_loss", "val_acc", "eval/test_loss",
                                           "eval/test_acc", "eval/constant_prediction", "eval/distinct_predictions"})
        self.assertEqual(metrics[-1]["eval/test_acc"], summary["test_accuracy"])
        # test and validation are different splits: their accuracies differ (360 vs 180 images)
        self.assertTrue(any(m["eval/test_acc"] != m["val_acc"] for m in metrics))

    def test_tanh_runs_report_no_dead_fractions(self):
        transport = MemoryTransport()
        zoo.train_run(weightcast.Weightcast(transport=transport), "tiny-2", dict(self.hparams("tanh"), epochs=1),
                      zoo.load_digits())
        metrics = json.loads(st.load(transport.checkpoints()[0]).metadata["metrics"])
        self.assertFalse(any(k.startswith("dead_fraction") for k in metrics))

    def test_nan_run_publishes_nonfinite_weights(self):
        transport = MemoryTransport()
        zoo.train_run(weightcast.Weightcast(transport=transport), "nan-1", self.hparams("relu"), zoo.load_digits(),
                      nan_epoch=1)
        first = st.load(transport.checkpoints()[0])
        self.assertTrue(np.isnan(first["conv2.weight"].numpy()).any())
        raw = [v for kind, _, v in transport.records if kind == "event"]
        self.assertIn(b'"val_loss":"NaN"', raw[1])  # never a bare NaN: the Java side could not parse it
        for v in raw:
            json.loads(v, parse_constant=lambda c: self.fail(f"bare {c} in {v!r}"))


class CliTest(unittest.TestCase):
    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = zoo.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def test_json_progress_in_no_kafka_mode(self):
        code, out, _ = self.run_main("--no-kafka", "--runs", "2", "--epochs", "2", "--parallel", "2",
                                     "--seed", "9", "--run-prefix", "cli-", "--progress", "json")
        self.assertEqual(code, 0)
        lines = [json.loads(line) for line in out.splitlines()]
        kinds = [(e["event"], e.get("run_id")) for e in lines]
        for run_id in ("cli-9-0", "cli-9-1"):
            self.assertEqual([k for k, r in kinds if r == run_id], ["run_started", "checkpoint", "checkpoint", "run_finished"])
        self.assertEqual(lines[-1]["event"], "zoo_finished")
        self.assertEqual(lines[-1]["runs"], 2)
        steps = [e["step"] for e in lines if e["event"] == "checkpoint" and e["run_id"] == "cli-9-0"]
        self.assertEqual(steps, [1, 2])
        finished = [e for e in lines if e["event"] == "run_finished"]
        self.assertTrue(all(0 <= e["test_accuracy"] <= 1 for e in finished))

    def test_unreachable_broker_exits_non_zero_quickly(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.monotonic()
        code, out, err = self.run_main("--bootstrap", f"127.0.0.1:{port}", "--runs", "1", "--connect-timeout", "1.5")
        self.assertEqual(code, 1)
        self.assertLess(time.monotonic() - t0, 15)
        self.assertIn("cannot reach Kafka", err)
        self.assertEqual(out, "")

    def test_bootstrap_is_required_without_no_kafka(self):
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as ctx:
            zoo.parse_args(["--runs", "2"])
        self.assertEqual(ctx.exception.code, 2)


class ExampleTest(unittest.TestCase):
    def test_example_loop_runs_in_dry_run_mode(self):
        script = Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
        done = subprocess.run([sys.executable, str(script), "--dry-run", "--epochs", "2"], capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRegex(done.stdout, r"run digits-example-\w+: test accuracy 0\.\d{3}")


if __name__ == "__main__":
    unittest.main()
