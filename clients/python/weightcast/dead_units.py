"""Dead ReLU units measured on the batches a training loop already runs (``run.watch(model)``).

A unit (an output channel of a conv layer, an output feature of a linear layer) is *dead* when the
ReLU it feeds outputs 0 for every input in the sample, i.e. its pre-activation is <= 0 at every
position of every sampled input: the definition ``zoo.py`` measures and the DYING_RELU classifier
is trained on. The fraction of dead units per layer is reported as ``dead_fraction/<layer>``, where
``<layer>`` is the module name of the conv/linear layer whose units they are (its tensor-name
prefix in the ``state_dict``: ``conv3`` for ``conv3.weight``), so it lines up with the per-layer
weight features on the Java side.

How it is measured:

* forward hooks on every ``nn.ReLU`` and ``nn.ReLU6`` module (their floor is 0: a unit is dead when
  its output is <= 0 everywhere); the output is reduced to one max per unit (over every dim but the
  unit dim: dim 1 for conv outputs, the last dim for linear outputs), kept as a running max;
* each ReLU call is attributed to the conv/linear layer that ran last before it in the same
  forward pass (so a shared ``self.relu`` used after several layers, and conv -> BatchNorm ->
  ReLU, are attributed correctly); an attribution whose unit count does not match the layer's is
  skipped (e.g. a Flatten or a pooling between them changed the shape);
* functional ``F.relu``/``torch.relu``/``x.relu()`` (no module to hook) is found by tracing the
  model once with ``torch.fx``: where such a call's input comes from a module (a conv/linear layer,
  possibly through norm layers), that module's output is measured as the pre-activation
  (dead <= 0 everywhere, which is exactly "the ReLU outputs 0"). A model fx cannot trace (data-
  dependent control flow) gets module ReLUs only; this is logged once;
* only the first ``batches`` forward passes of the model per mode (train / eval) after each report
  are measured (the hooks return at once otherwise); at each report the eval-mode sample is used
  when there is one (end-of-epoch weights, no dropout, as zoo.py measures), else the train-mode one.

Not measured: LeakyReLU, PReLU, RReLU, ELU, SELU, CELU, GELU, SiLU, Mish, Softplus, tanh, sigmoid.
Their units keep a non-zero gradient for negative inputs, so "negative on every input" is not the
dead-unit state DYING_RELU means (no signal, no gradient); reporting it would teach the classifier
wrong labels. Hooks never raise into the training loop: an exception inside one is caught,
counted (``errors``) and logged once.
"""

import logging
from typing import Dict, List, Optional

log = logging.getLogger("weightcast")

#: Default number of forward passes measured per mode (train, eval) between two reports.
DEFAULT_BATCHES = 8
METRIC_PREFIX = "dead_fraction/"


def _torch():
    import torch  # imported here: the client itself does not need torch
    return torch


def _is_weight_layer(module) -> bool:
    """A layer whose output units are its weight's rows: conv, linear (a weight of 2+ dims)."""
    w = module._parameters.get("weight") if hasattr(module, "_parameters") else None
    return w is not None and w.dim() >= 2


def _units(module) -> Optional[int]:
    """How many output units the layer has (out_channels / out_features), None if unknown."""
    nn = _torch().nn
    if isinstance(module, nn.modules.conv._ConvNd):
        return int(module.out_channels)
    if isinstance(module, (nn.Linear, nn.Bilinear)):
        return int(module.out_features)
    return None


def _unit_dim(module, out) -> int:
    """Which dim of the output indexes the layer's units."""
    nn = _torch().nn
    if isinstance(module, (nn.Linear, nn.Bilinear)):
        return out.dim() - 1
    if isinstance(module, nn.modules.conv._ConvNd):
        spatial = len(module.kernel_size)
        return 1 if out.dim() == spatial + 2 else 0  # batched (N, C, ...) or unbatched (C, ...)
    return 1 if out.dim() >= 2 else 0


