"""weightcast.integrations: Lightning, Hugging Face, Keras and Ray Tune against faithful minimal fakes of
their documented hook signatures (none of them is installed here, and PyPI is not reachable); the models
inside are real torch modules. Optuna is tested against the real library in test_optuna_pruner.py.

Each fake framework module is put in sys.modules only while its integration module is imported and
tested, and removed afterwards. Weightcast's answers come from a real local http.server that answers
``GET /v1/runs/{run}`` in the Java scorer's JSON (tests/test_readback.py), deciding from what the run
published so far, as the real scorer does.
"""

import abc
import importlib
import importlib.util
import json
import sys
import types
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import weightcast
from weightcast import safetensors as st
from weightcast.client import MemoryTransport

from tests.test_readback import alert_record, run_detail, score_record
from tests.local_http import LocalHttpTestCase


# ----------------------------------------------------------------------------------- a scripted scorer

class ScriptedScorer(BaseHTTPRequestHandler):
    """GET /v1/runs/{run}: ``decide(run_id)`` -> RunDetail JSON or None (404)."""

    decide = staticmethod(lambda run_id: None)
    asked = []

    def do_GET(self):
        run_id = urllib.parse.unquote(self.path[len("/v1/runs/"):])
        ScriptedScorer.asked.append(run_id)
        detail = ScriptedScorer.decide(run_id)
        body = json.dumps(detail if detail is not None else {"error": f"unknown run '{run_id}'"}).encode()
        self.send_response(200 if detail is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def stop_after(transport, checkpoints, runs=None):
    """A scorer that scores every published checkpoint and raises EARLY_STOP_CANDIDATE once a run (of
    ``runs``, else any) published ``checkpoints`` of them."""
    def decide(run_id):
        published = transport.checkpoints(run_id)
        if not published:
            return None
        steps = [int(st.load(p).metadata["step"]) for p in published]
        scores = [score_record(run_id, s, 0.3, 2, 1000 + s, 0.2, 0.4) for s in steps]
        stop = len(steps) >= checkpoints and (runs is None or run_id in runs)
        alerts = [alert_record(run_id, steps[checkpoints - 1], "EARLY_STOP_CANDIDATE", "info")] if stop else []
        return run_detail(run_id, scores, alerts)
    return decide


class ScorerTestCase(LocalHttpTestCase):
    handler = ScriptedScorer

    def setUp(self):
        ScriptedScorer.asked = []
        ScriptedScorer.decide = staticmethod(lambda run_id: None)
        self.transport = MemoryTransport()
        self.client = weightcast.Weightcast(transport=self.transport, scorer_url=self.url)


class FakeModules:
    """Installs fake framework modules in sys.modules for a test class, and removes them (and the
    integration module that imported them) afterwards."""

    def __init__(self, modules, integration):
        self.modules = modules
        self.integration = integration

    def __enter__(self):
        for name, module in self.modules.items():
            sys.modules[name] = module
        sys.modules.pop(self.integration, None)
        return importlib.import_module(self.integration)

    def __exit__(self, *exc):
        for name in self.modules:
            sys.modules.pop(name, None)
        sys.modules.pop(self.integration, None)


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    return m


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4, 10)
        self.hparams = {"lr": 0.01, "optimizer": "adam", "layers": [1, 2]}  # Lightning's save_hyperparameters()

    def forward(self, x):
        return self.fc(F.relu(self.conv1(x)).mean(dim=(2, 3)))


def loaded(transport, run_id):
    return [st.load(p) for p in transport.checkpoints(run_id)]


# ------------------------------------------------------------------------------------------ Lightning

class LightningCallbackBase:
    """lightning.pytorch.callbacks.Callback as documented (Lightning 2.x API reference, "Callback"): every
    hook takes ``(self, trainer, pl_module)``, ``on_exception`` adds ``exception``; the base does nothing."""

    def on_fit_start(self, trainer, pl_module):
        pass

    def on_validation_epoch_end(self, trainer, pl_module):
        pass

    def on_fit_end(self, trainer, pl_module):
        pass

    def on_exception(self, trainer, pl_module, exception):
        pass


