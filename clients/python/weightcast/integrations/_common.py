"""What the framework integrations share: metric names, scalars, the client they publish through."""

import logging
import math
import numbers
from typing import Dict, Mapping, Optional

log = logging.getLogger("weightcast")

#: Framework metric names -> the names Weightcast's learning-curve features read (train_loss,
#: train_acc, val_loss, val_acc). The original key is kept; the canonical one is added when missing.
ALIASES = {
    "loss": "train_loss", "train/loss": "train_loss", "training_loss": "train_loss",
    "accuracy": "train_acc", "acc": "train_acc", "train_accuracy": "train_acc", "train/acc": "train_acc",
    "val_accuracy": "val_acc", "valid_acc": "val_acc", "val/acc": "val_acc", "validation_accuracy": "val_acc",
    "eval_accuracy": "val_acc", "eval_acc": "val_acc",
    "valid_loss": "val_loss", "val/loss": "val_loss", "validation_loss": "val_loss", "eval_loss": "val_loss",
}


def scalar(value) -> Optional[float]:
    """A finite-or-not float from a Python/numpy number or a one-element tensor; None for anything else."""
    try:
        if hasattr(value, "numel") and callable(value.numel) and value.numel() != 1:
            return None
        if hasattr(value, "size") and not callable(value.size) and value.size != 1:
            return None
        if hasattr(value, "item") and callable(value.item):
            value = value.item()
    except (TypeError, ValueError, RuntimeError):
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def metrics_of(raw: Optional[Mapping[str, object]]) -> Dict[str, float]:
    """The scalar metrics of a framework's dict, plus the canonical names of the known aliases."""
    out: Dict[str, float] = {}
    for key, value in (raw or {}).items():
        v = scalar(value)
        if v is not None:
            out[str(key)] = v
    for key, canonical in ALIASES.items():
        if key in out and canonical not in out:
            out[canonical] = out[key]
    return out


def scalar_hparams(raw: Optional[Mapping[str, object]]) -> Dict[str, object]:
    """The JSON-able scalars of a hyper-parameter mapping (strings, bools, finite numbers)."""
    out: Dict[str, object] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, (str, bool)):
            out[str(key)] = value
            continue
        v = scalar(value)
        if v is not None and math.isfinite(v):
            out[str(key)] = int(v) if isinstance(value, numbers.Integral) else v
    return out


def client_for(client, client_options: Mapping[str, object]):
    """``client`` when given (the caller owns it), else a new ``Weightcast`` from the options and the
    environment (owned by the integration, closed when the run ends). Returns (client, owned)."""
    if client is not None:
        if client_options:
            raise TypeError("give either a Weightcast client or client options, not both")
        return client, False
    from ..client import Weightcast
    return Weightcast(**client_options), True


class RunHolder:
    """One Weightcast run driven by a framework's hooks: started at train start, a checkpoint per
    evaluation, finished at train end with ``final_metric`` as the test accuracy (unless Weightcast
    stopped it: a cut-short run gets no ``finished``, it is no label)."""

    def __init__(self, client, client_options: Mapping[str, object], *, study: Optional[str], hparams,
                 run_id: Optional[str], activation: Optional[str], planned_steps: Optional[int], framework: str,
                 stop: bool, final_metric: Optional[str]):
        self._client_arg = client
        self._client_options = dict(client_options)
        if client is not None and client_options:
            raise TypeError("give either a Weightcast client or client options, not both")
        self.study = study
        self.hparams = dict(hparams) if hparams else None
        self.run_id = run_id
        self.activation = activation
        self.planned_steps = planned_steps
        self.framework = framework
        self.stop = stop
        self.final_metric = final_metric
        self.run = None
        self.stopped = False
        self.last_metrics: Dict[str, float] = {}
        self.logged_steps = set()
        self._owned = False

    def start(self, planned_steps: Optional[int] = None, hparams=None, model=None):
        if self.run is not None:
            return self.run
        client, self._owned = client_for(self._client_arg, self._client_options)
        planned = self.planned_steps or (planned_steps if planned_steps and planned_steps > 0 else None)
        try:
            self.run = client.start_run(study=self.study, hparams=self.hparams if self.hparams is not None else hparams,
                                        planned_steps=planned, activation=self.activation, run_id=self.run_id,
                                        framework=self.framework, model=model)
        except BaseException:
            if self._owned:
                client.close()
            raise
        return self.run

    def checkpoint(self, state_dict, step: int, metrics: Mapping[str, float]) -> bool:
        """Logs the checkpoint; True when Weightcast says the run should stop (and ``stop`` is on)."""
        if self.run is None or self.run.finished:
            return False
        self.last_metrics = dict(metrics)
        self.run.log_checkpoint(state_dict, step=int(step), metrics=metrics)
        self.logged_steps.add(int(step))
        if self.stop and not self.stopped and self.run.should_stop():
            self.stopped = True
            reason = self.run.stop_reason() or {}
            log.warning("weightcast: stopping run %s at step %s (%s)", self.run.run_id, step, reason.get("kind"))
        return self.stopped

    def end(self, final_metrics: Optional[Mapping[str, float]] = None) -> None:
        """Finishes the run with ``final_metric`` (from ``final_metrics`` or the last evaluation), or closes
        it without a label when Weightcast stopped it or the metric is missing."""
        run, self.run = self.run, None
        if run is None or run.finished:
            return
        metrics = dict(self.last_metrics)
        metrics.update(final_metrics or {})
        value = metrics.get(self.final_metric) if self.final_metric else None
        try:
            if self.stopped:
                run.close()
            elif value is not None and math.isfinite(value):
                train = metrics.get("train_acc")
                run.finish(test_accuracy=value, train_accuracy=train if train is not None and math.isfinite(train) else None)
            else:
                log.warning("weightcast: run %s ends without '%s' among the metrics (%s): no finished event (the run is "
                            "no label); call run.finish(test_accuracy=...) yourself", run.run_id, self.final_metric,
                            ", ".join(sorted(metrics)) or "none")
                run.close()
        finally:
            if self._owned:
                run.client.close()

    def abort(self) -> None:
        """The loop failed: deliver what was sent, no ``finished``."""
        run, self.run = self.run, None
        if run is not None and not run.finished:
            try:
                run.close()
            finally:
                if self._owned:
                    run.client.close()
