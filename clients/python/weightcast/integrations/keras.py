"""Keras: ``WeightcastKerasCallback`` publishes a checkpoint per epoch in PyTorch's naming and layout,
so its features mean what they mean for a PyTorch run; ``keras_state_dict`` does the conversion.

    from weightcast.integrations.keras import WeightcastKerasCallback
    model.fit(x, y, epochs=18, validation_data=(xv, yv),
              callbacks=[WeightcastKerasCallback(study="my-sweep", activation="relu")])

Hooks (``keras.callbacks.Callback``'s documented methods; Keras sets ``self.model`` and
``self.params``): ``on_train_begin(logs)`` starts the run (``planned_steps`` = ``params["epochs"]``);
``on_epoch_end(epoch, logs)`` logs the weights at step ``epoch + 1`` with ``logs`` (``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``, ... also as ``train_loss``/``train_acc``/``val_loss``/
``val_acc``) and, with ``stop=True``, sets ``self.model.stop_training`` when ``run.should_stop()``;
``on_train_end(logs)`` sends ``finished`` with ``final_metric`` (default ``val_acc``) of the last epoch,
or no label when Weightcast stopped the run or the metric is missing.

Layout conversion (``keras_state_dict``): tensors are named ``<layer name>.<weight>``, as a PyTorch
module of the same name would call them; ``kernel`` -> ``weight`` transposed to PyTorch's layout
(Dense ``(in, out)`` -> ``(out, in)``; Conv1D/2D/3D ``(*kernel, in, out)`` -> ``(out, in, *kernel)``;
Conv2DTranspose ``(kh, kw, out, in)`` -> ``(in, out, kh, kw)``; DepthwiseConv2D ``(kh, kw, in, mult)`` ->
``(in*mult, 1, kh, kw)``, kept as ``depthwise_kernel``; SeparableConv2D's ``pointwise_kernel`` as a 1×1
Conv2D), ``bias`` stays, BatchNormalization's ``gamma``/``beta``/``moving_mean``/``moving_variance`` ->
``weight``/``bias``/``running_mean``/``running_var``, LayerNormalization's
``gamma``/``beta`` -> ``weight``/``bias``, Embedding's ``embeddings`` -> ``weight``. Nested models are
walked (``outer.inner.weight``). Other weights keep their name and layout.
"""

from collections import OrderedDict
from typing import Mapping, Optional

import numpy as np

from ._common import RunHolder, metrics_of

try:
    from keras.callbacks import Callback
except ImportError:  # pragma: no cover - depends on what is installed
    try:
        from tensorflow.keras.callbacks import Callback
    except ImportError as e:
        raise ImportError("weightcast.integrations.keras needs Keras (pip install keras)") from e

_RENAME = {"kernel": "weight", "gamma": "weight", "beta": "bias", "moving_mean": "running_mean",
           "moving_variance": "running_var", "embeddings": "weight", "bias": "bias"}


def _weight_name(variable) -> str:
    """'kernel' from Keras 3's ``name`` ('kernel') or tf.keras 2's ('dense/kernel:0')."""
    name = str(getattr(variable, "name", "") or getattr(variable, "path", ""))
    return name.split("/")[-1].split(":")[0]


def _numpy(variable) -> np.ndarray:
    value = variable.numpy() if hasattr(variable, "numpy") else variable
    return np.asarray(value)


def to_torch_layout(layer_class: str, weight: str, value: np.ndarray) -> np.ndarray:
    """One Keras weight in PyTorch's layout (see the module's doc)."""
    if weight not in ("kernel", "depthwise_kernel", "pointwise_kernel"):
        return value
    if layer_class == "DepthwiseConv2D" or weight == "depthwise_kernel":
        kh, kw, cin, mult = value.shape
        return np.ascontiguousarray(value.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw))
    if value.ndim == 2:  # Dense: (in, out) -> (out, in)
        return np.ascontiguousarray(value.T)
    if value.ndim >= 3:  # Conv: (*kernel, in, out) -> (out, in, *kernel); ConvTranspose: (*k, out, in) -> (in, out, *k)
        k = value.ndim - 2
        return np.ascontiguousarray(value.transpose((k + 1, k) + tuple(range(k))))
    return value


def _layers(model, prefix: str = ""):
    for layer in getattr(model, "layers", None) or []:
        name = prefix + str(layer.name)
        if getattr(layer, "layers", None):  # a nested model
            yield from _layers(layer, name + ".")
        else:
            yield name, layer


def keras_state_dict(model) -> "OrderedDict[str, np.ndarray]":
    """A Keras model's weights as a PyTorch-style state_dict of numpy arrays (names and layouts above)."""
    out: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for name, layer in _layers(model):
        cls = type(layer).__name__
        for variable in getattr(layer, "weights", None) or []:
            weight = _weight_name(variable)
            key = f"{name}.{_RENAME.get(weight, weight)}"
            if key in out:  # two weights mapped to one name: keep both, the second under its Keras name
                key = f"{name}.{weight}"
            out[key] = to_torch_layout(cls, weight, _numpy(variable))
    return out


class WeightcastKerasCallback(Callback):
    """Publishes a checkpoint per epoch; ``model.stop_training`` on Weightcast's decision."""

    def __init__(self, client=None, *, study: Optional[str] = None, hparams: Optional[Mapping[str, object]] = None,
                 run_id: Optional[str] = None, activation: Optional[str] = None, planned_steps: Optional[int] = None,
                 final_metric: Optional[str] = "val_acc", stop: bool = True, **client_options):
        super().__init__()
        self.holder = RunHolder(client, client_options, study=study, hparams=hparams, run_id=run_id,
                                activation=activation, planned_steps=planned_steps, framework="keras",
                                stop=stop, final_metric=final_metric)

    @property
    def run(self):
        return self.holder.run

    def on_train_begin(self, logs=None):
        epochs = (getattr(self, "params", None) or {}).get("epochs")
        self.holder.start(planned_steps=epochs if isinstance(epochs, int) else None)

    def on_epoch_end(self, epoch, logs=None):
        if self.holder.run is None:
            return
        if self.holder.checkpoint(keras_state_dict(self.model), int(epoch) + 1, metrics_of(logs)):
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.holder.end()