class FakeLightningTrainer:
    """The hook order of Trainer.fit (Lightning docs, "Hooks in the training loop"): on_fit_start, the sanity
    check's validation (``sanity_checking`` True), then per epoch training and validation with
    ``callback_metrics`` (name -> tensor) updated and ``on_validation_epoch_end``; the loop ends when
    ``should_stop`` is set or after ``max_epochs``; then on_fit_end. ``current_epoch`` is 0-based."""

    def __init__(self, max_epochs, callbacks, curve):
        self.max_epochs = max_epochs
        self.callbacks = callbacks
        self.curve = curve
        self.current_epoch = 0
        self.callback_metrics = {}
        self.should_stop = False
        self.sanity_checking = False
        self.is_global_zero = True
        self.epochs_run = 0

    def fit(self, model):
        for cb in self.callbacks:
            cb.on_fit_start(self, model)
        self.sanity_checking = True
        for cb in self.callbacks:
            cb.on_validation_epoch_end(self, model)
        self.sanity_checking = False
        try:
            for epoch in range(self.max_epochs):
                self.current_epoch = epoch
                model.train()
                with torch.no_grad():
                    model(torch.randn(2, 1, 6, 6))  # a "training" batch: forward hooks see it
                    model.fc.weight.add_(0.01)
                model.eval()
                self.callback_metrics = {"val_acc": torch.tensor(self.curve[epoch]), "train_loss": torch.tensor(1.0 - epoch / 10),
                                         "per_class": torch.ones(3)}
                for cb in self.callbacks:
                    cb.on_validation_epoch_end(self, model)
                self.epochs_run += 1
                if self.should_stop:
                    break
        except Exception as e:
            for cb in self.callbacks:
                cb.on_exception(self, model, e)
            raise
        for cb in self.callbacks:
            cb.on_fit_end(self, model)


class LightningTest(ScorerTestCase):
    def fake(self):
        callbacks = module("lightning.pytorch.callbacks", Callback=LightningCallbackBase)
        return FakeModules({"lightning": module("lightning"), "lightning.pytorch": module("lightning.pytorch"),
                            "lightning.pytorch.callbacks": callbacks}, "weightcast.integrations.lightning")

    def test_a_checkpoint_per_validation_epoch_and_finish_at_fit_end(self):
        with self.fake() as integration:
            model = SmallCNN()
            cb = integration.WeightcastCallback(self.client, study="pl", run_id="pl-1", activation="relu")
            self.assertIsInstance(cb, LightningCallbackBase)
            FakeLightningTrainer(4, [cb], [0.2, 0.4, 0.6, 0.8]).fit(model)
        files = loaded(self.transport, "pl-1")
        self.assertEqual([f.metadata["step"] for f in files], ["1", "2", "3", "4"], "no checkpoint for the sanity check")
        self.assertEqual(files[0].metadata["framework"], "pytorch-lightning")
        self.assertEqual(files[0].metadata["planned_steps"], "4")
        self.assertEqual(json.loads(files[1].metadata["metrics"]), {"val_acc": 0.4000000059604645, "train_loss": 0.8999999761581421})
        self.assertEqual(json.loads(files[0].metadata["hparams"]), {"lr": 0.01, "optimizer": "adam"})
        self.assertTrue(torch.equal(files[-1]["fc.weight"].torch(), model.state_dict()["fc.weight"]), "the real weights")
        finished = [e for e in self.transport.events("pl-1") if e["type"] == "finished"]
        self.assertAlmostEqual(finished[0]["final"]["test_accuracy"], 0.8, places=6)
        self.assertIsNone(cb.run)

    def test_should_stop_stops_the_fit_without_a_label(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 2))
        with self.fake() as integration:
            cb = integration.WeightcastCallback(self.client, study="pl", run_id="pl-2")
            trainer = FakeLightningTrainer(10, [cb], [0.1] * 10)
            trainer.fit(SmallCNN())
        self.assertTrue(trainer.should_stop)
        self.assertEqual(trainer.epochs_run, 2)
        self.assertEqual([e["type"] for e in self.transport.events("pl-2")], ["started"], "no finished: no label")
        self.assertIn("pl-2", ScriptedScorer.asked)

    def test_stop_false_only_publishes(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 1))
        with self.fake() as integration:
            cb = integration.WeightcastCallback(self.client, run_id="pl-3", stop=False)
            trainer = FakeLightningTrainer(3, [cb], [0.1, 0.2, 0.3])
            trainer.fit(SmallCNN())
        self.assertEqual(trainer.epochs_run, 3)
        self.assertEqual(self.transport.events("pl-3")[-1]["type"], "finished")

    def test_watch_measures_dead_units_and_a_missing_final_metric_sends_no_label(self):
        with self.fake() as integration:
            cb = integration.WeightcastCallback(self.client, run_id="pl-5", watch=True, final_metric="test_acc")
            with self.assertLogs("weightcast", "WARNING") as logs:
                FakeLightningTrainer(2, [cb], [0.3, 0.4]).fit(SmallCNN())
        metrics = json.loads(loaded(self.transport, "pl-5")[0].metadata["metrics"])
        self.assertIn("dead_fraction/conv1", metrics, "run.watch(pl_module) measured the real torch module")
        self.assertEqual([e["type"] for e in self.transport.events("pl-5")], ["started"])
        self.assertIn("without 'test_acc'", "\n".join(logs.output))

    def test_an_exception_in_the_loop_delivers_without_finished(self):
        with self.fake() as integration:
            cb = integration.WeightcastCallback(self.client, run_id="pl-4")
            trainer = FakeLightningTrainer(3, [cb], [0.1])  # the curve is too short: IndexError at epoch 2
            with self.assertRaises(IndexError):
                trainer.fit(SmallCNN())
        self.assertEqual(len(self.transport.checkpoints("pl-4")), 1)
        self.assertEqual([e["type"] for e in self.transport.events("pl-4")], ["started"])


