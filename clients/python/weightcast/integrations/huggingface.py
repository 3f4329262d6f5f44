"""Hugging Face ``transformers.Trainer``: ``WeightcastTrainerCallback`` publishes a checkpoint per
evaluation (or per save) and stops training when Weightcast says so.

    from weightcast.integrations.huggingface import WeightcastTrainerCallback
    trainer = Trainer(model=model, args=args, ..., callbacks=[WeightcastTrainerCallback(study="my-sweep")])

Hooks (``transformers.TrainerCallback``'s documented events, each called as ``(args, state, control,
**kwargs)`` with ``model`` among the kwargs and ``metrics`` for ``on_evaluate``): ``on_train_begin``
starts the run (``planned_steps`` = ``state.max_steps``; hyper-parameters from ``args``: learning rate,
weight decay, batch size, epochs, warm-up, optimiser, scheduler, seed); ``on_evaluate`` logs
``model.state_dict()`` at step ``state.global_step`` with the evaluation's metrics (``eval_loss``,
``eval_accuracy``, ... also as ``val_loss``/``val_acc``) and, with ``stop=True``, sets
``control.should_training_stop`` when ``run.should_stop()``; with ``checkpoint_on="save"`` the
checkpoint is logged by ``on_save`` instead (with the last evaluation's metrics; once per step);
``on_train_end`` sends ``finished`` with ``final_metric`` (default ``eval_accuracy``) of the last
evaluation, or no label when Weightcast stopped the run or the metric is missing. Only the world
process zero (``state.is_world_process_zero``) publishes.
"""

from typing import Mapping, Optional

from ._common import RunHolder, metrics_of, scalar_hparams

try:
    from transformers import TrainerCallback
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("weightcast.integrations.huggingface needs transformers (pip install transformers)") from e

#: The TrainingArguments kept as the run's hyper-parameters.
ARGS = ("learning_rate", "weight_decay", "per_device_train_batch_size", "gradient_accumulation_steps",
        "num_train_epochs", "max_steps", "warmup_ratio", "warmup_steps", "lr_scheduler_type", "optim",
        "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "label_smoothing_factor", "seed")


def _str_enum(value):
    return getattr(value, "value", value)  # lr_scheduler_type / optim are enums in TrainingArguments


class WeightcastTrainerCallback(TrainerCallback):
    """Publishes a checkpoint per evaluation; ``control.should_training_stop`` on Weightcast's decision."""

    def __init__(self, client=None, *, study: Optional[str] = None, hparams: Optional[Mapping[str, object]] = None,
                 run_id: Optional[str] = None, activation: Optional[str] = None, planned_steps: Optional[int] = None,
                 checkpoint_on: str = "evaluate", final_metric: Optional[str] = "eval_accuracy", stop: bool = True,
                 **client_options):
        if checkpoint_on not in ("evaluate", "save"):
            raise ValueError("checkpoint_on must be 'evaluate' or 'save'")
        self.checkpoint_on = checkpoint_on
        self.holder = RunHolder(client, client_options, study=study, hparams=hparams, run_id=run_id,
                                activation=activation, planned_steps=planned_steps, framework="transformers",
                                stop=stop, final_metric=final_metric)

    @property
    def run(self):
        return self.holder.run

    @staticmethod
    def _main(state) -> bool:
        return bool(getattr(state, "is_world_process_zero", True))

    def on_train_begin(self, args, state, control, **kwargs):
        if not self._main(state):
            return
        raw = {name: _str_enum(getattr(args, name)) for name in ARGS if hasattr(args, name)}
        max_steps = getattr(state, "max_steps", None)
        self.holder.start(planned_steps=max_steps if isinstance(max_steps, int) else None, hparams=scalar_hparams(raw))

    def _log(self, state, control, model, metrics) -> None:
        step = int(state.global_step)
        if model is None or step in self.holder.logged_steps:
            return
        if self.holder.checkpoint(model.state_dict(), step, metrics):
            control.should_training_stop = True

    def on_evaluate(self, args, state, control, **kwargs):
        if not self._main(state) or self.holder.run is None:
            return
        metrics = metrics_of(kwargs.get("metrics"))
        self.holder.last_metrics = metrics
        if self.checkpoint_on == "evaluate":
            self._log(state, control, kwargs.get("model"), metrics)

    def on_save(self, args, state, control, **kwargs):
        if not self._main(state) or self.holder.run is None or self.checkpoint_on != "save":
            return
        self._log(state, control, kwargs.get("model"), dict(self.holder.last_metrics))

    def on_train_end(self, args, state, control, **kwargs):
        if self._main(state):
            self.holder.end()
