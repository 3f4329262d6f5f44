"""PyTorch Lightning: ``WeightcastCallback`` publishes a checkpoint per validation epoch and stops the
fit when Weightcast says so.

    from weightcast.integrations.lightning import WeightcastCallback
    trainer = Trainer(max_epochs=18, callbacks=[WeightcastCallback(bootstrap_servers="127.0.0.1:9092",
                                                                   study="my-sweep", activation="relu")])

Hooks (Lightning's documented ``Callback`` API, 2.x and 1.x): ``on_fit_start(trainer, pl_module)`` starts
the run (``planned_steps`` = ``trainer.max_epochs``; hyper-parameters = ``pl_module.hparams`` unless
given); ``on_validation_epoch_end(trainer, pl_module)`` logs ``pl_module.state_dict()`` at step
``trainer.current_epoch + 1`` with the scalar ``trainer.callback_metrics`` (skipped while
``trainer.sanity_checking``) and, with ``stop=True``, sets ``trainer.should_stop`` when
``run.should_stop()``; ``on_fit_end(trainer, pl_module)`` sends ``finished`` with
``callback_metrics[final_metric]`` as the test accuracy (default ``val_acc``), or no label when
Weightcast stopped the run or the metric is missing; ``on_exception`` delivers what was sent, without
``finished``. Only global rank zero publishes.
"""

from typing import Mapping, Optional

from ._common import RunHolder, metrics_of, scalar_hparams

try:  # Lightning 2.x
    from lightning.pytorch.callbacks import Callback
except ImportError:  # pragma: no cover - depends on what is installed
    try:  # the older package name
        from pytorch_lightning.callbacks import Callback
    except ImportError as e:
        raise ImportError("weightcast.integrations.lightning needs PyTorch Lightning (pip install lightning)") from e


class WeightcastCallback(Callback):
    """Publishes a checkpoint per validation epoch; ``trainer.should_stop`` on Weightcast's decision."""

    def __init__(self, client=None, *, study: Optional[str] = None, hparams: Optional[Mapping[str, object]] = None,
                 run_id: Optional[str] = None, activation: Optional[str] = None, planned_steps: Optional[int] = None,
                 final_metric: Optional[str] = "val_acc", stop: bool = True, watch: bool = False, **client_options):
        super().__init__()
        self.watch = watch
        self.holder = RunHolder(client, client_options, study=study, hparams=hparams, run_id=run_id,
                                activation=activation, planned_steps=planned_steps, framework="pytorch-lightning",
                                stop=stop, final_metric=final_metric)

    @property
    def run(self):
        """The Weightcast run (None before ``on_fit_start`` and after the fit)."""
        return self.holder.run

    @staticmethod
    def _rank_zero(trainer) -> bool:
        return bool(getattr(trainer, "is_global_zero", True))

    def on_fit_start(self, trainer, pl_module) -> None:
        if not self._rank_zero(trainer):
            return
        max_epochs = getattr(trainer, "max_epochs", None)
        hparams = scalar_hparams(getattr(pl_module, "hparams", None) or {})
        self.holder.start(planned_steps=max_epochs if isinstance(max_epochs, int) else None, hparams=hparams,
                          model=pl_module if self.watch else None)

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if not self._rank_zero(trainer) or getattr(trainer, "sanity_checking", False) or self.holder.run is None:
            return
        step = int(trainer.current_epoch) + 1
        if self.holder.checkpoint(pl_module.state_dict(), step, metrics_of(trainer.callback_metrics)):
            trainer.should_stop = True

    def on_fit_end(self, trainer, pl_module) -> None:
        if self._rank_zero(trainer):
            self.holder.end(metrics_of(trainer.callback_metrics))

    def on_exception(self, trainer, pl_module, exception) -> None:
        self.holder.abort()
