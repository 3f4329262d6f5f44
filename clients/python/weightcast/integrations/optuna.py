"""Optuna: ``WeightcastPruner`` prunes a trial when Weightcast decided its run should stop early.

    import optuna
    from weightcast.integrations.optuna import WeightcastPruner, start_trial_run

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        run = start_trial_run(trial, planned_steps=18, activation="relu")   # run id = <study>-<trial number>
        for epoch in range(1, 19):
            val_acc = train_one_epoch(model, lr)
            run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": val_acc})
            trial.report(val_acc, epoch)
            if trial.should_prune():        # asks Weightcast (via the pruner)
                run.close()                 # delivered, no `finished`: a cut-short run is no label
                raise optuna.TrialPruned()
        run.finish(test_accuracy=test(model))
        return val_acc

    study = optuna.create_study(direction="maximize", pruner=WeightcastPruner())

``WeightcastPruner.prune(study, trial)`` (Optuna's ``BasePruner`` API) answers ``should_stop`` of the
trial's run: True once the scorer raised ``EARLY_STOP_CANDIDATE`` for it (the pruner's ``stop_on``,
default that alert alone; add ``"NONFINITE_WEIGHTS"`` etc. to prune broken trials too). The run id is
the trial's user attribute ``weightcast_run_id`` (``start_trial_run`` sets it), else
``<study name>-<trial number>``. The answers come from ``reader`` (``weightcast.open_reader()``: the
scorer's HTTP API with ``WEIGHTCAST_SCORER_URL``, else the topics of ``WEIGHTCAST_BOOTSTRAP``) or from a
client's reader (then the client's ``stop_on`` rules apply). ``fallback`` (another pruner, e.g.
``MedianPruner()``) is asked too, so trials are pruned before Weightcast has a model.
"""

from typing import Optional, Sequence

try:
    import optuna
    from optuna.pruners import BasePruner
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("weightcast.integrations.optuna needs Optuna (apt-get install python3-optuna)") from e

RUN_ID_ATTR = "weightcast_run_id"


def trial_run_id(study_name: str, number: int) -> str:
    return f"{study_name}-{number}"


class WeightcastPruner(BasePruner):
    """Prunes on Weightcast's early-stop decision for the trial's run (``stop_on``), or the fallback's."""

    def __init__(self, reader=None, *, client=None, stop_on: Sequence[str] = ("EARLY_STOP_CANDIDATE",),
                 fallback: Optional[BasePruner] = None, **reader_options):
        if reader is not None and client is not None:
            raise TypeError("give reader or client, not both")
        self._reader = reader if reader is not None else (client.reader() if client is not None else None)
        self._reader_options = dict(reader_options, stop_on=tuple(stop_on)) if self._reader is None else {}
        if self._reader is None and client is not None:
            raise ValueError("this client has nothing to read from (dry run, disabled, or HTTP without scorer_url)")
        self.fallback = fallback

    @property
    def reader(self):
        """Where the answers come from, created on first use (``weightcast.open_reader``)."""
        if self._reader is None:
            from ..client import open_reader
            self._reader = open_reader(**self._reader_options)
        return self._reader

    def run_id(self, study: "optuna.study.Study", trial: "optuna.trial.FrozenTrial") -> str:
        return trial.user_attrs.get(RUN_ID_ATTR) or trial_run_id(study.study_name, trial.number)

    def watch(self, run_id: str) -> None:
        """Keeps the run's alerts from now on (``start_trial_run`` calls it when the run starts)."""
        self.reader.watch(run_id)

    def prune(self, study: "optuna.study.Study", trial: "optuna.trial.FrozenTrial") -> bool:
        if self.reader.should_stop(self.run_id(study, trial)):
            return True
        return bool(self.fallback is not None and self.fallback.prune(study, trial))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def start_trial_run(trial: "optuna.trial.Trial", client=None, **run_options):
    """Starts the Weightcast run of an Optuna trial: run id ``<study name>-<trial number>`` (unless given),
    study = the Optuna study's name, hyper-parameters = the trial's parameters so far (unless given);
    records the run id as the trial's ``weightcast_run_id`` attribute and tells a ``WeightcastPruner`` of
    the study to watch it. ``client``: a ``Weightcast`` (the caller closes it), else ``start_run`` with
    the remaining options and the environment (``finish``/``close`` closes it)."""
    from ..client import start_run

    study = trial.study
    run_options.setdefault("run_id", trial_run_id(study.study_name, trial.number))
    run_options.setdefault("study", study.study_name)
    run_options.setdefault("hparams", dict(trial.params))
    run_options.setdefault("framework", "pytorch")
    if client is not None:
        run = client.start_run(**run_options)
    else:
        run = start_run(**run_options)
    trial.set_user_attr(RUN_ID_ATTR, run.run_id)
    if isinstance(study.pruner, WeightcastPruner):
        study.pruner.watch(run.run_id)
    return run