# ---------------------------------------------------------------------------------------- Hugging Face

class HFTrainerCallbackBase:
    """transformers.TrainerCallback as documented (Callbacks reference): each event is
    ``(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs)``; kwargs hold
    ``model``, ``optimizer``, ``lr_scheduler``, ... and ``metrics`` for ``on_evaluate``."""

    def on_train_begin(self, args, state, control, **kwargs):
        pass

    def on_evaluate(self, args, state, control, **kwargs):
        pass

    def on_save(self, args, state, control, **kwargs):
        pass

    def on_train_end(self, args, state, control, **kwargs):
        pass


class TrainerState(types.SimpleNamespace):
    """The documented TrainerState fields used: global_step, max_steps, epoch, is_world_process_zero."""


class TrainerControl(types.SimpleNamespace):
    """The documented TrainerControl flag: should_training_stop (also should_save, should_evaluate)."""


class FakeHFTrainer:
    """Trainer.train's call order (CallbackHandler.call_event): on_train_begin; each ``eval_steps`` steps
    evaluate -> on_evaluate(metrics=...), then save -> on_save; the loop checks
    ``control.should_training_stop`` after each step; on_train_end."""

    def __init__(self, callbacks, max_steps, eval_steps, accuracies):
        self.callbacks = callbacks
        self.args = types.SimpleNamespace(learning_rate=5e-5, weight_decay=0.0, per_device_train_batch_size=8,
                                          num_train_epochs=3.0, lr_scheduler_type=types.SimpleNamespace(value="linear"),
                                          seed=42, output_dir="/tmp/out", report_to=["none"])
        self.state = TrainerState(global_step=0, max_steps=max_steps, epoch=0.0, is_world_process_zero=True)
        self.control = TrainerControl(should_training_stop=False, should_save=False, should_evaluate=False)
        self.eval_steps = eval_steps
        self.accuracies = list(accuracies)
        self.model = SmallCNN()

    def _event(self, name, **kwargs):
        for cb in self.callbacks:
            result = getattr(cb, name)(self.args, self.state, self.control, model=self.model, **kwargs)
            if result is not None:
                self.control = result

    def train(self):
        self._event("on_train_begin")
        while self.state.global_step < self.state.max_steps:
            self.state.global_step += 1
            if self.state.global_step % self.eval_steps == 0:
                acc = self.accuracies.pop(0)
                self._event("on_evaluate", metrics={"eval_loss": 1 - acc, "eval_accuracy": acc, "epoch": 1.0})
                self._event("on_save")
            if self.control.should_training_stop:
                break
        self._event("on_train_end")


