"""Dead units measured by the client (run.watch / start_run(model=...)): what is dead, naming, sampling,
hooks that never break the loop, and the fractions reaching the records."""

import json
import re
import subprocess
import sys
import unittest
from pathlib import Path
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

import weightcast
from weightcast import safetensors as st
from weightcast.demo import zoo
from weightcast.client import MemoryTransport, layer_order
from weightcast.dead_units import DeadUnitMonitor


def hooks(model):
    """Every hook registered on any module of the model, as counts (forward, pre-forward)."""
    return [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in model.modules()]


def kill(layer):
    """Weights <= 0 and a negative bias: fed by non-negative inputs (a ReLU's output), every output is < 0."""
    with torch.no_grad():
        layer.weight.copy_(-layer.weight.abs())
        layer.bias.fill_(-1.0)


def sequential_cnn():
    """The example loop's net (train_digits.py): conv1, relu1, ..., dense."""
    model = nn.Sequential()
    for i, c in enumerate((1, 8, 8), start=1):
        model.add_module(f"conv{i}", nn.Conv2d(c, 8, 3, stride=2, padding=1))
        model.add_module(f"relu{i}", nn.ReLU())
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("dense", nn.Linear(8, 10))
    return model


class Gate(nn.Module):
    """fc1 is the identity, so unit i of relu(fc1(x)) is alive exactly when some input has x_i > 0."""

    def __init__(self, units=4):
        super().__init__()
        self.fc1 = nn.Linear(units, units)
        self.act = nn.ReLU()
        with torch.no_grad():
            self.fc1.weight.copy_(torch.eye(units))
            self.fc1.bias.zero_()

    def forward(self, x):
        return self.act(self.fc1(x))


class Functional(nn.Module):
    """F.relu / Tensor.relu in forward (no activation module), conv -> BatchNorm -> relu."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc1 = nn.Linear(4, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x))).mean(dim=(2, 3))
        return self.out(self.fc1(x).relu())


class Shared(nn.Module):
    """One nn.ReLU registered last and used after two layers, behind control flow fx cannot trace."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 6)
        self.fc2 = nn.Linear(6, 7)
        self.fc3 = nn.Linear(7, 2)
        self.act = nn.ReLU()

    def forward(self, x):
        if float(x.sum()) > -1e9:  # data-dependent: torch.fx cannot trace this
            x = self.act(self.fc1(x))
        return self.fc3(self.act(self.fc2(x)))


class MeasureTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.x = torch.rand(64, 1, 16, 16)

    def test_forced_dead_layer_is_1_and_healthy_layer_near_0(self):
        model = zoo.ZooCNN("relu")
        kill(model.conv3)
        monitor = DeadUnitMonitor(model)
        model.eval()
        with torch.no_grad():
            model(self.x)
        fractions = monitor.fractions()
        self.assertEqual(fractions["dead_fraction/conv3"], 1.0)
        self.assertLess(fractions["dead_fraction/conv1"], 0.2)
        self.assertEqual(set(fractions), {"dead_fraction/conv1", "dead_fraction/conv2", "dead_fraction/conv3"})

    def test_same_numbers_as_the_zoos_hand_written_measurement(self):
        model = zoo.ZooCNN("relu")
        with torch.no_grad():
            model.conv2.bias[:5] = -100.0  # 5 of 16 channels dead
        monitor = DeadUnitMonitor(model)
        model.eval()
        with torch.no_grad():
            model(self.x)
        expected = {f"dead_fraction/{k}": v for k, v in zoo.dead_fractions(model, self.x).items()}
        self.assertEqual(monitor.fractions(), expected)
        self.assertGreaterEqual(expected["dead_fraction/conv2"], 5 / 16)
        self.assertLess(expected["dead_fraction/conv2"], 1.0)

    def test_names_are_state_dict_prefixes(self):
        model = nn.Sequential(OrderedDict([("features", sequential_cnn()), ("head", nn.Linear(10, 2))]))
        monitor = DeadUnitMonitor(model)
        model(self.x[:8])
        keys = [k[len("dead_fraction/"):] for k in monitor.fractions()]
        self.assertEqual(keys, ["features.conv1", "features.conv2", "features.conv3"])
        prefixes = layer_order(list(model.state_dict()))
        self.assertTrue(set(keys) <= set(prefixes), (keys, prefixes))

    def test_linear_units_are_features(self):
        model = Gate(4)
        monitor = DeadUnitMonitor(model)
        x = torch.full((3, 2, 4), -1.0)  # (batch, tokens, features): the last dim holds the units
        x[1, 0, 2] = 1.0
        model(x)
        self.assertEqual(monitor.fractions(), {"dead_fraction/fc1": 0.75})

    def test_conv_units_are_channels(self):
        model = nn.Sequential(OrderedDict([("conv", nn.Conv2d(2, 2, 1, bias=False)), ("act", nn.ReLU())]))
        with torch.no_grad():
            model.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
        monitor = DeadUnitMonitor(model)
        x = -torch.ones(4, 2, 5, 5)
        x[3, 1, 4, 4] = 2.0  # one position of one input: channel 1 alive
        model(x)
        self.assertEqual(monitor.fractions(), {"dead_fraction/conv": 0.5})

    def test_functional_relu_is_found_with_fx_and_norm_layers_are_passed_over(self):
        model = Functional()
        kill(model.fc1)
        monitor = DeadUnitMonitor(model)
        self.assertEqual(monitor.functional_layers, ["conv1", "fc1"])
        model.eval()
        model(torch.rand(16, 1, 8, 8))
        fractions = monitor.fractions()
        self.assertEqual(fractions["dead_fraction/fc1"], 1.0)
        self.assertLess(fractions["dead_fraction/conv1"], 1.0)
        self.assertNotIn("dead_fraction/bn1", fractions)
        self.assertNotIn("dead_fraction/out", fractions)  # the logits feed no relu

    def test_functional_off(self):
        model = Functional()
        monitor = DeadUnitMonitor(model, functional=False)
        model(torch.rand(4, 1, 8, 8))
        self.assertEqual(monitor.fractions(), {})

    def test_shared_activation_is_attributed_to_the_layer_that_ran_before_it(self):
        model = Shared()
        with torch.no_grad():
            model.fc2.bias.fill_(-100.0)
        with self.assertLogs("weightcast", "INFO") as logs:
            monitor = DeadUnitMonitor(model)
        self.assertIn("cannot trace", "\n".join(logs.output))
        model(torch.randn(32, 5))
        fractions = monitor.fractions()
        self.assertEqual(fractions["dead_fraction/fc2"], 1.0)
        self.assertLess(fractions["dead_fraction/fc1"], 0.5)
        self.assertNotIn("dead_fraction/fc3", fractions)

    def test_leaky_and_smooth_activations_are_not_measured(self):
        for act in (nn.LeakyReLU(0.01), nn.GELU(), nn.ELU(), nn.Tanh()):
            model = nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", act), ("fc2", nn.Linear(4, 2))]))
            with torch.no_grad():
                model.fc1.bias.fill_(-100.0)  # every pre-activation negative
            monitor = DeadUnitMonitor(model)
            model(torch.rand(8, 3))
            self.assertEqual(monitor.fractions(), {}, type(act).__name__)

    def test_relu6_is_measured(self):
        model = nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", nn.ReLU6())]))
        with torch.no_grad():
            model.fc1.bias.fill_(-100.0)
        monitor = DeadUnitMonitor(model)
        model(torch.rand(8, 3))
        self.assertEqual(monitor.fractions(), {"dead_fraction/fc1": 1.0})

    def test_shape_that_does_not_match_the_layer_is_skipped(self):
        model = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 4, 3)), ("flat", nn.Flatten()), ("act", nn.ReLU())]))
        monitor = DeadUnitMonitor(model)
        model(torch.rand(2, 1, 5, 5))  # the ReLU sees 4*3*3 = 36 values per input, not 4 channels
        self.assertEqual(monitor.fractions(), {})
        self.assertEqual(monitor.skipped, 1)

    def test_inference_mode_eval_then_train(self):
        model = Gate(2)
        monitor = DeadUnitMonitor(model)
        model.eval()
        with torch.inference_mode():
            model(torch.tensor([[-1.0, -1.0]]))
            model(torch.tensor([[1.0, -1.0]]))
        model.train()
        model(torch.tensor([[1.0, 1.0]]))
        self.assertEqual(monitor.errors, 0)
        self.assertEqual(monitor.fractions(), {"dead_fraction/fc1": 0.5})


