"""Ray Tune: ``WeightcastStopper`` stops a trial when Weightcast decided its run should stop.

    from ray import tune
    from weightcast.integrations.ray import WeightcastStopper

    def trainable(config):
        run = weightcast.start_run(study="tune-sweep", hparams=config, planned_steps=18)
        for epoch in range(1, 19):
            ...
            run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": acc})
            tune.report({"val_acc": acc, "weightcast_run_id": run.run_id})   # train.report in Ray >= 2.7
        run.finish(test_accuracy=test_acc)

    tuner = tune.Tuner(trainable, run_config=RunConfig(stop=WeightcastStopper()))

Ray calls the stopper (``ray.tune.stopper.Stopper``'s documented API) with ``__call__(trial_id, result)``
after each reported result, and ``stop_all()``: a trial stops when the run named by
``result["weightcast_run_id"]`` (else ``run_id_for(trial_id)``, else the trial id) should stop
(``stop_on``, default Weightcast's early-stop candidate, non-finite weights and a critical dying ReLU;
with ``client=``, that client's ``stop_on`` rules).
The run is watched from its first result on (over the topics an alert raised before it is missed;
the scorer's HTTP API has every alert). ``stop_all`` is False unless ``stop_all_when`` (a callable
given the stopped trial ids) says otherwise.
"""

from typing import Callable, Dict, Optional, Sequence, Set

from ..alerts import DEFAULT_STOP_ON

try:
    from ray.tune.stopper import Stopper
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("weightcast.integrations.ray needs Ray Tune (pip install 'ray[tune]')") from e

RUN_ID_KEY = "weightcast_run_id"


class WeightcastStopper(Stopper):
    """Stops the trials whose Weightcast run should stop."""

    def __init__(self, reader=None, *, client=None, stop_on: Sequence[str] = DEFAULT_STOP_ON,
                 run_id_for: Optional[Callable[[str], str]] = None,
                 stop_all_when: Optional[Callable[[Set[str]], bool]] = None, **reader_options):
        if reader is not None and client is not None:
            raise TypeError("give reader or client, not both")
        self._reader = reader if reader is not None else (client.reader() if client is not None else None)
        if self._reader is None and client is not None:
            raise ValueError("this client has nothing to read from (dry run, disabled, or HTTP without scorer_url)")
        self._reader_options = dict(reader_options, stop_on=tuple(stop_on))
        self.run_id_for = run_id_for
        self.stop_all_when = stop_all_when
        self.stopped: Set[str] = set()
        self.reasons: Dict[str, dict] = {}

    @property
    def reader(self):
        if self._reader is None:
            from ..client import open_reader
            self._reader = open_reader(**self._reader_options)
        return self._reader

    def __call__(self, trial_id: str, result: Dict) -> bool:
        run_id = (result or {}).get(RUN_ID_KEY) or (self.run_id_for(trial_id) if self.run_id_for else trial_id)
        if self.reader.should_stop(str(run_id)):
            self.stopped.add(trial_id)
            self.reasons[trial_id] = self.reader.stop_reason(str(run_id)) or {}
            return True
        return False

    def stop_all(self) -> bool:
        return bool(self.stop_all_when is not None and self.stop_all_when(set(self.stopped)))