class HuggingFaceTest(ScorerTestCase):
    def fake(self):
        return FakeModules({"transformers": module("transformers", TrainerCallback=HFTrainerCallbackBase)},
                           "weightcast.integrations.huggingface")

    def test_a_checkpoint_per_evaluation_with_canonical_metrics(self):
        with self.fake() as integration:
            cb = integration.WeightcastTrainerCallback(self.client, study="hf", run_id="hf-1")
            trainer = FakeHFTrainer([cb], max_steps=30, eval_steps=10, accuracies=[0.5, 0.6, 0.7])
            trainer.train()
        files = loaded(self.transport, "hf-1")
        self.assertEqual([f.metadata["step"] for f in files], ["10", "20", "30"])
        self.assertEqual(files[0].metadata["planned_steps"], "30")
        metrics = json.loads(files[1].metadata["metrics"])
        self.assertEqual((metrics["eval_accuracy"], metrics["val_acc"]), (0.6, 0.6))
        self.assertAlmostEqual(metrics["val_loss"], 0.4)
        hparams = json.loads(files[0].metadata["hparams"])
        self.assertEqual((hparams["learning_rate"], hparams["lr_scheduler_type"], hparams["seed"]), (5e-5, "linear", 42))
        self.assertNotIn("output_dir", hparams)
        self.assertEqual(self.transport.events("hf-1")[-1]["final"]["test_accuracy"], 0.7)

    def test_should_training_stop_on_weightcasts_decision(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 2))
        with self.fake() as integration:
            cb = integration.WeightcastTrainerCallback(self.client, run_id="hf-2")
            trainer = FakeHFTrainer([cb], max_steps=100, eval_steps=10, accuracies=[0.1] * 10)
            trainer.train()
        self.assertTrue(trainer.control.should_training_stop)
        self.assertEqual(trainer.state.global_step, 20)
        self.assertEqual([e["type"] for e in self.transport.events("hf-2")], ["started"])

    def test_checkpoint_on_save(self):
        with self.fake() as integration:
            cb = integration.WeightcastTrainerCallback(self.client, run_id="hf-3", checkpoint_on="save")
            FakeHFTrainer([cb], max_steps=20, eval_steps=10, accuracies=[0.3, 0.4]).train()
            with self.assertRaises(ValueError):
                integration.WeightcastTrainerCallback(self.client, checkpoint_on="epoch")
        files = loaded(self.transport, "hf-3")
        self.assertEqual([f.metadata["step"] for f in files], ["10", "20"])
        self.assertEqual(json.loads(files[1].metadata["metrics"])["val_acc"], 0.4, "the last evaluation's metrics")


# ---------------------------------------------------------------------------------------------- Keras