class DeadUnitMonitor:
    """Measures per-layer dead-unit fractions of ``model`` on a few of the batches the loop runs.

    ``collect(step)`` returns ``{"dead_fraction/<layer>": fraction}`` for the batches seen since the
    previous report (empty when none was measured) and starts a new window; a second call for the
    same step returns the same result (log_checkpoint and log_metrics of one epoch agree).
    """

    def __init__(self, model, batches: int = DEFAULT_BATCHES, functional: bool = True):
        torch = _torch()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"watch() needs a torch.nn.Module, got {type(model).__name__}")
        if isinstance(batches, bool) or not isinstance(batches, int) or batches <= 0:
            raise ValueError(f"batches must be a positive integer, was {batches!r}")
        self.model = model
        self.batches = batches
        self.errors = 0  # exceptions caught inside hooks
        self.skipped = 0  # activation calls whose shape did not match the layer they were attributed to
        self._handles: List = []
        self._names = {}  # module -> name (named_modules)
        self._active: Optional[str] = None  # "train"/"eval" while a sampled forward runs
        self._last_layer: Optional[str] = None  # the weight layer that ran last in this forward
        self._seen = {"train": 0, "eval": 0}
        self._peak: Dict[str, Dict[str, object]] = {"train": {}, "eval": {}}  # mode -> layer -> max output per unit
        self._cache = None  # (step, result)
        self._reduce_dims = {}  # (ndim, unit dim) -> the dims reduced
        self._warned = False
        self.layers: List[str] = []  # layers an activation was found for (registration order)
        self.functional_layers: List[str] = []  # of these, the ones found behind a functional relu (torch.fx)
        self._setup(functional)

    # ---------------------------------------------------------------- setup

    def _setup(self, functional: bool) -> None:
        nn = _torch().nn
        modules = dict(self.model.named_modules())
        self._modules = modules
        self._names = {m: n for n, m in modules.items()}
        # traced first: no hook of ours may exist while fx runs the forward symbolically
        functional_sources = self._functional_sources(modules) if functional else []
        previous_weight: Optional[str] = None
        self._registration_layer = {}  # activation module name -> last weight layer before it (fallback)
        relus = []
        for name, m in modules.items():
            if _is_weight_layer(m) and name:
                previous_weight = name
                self._handles.append(m.register_forward_hook(self._weight_hook(name)))
            elif isinstance(m, (nn.ReLU, nn.ReLU6)):
                self._registration_layer[name] = previous_weight
                relus.append(m)
        for m in relus:
            self._handles.append(m.register_forward_hook(self._activation_hook(None)))
        for source, layer in functional_sources:
            self._handles.append(modules[source].register_forward_hook(self._activation_hook(layer)))
        self.functional_layers = [layer for _, layer in functional_sources]
        layers = set(self._registration_layer.values()) | set(self.functional_layers)
        self.layers = [n for n in modules if n in layers]
        self._handles.append(self.model.register_forward_pre_hook(self._root_pre_hook))
        self._handles.append(self.model.register_forward_hook(self._root_hook))

    def _functional_sources(self, modules):
        """(module whose output feeds a functional relu, weight layer it belongs to), via torch.fx."""
        torch = _torch()
        F = torch.nn.functional
        try:
            graph = torch.fx.symbolic_trace(self.model).graph
        except Exception as e:  # data-dependent control flow, unsupported ops, ...
            log.info("weightcast: cannot trace %s with torch.fx (%s: %s); functional relu calls are not "
                     "measured, nn.ReLU modules are", type(self.model).__name__, type(e).__name__, str(e)[:200])
            return []
        functions = {F.relu, torch.relu, torch.relu_, F.relu6}
        out = []
        for node in graph.nodes:
            is_relu = ((node.op == "call_function" and node.target in functions)
                       or (node.op == "call_method" and node.target in ("relu", "relu_")))
            if not is_relu or not node.args or not isinstance(node.args[0], torch.fx.Node):
                continue
            source = node.args[0]
            if source.op != "call_module" or source.target not in modules:
                continue
            # walk back through norm/dropout-like modules (no 2-d weight) to the layer that owns the units
            layer = source
            while (layer is not None and layer.op == "call_module" and layer.target in modules
                   and not _is_weight_layer(modules[layer.target])):
                nxt = layer.args[0] if layer.args and isinstance(layer.args[0], torch.fx.Node) else None
                layer = nxt
            if layer is None or layer.op != "call_module" or layer.target not in modules:
                continue
            pair = (source.target, layer.target)
            if pair not in out and not isinstance(modules[source.target], (torch.nn.ReLU, torch.nn.ReLU6)):
                out.append(pair)
        return out

    # ---------------------------------------------------------------- hooks (never raise)

    def _failed(self, e: BaseException) -> None:
        self.errors += 1
        if not self._warned:
            self._warned = True
            log.warning("weightcast: measuring dead units failed (%s: %s); training goes on, this run's "
                        "dead fractions may be missing (further errors are counted, not logged)",
                        type(e).__name__, e)

    def _root_pre_hook(self, module, args):
        try:
            self._last_layer = None
            mode = "train" if module.training else "eval"
            if self._seen[mode] < self.batches:
                self._seen[mode] += 1
                self._active = mode
            else:
                self._active = None
        except Exception as e:
            self._failed(e)

    def _root_hook(self, module, args, output):
        self._active = None

    def _weight_hook(self, name: str):
        def hook(module, args, output):
            if self._active is not None:
                self._last_layer = name
        return hook

    def _activation_hook(self, layer: Optional[str]):
        """``layer`` fixed (functional relu: the hooked module's output is the pre-activation) or None
        (a ReLU module: attributed to the weight layer that ran last)."""
        def hook(module, args, output):
            mode = self._active
            if mode is None:
                return
            try:
                self._measure(mode, module, layer, output)
            except Exception as e:
                self._failed(e)
        return hook

    def _measure(self, mode: str, module, layer: Optional[str], output) -> None:
        torch = _torch()
        if layer is None:
            layer = self._last_layer or self._registration_layer.get(self._names.get(module))
            if layer is None:
                return
        owner = self._modules[layer]
        if not isinstance(output, torch.Tensor) or output.dim() == 0:
            return
        dim = _unit_dim(owner, output)
        units = _units(owner)
        if units is not None and output.shape[dim] != units:
            self.skipped += 1
            return
        out = output.detach()  # no graph: nothing of this reaches autograd
        reduce = self._reduce_dims.get((out.dim(), dim))
        if reduce is None:
            reduce = self._reduce_dims[(out.dim(), dim)] = [d for d in range(out.dim()) if d != dim]
        peak = out.amax(dim=reduce) if reduce else out.clone()  # the largest output of each unit
        known = self._peak[mode].get(layer)
        if known is None or known.shape != peak.shape:
            self._peak[mode][layer] = peak
        else:
            self._peak[mode][layer] = torch.maximum(known, peak)  # not in place (inference-mode tensors)

    # ---------------------------------------------------------------- results

    def fractions(self) -> Dict[str, float]:
        """The current window's dead fraction per layer (eval-mode sample if any, else train-mode)."""
        mode = "eval" if self._peak["eval"] else "train"
        peak = self._peak[mode]
        order = {n: i for i, n in enumerate(self._names.values())}
        return {METRIC_PREFIX + name: float((peak[name] <= 0).float().mean().item())
                for name in sorted(peak, key=lambda n: order.get(n, len(order)))}

    def reset(self) -> None:
        """Starts a new window: the next ``batches`` forward passes per mode are measured."""
        self._seen = {"train": 0, "eval": 0}
        self._peak = {"train": {}, "eval": {}}

    def collect(self, step: Optional[int] = None) -> Dict[str, float]:
        """The window's fractions, then a new window; the same result again for the same ``step``."""
        if step is not None and self._cache is not None and self._cache[0] == step:
            return dict(self._cache[1])
        try:
            result = self.fractions()
        except Exception as e:
            self._failed(e)
            result = {}
        self.reset()
        self._cache = (step, result) if step is not None else None
        return dict(result)

    @property
    def watching(self) -> bool:
        return bool(self._handles)

    def remove(self) -> None:
        """Removes every hook this monitor registered (idempotent)."""
        for h in self._handles:
            h.remove()
        self._handles = []
        self._active = None