class SamplingTest(unittest.TestCase):
    def test_only_the_first_batches_of_each_window_are_measured(self):
        dead, alive = torch.tensor([[-1.0, -1.0]]), torch.tensor([[1.0, 1.0]])
        model = Gate(2)
        monitor = DeadUnitMonitor(model, batches=1)
        model(dead)
        model(alive)  # past the window's one batch: not measured
        self.assertEqual(monitor.collect(1), {"dead_fraction/fc1": 1.0})
        model(alive)  # a new window
        model(dead)
        self.assertEqual(monitor.collect(2), {"dead_fraction/fc1": 0.0})

        monitor2 = DeadUnitMonitor(Gate(2), batches=2)
        monitor2.model(dead)
        monitor2.model(alive)
        self.assertEqual(monitor2.collect(1), {"dead_fraction/fc1": 0.0})

    def test_eval_sample_preferred_over_train_sample(self):
        model = Gate(2)
        monitor = DeadUnitMonitor(model)
        model.train()
        model(torch.tensor([[1.0, 1.0]]))
        self.assertEqual(monitor.fractions(), {"dead_fraction/fc1": 0.0})  # train only
        model.eval()
        model(torch.tensor([[-1.0, 1.0]]))
        self.assertEqual(monitor.fractions(), {"dead_fraction/fc1": 0.5})  # the eval sample

    def test_same_step_same_result_and_nothing_without_forward(self):
        model = Gate(2)
        monitor = DeadUnitMonitor(model)
        model(torch.tensor([[-1.0, 1.0]]))
        first = monitor.collect(3)
        model(torch.tensor([[1.0, 1.0]]))  # counted in the next window, not in step 3's result
        self.assertEqual(monitor.collect(3), first)
        self.assertEqual(first, {"dead_fraction/fc1": 0.5})
        self.assertEqual(monitor.collect(4), {"dead_fraction/fc1": 0.0})
        self.assertEqual(monitor.collect(5), {})  # no forward since step 4

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            DeadUnitMonitor(object())
        with self.assertRaises(ValueError):
            DeadUnitMonitor(Gate(2), batches=0)


class HooksTest(unittest.TestCase):
    def test_remove_restores_the_models_hooks(self):
        model = zoo.ZooCNN("relu")
        before = hooks(model)
        monitor = DeadUnitMonitor(model)
        self.assertNotEqual(hooks(model), before)
        monitor.remove()
        self.assertEqual(hooks(model), before)
        monitor.remove()  # idempotent
        model(torch.rand(2, 1, 16, 16))
        self.assertEqual(monitor.fractions(), {})

    def test_a_raising_hook_does_not_break_forward(self):
        model = zoo.ZooCNN("relu")
        x = torch.rand(4, 1, 16, 16)
        expected = model(x)
        monitor = DeadUnitMonitor(model, batches=2)

        def boom(*args):
            raise RuntimeError("boom")

        monitor._measure = boom
        with self.assertLogs("weightcast", "WARNING") as logs:
            out1 = model(x)
            out2 = model(x)
            model(x)  # past the window: the hooks do nothing
        torch.testing.assert_close(out1, expected)
        torch.testing.assert_close(out2, expected)
        self.assertEqual(monitor.errors, 6)  # 3 ReLUs x 2 sampled batches
        self.assertEqual(len(logs.records), 1)  # logged once
        self.assertIn("boom", logs.output[0])
        self.assertEqual(monitor.collect(1), {})


class RunTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.transport = MemoryTransport()
        self.client = weightcast.Weightcast(transport=self.transport)
        self.model = sequential_cnn()
        kill(self.model.conv3)
        self.x = torch.rand(32, 1, 16, 16)

    def epoch(self):
        self.model.train()
        self.model(self.x[:16]).sum().backward()
        self.model.eval()
        with torch.no_grad():
            self.model(self.x)

    def checkpoint_metrics(self, run_id):
        return [json.loads(st.load(data).metadata.get("metrics", "{}")) for data in self.transport.checkpoints(run_id)]

    def test_fractions_reach_the_checkpoint_and_the_metrics_event(self):
        run = self.client.start_run(study="s", activation="relu", run_id="r-1", model=self.model)
        self.epoch()
        run.log_checkpoint(self.model.state_dict(), step=1, metrics={"val_acc": 0.5})
        run.log_metrics(1, {"val_acc": 0.5})
        (metrics,) = self.checkpoint_metrics("r-1")
        self.assertEqual(metrics["dead_fraction/conv3"], 1.0)
        self.assertLess(metrics["dead_fraction/conv1"], 0.5)
        self.assertEqual(metrics["val_acc"], 0.5)
        event = self.transport.events("r-1")[-1]
        self.assertEqual(event["type"], "metrics")
        self.assertEqual(event["metrics"], metrics)  # the same step: the same numbers
        prefixes = layer_order(list(self.model.state_dict()))
        for key in metrics:
            if key.startswith("dead_fraction/"):
                self.assertIn(key[len("dead_fraction/"):], prefixes)

    def test_the_loops_own_metrics_win(self):
        run = self.client.start_run(study="s", run_id="r-2")
        run.watch(self.model)
        self.epoch()
        run.log_checkpoint(self.model.state_dict(), step=1, metrics={"dead_fraction/conv3": 0.25})
        (metrics,) = self.checkpoint_metrics("r-2")
        self.assertEqual(metrics["dead_fraction/conv3"], 0.25)
        self.assertIn("dead_fraction/conv1", metrics)

    def test_unwatch_and_finish_remove_the_hooks(self):
        before = hooks(self.model)
        run = self.client.start_run(study="s", run_id="r-3", model=self.model)
        self.assertIsNotNone(run.dead_units)
        run.unwatch()
        self.assertIsNone(run.dead_units)
        self.assertEqual(hooks(self.model), before)
        self.epoch()
        run.log_checkpoint(self.model.state_dict(), step=1)
        self.assertEqual(self.checkpoint_metrics("r-3"), [{}])  # no metrics at all: none measured, none given

        run = self.client.start_run(study="s", run_id="r-4")
        run.watch(self.model)
        run.watch(self.model)  # replaces, does not stack
        self.assertEqual(len(self.model.conv1._forward_hooks), 1)
        self.epoch()
        run.log_checkpoint(self.model.state_dict(), step=1)
        run.finish(test_accuracy=0.5)
        self.assertEqual(hooks(self.model), before)

    def test_module_level_start_run_with_model(self):
        before = hooks(self.model)
        run = weightcast.start_run(transport=self.transport, study="s", run_id="r-5", model=self.model)
        self.epoch()
        run.log_metrics(1, {})
        self.assertEqual(self.transport.events("r-5")[-1]["metrics"]["dead_fraction/conv3"], 1.0)
        run.close()
        self.assertEqual(hooks(self.model), before)

    def test_steps_without_a_forward_carry_no_stale_fractions(self):
        run = self.client.start_run(study="s", run_id="r-6", model=self.model)
        self.epoch()
        run.log_metrics(1, {"val_acc": 0.1})
        run.log_metrics(2, {"val_acc": 0.2})
        events = self.transport.events("r-6")
        self.assertIn("dead_fraction/conv3", events[-2]["metrics"])
        self.assertEqual(events[-1]["metrics"], {"val_acc": 0.2})


class ExampleTest(unittest.TestCase):
    def test_the_example_loop_reports_measured_fractions(self):
        script = Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
        done = subprocess.run([sys.executable, str(script), "--dry-run", "--epochs", "2"], capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = re.findall(r"epoch \d+: val_acc [\d.]+, dead units conv1 ([\d.]+) conv2 ([\d.]+) conv3 ([\d.]+)",
                           done.stdout)
        self.assertEqual(len(lines), 2, done.stdout)
        for fractions in lines:
            self.assertTrue(all(0.0 <= float(f) <= 1.0 for f in fractions), fractions)


if __name__ == "__main__":
    unittest.main()