class KerasCallbackBase:
    """keras.callbacks.Callback as documented (Keras 3 API, "Base Callback class"): ``set_model(model)``,
    ``set_params(params)`` (``epochs``, ``steps``, ``verbose``), ``on_train_begin(logs=None)``,
    ``on_epoch_end(epoch, logs=None)`` (epoch 0-based), ``on_train_end(logs=None)``; ``self.model``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class KerasVariable:
    """A Keras 3 variable: ``name`` ('kernel'), ``path`` ('conv1/kernel'), ``numpy()``."""

    def __init__(self, layer, name, value):
        self.name, self.path, self._value = name, f"{layer}/{name}", np.asarray(value)

    def numpy(self):
        return self._value


class TfKerasVariable(KerasVariable):
    """tf.keras 2: ``name`` is 'conv1/kernel:0'."""

    def __init__(self, layer, name, value):
        super().__init__(layer, name, value)
        self.name = f"{layer}/{name}:0"


def keras_layer(cls_name, name, weights, variable=KerasVariable):
    cls = type(cls_name, (), {})
    layer = cls()
    layer.name = name
    layer.weights = [variable(name, w, v) for w, v in weights]
    return layer


class FakeKerasModel:
    def __init__(self, layers, name="model"):
        self.layers = layers
        self.name = name
        self.stop_training = False


def fit(model, callbacks, epochs, curve):
    """Model.fit's callback order: set_model, set_params, on_train_begin, per epoch on_epoch_end(epoch,
    logs) then a check of ``model.stop_training``, on_train_end."""
    for cb in callbacks:
        cb.set_model(model)
        cb.set_params({"epochs": epochs, "steps": 10, "verbose": 0})
        cb.on_train_begin()
    done = 0
    for epoch in range(epochs):
        logs = {"loss": 1.0 - curve[epoch] / 2, "accuracy": curve[epoch] + 0.05, "val_loss": 1.0 - curve[epoch],
                "val_accuracy": curve[epoch]}
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        done += 1
        if model.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end()
    return done


class KerasTest(ScorerTestCase):
    def fake(self):
        return FakeModules({"keras": module("keras"), "keras.callbacks": module("keras.callbacks", Callback=KerasCallbackBase)},
                           "weightcast.integrations.keras")

    def test_layouts_match_pytorch_functionally(self):
        """The converted kernels compute in torch what the Keras-layout kernels compute by Keras' definition
        (Conv2D: HWIO cross-correlation over NHWC; Dense: x @ kernel + bias; DepthwiseConv2D: channel c*mult+m
        from input channel c), and carry PyTorch's names."""
        rng = np.random.default_rng(0)
        conv_k, conv_b = rng.normal(size=(3, 3, 2, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32)
        dense_k, dense_b = rng.normal(size=(4, 5)).astype(np.float32), rng.normal(size=5).astype(np.float32)
        dw_k = rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
        bn = [rng.normal(size=4).astype(np.float32) for _ in range(4)]
        model = FakeKerasModel([
            keras_layer("Conv2D", "conv1", [("kernel", conv_k), ("bias", conv_b)]),
            keras_layer("BatchNormalization", "bn1", list(zip(["gamma", "beta", "moving_mean", "moving_variance"], bn)),
                        variable=TfKerasVariable),
            FakeKerasModel([keras_layer("DepthwiseConv2D", "dw", [("depthwise_kernel", dw_k)])], name="block"),
            keras_layer("Dense", "fc", [("kernel", dense_k), ("bias", dense_b)]),
        ])
        with self.fake() as integration:
            sd = integration.keras_state_dict(model)
        self.assertEqual(list(sd), ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                    "bn1.running_var", "block.dw.depthwise_kernel", "fc.weight", "fc.bias"])
        # shapes as PyTorch's own modules have them
        self.assertEqual(sd["conv1.weight"].shape, nn.Conv2d(2, 4, 3).weight.shape)
        self.assertEqual(sd["fc.weight"].shape, nn.Linear(4, 5).weight.shape)
        self.assertEqual(sd["block.dw.depthwise_kernel"].shape, nn.Conv2d(2, 4, 3, groups=2).weight.shape)
        bn_torch = nn.BatchNorm2d(4)
        self.assertEqual(set(k for k in bn_torch.state_dict() if k != "num_batches_tracked"),
                         {k.split(".", 1)[1] for k in sd if k.startswith("bn1.")})
        # Conv2D by Keras' definition vs torch with the converted weight
        x = rng.normal(size=(1, 6, 6, 2)).astype(np.float32)  # NHWC
        keras_out = np.zeros((1, 4, 4, 4), np.float32)
        for yy in range(4):
            for xx in range(4):
                keras_out[0, yy, xx] = np.einsum("hwi,hwio->o", x[0, yy:yy + 3, xx:xx + 3], conv_k) + conv_b
        torch_out = F.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(sd["conv1.weight"]),
                             torch.from_numpy(sd["conv1.bias"])).permute(0, 2, 3, 1).numpy()
        np.testing.assert_allclose(torch_out, keras_out, rtol=1e-5, atol=1e-5)
        # DepthwiseConv2D (depth multiplier 2)
        keras_dw = np.zeros((1, 4, 4, 4), np.float32)
        for yy in range(4):
            for xx in range(4):
                for c in range(2):
                    for m in range(2):
                        keras_dw[0, yy, xx, c * 2 + m] = np.sum(x[0, yy:yy + 3, xx:xx + 3, c] * dw_k[:, :, c, m])
        torch_dw = F.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(sd["block.dw.depthwise_kernel"]),
                            groups=2).permute(0, 2, 3, 1).numpy()
        np.testing.assert_allclose(torch_dw, keras_dw, rtol=1e-5, atol=1e-5)
        # Dense
        v = rng.normal(size=(3, 4)).astype(np.float32)
        np.testing.assert_allclose(F.linear(torch.from_numpy(v), torch.from_numpy(sd["fc.weight"]),
                                            torch.from_numpy(sd["fc.bias"])).numpy(), v @ dense_k + dense_b, rtol=1e-5)

    def test_the_same_network_gives_the_same_checkpoint_as_pytorch(self):
        """A torch CNN and the Keras model holding its weights (in Keras' layouts) publish identical tensors."""
        torch_model = SmallCNN()
        sd = torch_model.state_dict()
        keras_model = FakeKerasModel([
            keras_layer("Conv2D", "conv1", [("kernel", sd["conv1.weight"].numpy().transpose(2, 3, 1, 0)),
                                            ("bias", sd["conv1.bias"].numpy())]),
            keras_layer("GlobalAveragePooling2D", "pool", []),
            keras_layer("Dense", "fc", [("kernel", sd["fc.weight"].numpy().T), ("bias", sd["fc.bias"].numpy())]),
        ])
        with self.fake() as integration:
            run = self.client.start_run(run_id="k-same")
            from_keras = st.load(run.checkpoint_bytes(integration.keras_state_dict(keras_model), step=1))
            from_torch = st.load(run.checkpoint_bytes(sd, step=1))
        self.assertEqual(from_keras.names(), from_torch.names())
        for a, b in zip(from_keras.tensors, from_torch.tensors):
            self.assertEqual((a.dtype, a.shape, a.data), (b.dtype, b.shape, b.data), a.name)
        self.assertEqual(from_keras.metadata["layers"], from_torch.metadata["layers"])

    def test_callback_publishes_per_epoch_and_stops_training(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 3, runs={"k-2"}))
        model = FakeKerasModel([keras_layer("Dense", "fc", [("kernel", np.ones((4, 2), np.float32)),
                                                            ("bias", np.zeros(2, np.float32))])])
        with self.fake() as integration:
            cb = integration.WeightcastKerasCallback(self.client, study="k", run_id="k-1")
            self.assertIsInstance(cb, KerasCallbackBase)
            self.assertEqual(fit(model, [cb], 3, [0.5, 0.6, 0.7]), 3)
            stopper = integration.WeightcastKerasCallback(self.client, study="k", run_id="k-2")
            model.stop_training = False
            self.assertEqual(fit(model, [stopper], 10, [0.1] * 10), 3)
        files = loaded(self.transport, "k-1")
        self.assertEqual([f.metadata["step"] for f in files], ["1", "2", "3"])
        self.assertEqual(files[0].metadata["framework"], "keras")
        self.assertEqual(files[0]["fc.weight"].shape, (2, 4))
        metrics = json.loads(files[2].metadata["metrics"])
        self.assertEqual((metrics["val_acc"], metrics["train_acc"], metrics["train_loss"]), (0.7, 0.75, 0.65))
        finished = self.transport.events("k-1")[-1]
        self.assertEqual((finished["type"], finished["final"]["test_accuracy"]), ("finished", 0.7))
        self.assertTrue(model.stop_training)
        self.assertEqual([e["type"] for e in self.transport.events("k-2")], ["started"])


# -------------------------------------------------------------------------------------------- Ray Tune

class RayStopperBase(abc.ABC):
    """ray.tune.stopper.Stopper as documented (Ray Tune API, "Stopping mechanisms"): an abstract class
    with ``__call__(self, trial_id: str, result: dict) -> bool`` and ``stop_all(self) -> bool``."""

    @abc.abstractmethod
    def __call__(self, trial_id, result):
        raise NotImplementedError

    @abc.abstractmethod
    def stop_all(self):
        raise NotImplementedError


def tune_run(trials, stopper, client):
    """Ray Tune's use of a stopper: after every result a trial reports, ``stopper(trial_id, result)``;
    True stops that trial; ``stop_all()`` True ends the experiment. Each trial publishes a checkpoint
    per iteration through the client and reports ``weightcast_run_id``."""
    reached = {}
    runs = {t: client.start_run(study="tune", run_id=f"run-of-{t}") for t in trials}
    for it in range(1, 6):
        for t in trials:
            if t in reached:
                continue
            runs[t].log_checkpoint({"w": np.full((2, 2), it, np.float32)}, step=it, metrics={"val_acc": it / 10})
            result = {"val_acc": it / 10, "training_iteration": it, "weightcast_run_id": runs[t].run_id}
            if stopper(t, result):
                reached[t] = it
        if stopper.stop_all():
            return reached, it
    return reached, 5


class RayTest(ScorerTestCase):
    def fake(self):
        return FakeModules({"ray": module("ray"), "ray.tune": module("ray.tune"),
                            "ray.tune.stopper": module("ray.tune.stopper", Stopper=RayStopperBase)},
                           "weightcast.integrations.ray")

    def test_stops_the_trials_weightcast_stops(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 2, runs={"run-of-t2"}))
        with self.fake() as integration:
            stopper = integration.WeightcastStopper(client=self.client)
            self.assertIsInstance(stopper, RayStopperBase)
            reached, iterations = tune_run(["t1", "t2", "t3"], stopper, self.client)
        self.assertEqual(reached, {"t2": 2})
        self.assertEqual(iterations, 5)
        self.assertEqual(stopper.reasons["t2"]["kind"], "EARLY_STOP_CANDIDATE")
        self.assertFalse(stopper.stop_all())

    def test_run_id_for_and_stop_all(self):
        ScriptedScorer.decide = staticmethod(stop_after(self.transport, 1))
        with self.fake() as integration:
            stopper = integration.WeightcastStopper(client=self.client, stop_all_when=lambda stopped: len(stopped) >= 2)
            reached, iterations = tune_run(["a", "b", "c"], stopper, self.client)
            by_name = integration.WeightcastStopper(weightcast.open_reader(scorer_url=self.url),
                                                    run_id_for=lambda trial_id: f"run-of-{trial_id}")
            self.assertTrue(by_name("a", {}), "the run named by run_id_for")
            self.assertFalse(by_name("zzz", {}), "an unknown run")
        self.assertEqual(iterations, 1)
        self.assertEqual(set(reached), {"a", "b", "c"})


class IntegrationsPackageTest(unittest.TestCase):
    def test_without_the_framework_the_import_error_says_what_to_install(self):
        checked = 0
        for name, hint in [("weightcast.integrations.lightning", "lightning"),
                           ("weightcast.integrations.huggingface", "transformers"),
                           ("weightcast.integrations.keras", "keras"), ("weightcast.integrations.ray", "ray")]:
            if importlib.util.find_spec(hint) is not None:
                continue  # installed here: nothing to check
            checked += 1
            sys.modules.pop(name, None)
            with self.assertRaises(ImportError) as ctx:
                importlib.import_module(name)
            self.assertIn(hint, str(ctx.exception))
        if checked == 0:
            self.skipTest("every framework is installed")


if __name__ == "__main__":
    unittest.main()
