"""weightcast.integrations.optuna against the real Optuna (Debian's python3-optuna): studies run with
WeightcastPruner, trials publish real torch checkpoints, and Weightcast's decision comes from a local
http.server answering in the Java scorer's JSON, or, on the live broker, from the alerts topic."""

import json
import os
import time
import unittest
import uuid

import optuna
import torch
from optuna.trial import TrialState
from torch import nn

import weightcast
from weightcast import safetensors as st
from weightcast.client import MemoryTransport
from weightcast.integrations.optuna import RUN_ID_ATTR, WeightcastPruner, start_trial_run

from tests.test_integrations import ScorerTestCase, ScriptedScorer
from tests.test_readback import alert_record, run_detail, score_record

optuna.logging.set_verbosity(optuna.logging.WARNING)


def high_lr_stops(transport, after):
    """The scorer's decision: a run whose started event has lr > 0.1 is an early-stop candidate once it
    published ``after`` checkpoints."""
    def decide(run_id):
        events = transport.events(run_id)
        if not events:
            return None
        steps = [int(st.load(p).metadata["step"]) for p in transport.checkpoints(run_id)]
        alerts = []
        if events[0]["hparams"].get("lr", 0) > 0.1 and len(steps) >= after:
            alerts.append(alert_record(run_id, steps[after - 1], "EARLY_STOP_CANDIDATE", "info"))
        return run_detail(run_id, [score_record(run_id, s, 0.4, 3, 100 + s, 0.3, 0.5) for s in steps], alerts)
    return decide


class OptunaPrunerTest(ScorerTestCase):
    def objective(self, client, epochs=5):
        def objective(trial):
            lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
            model = nn.Linear(3, 2)
            run = start_trial_run(trial, client=client, planned_steps=epochs, activation="relu")
            val = 0.0
            for epoch in range(1, epochs + 1):
                with torch.no_grad():
                    model.weight.mul_(1 - lr / 10)
                val = 0.5 + epoch / 100 - lr / 10
                run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": val})
                trial.report(val, epoch)
                if trial.should_prune():
                    run.close()
                    raise optuna.TrialPruned()
            run.finish(test_accuracy=val)
            return val
        return objective

    def test_prunes_exactly_the_trials_weightcast_stops(self):
        ScriptedScorer.decide = staticmethod(high_lr_stops(self.transport, 2))
        study = optuna.create_study(study_name="sweep-a", direction="maximize",
                                    pruner=WeightcastPruner(client=self.client))
        for lr in (0.01, 0.5, 0.05, 0.9):
            study.enqueue_trial({"lr": lr})
        study.optimize(self.objective(self.client), n_trials=4)
        states = {t.params["lr"]: (t.state, t.last_step) for t in study.trials}
        self.assertEqual(states, {0.01: (TrialState.COMPLETE, 5), 0.5: (TrialState.PRUNED, 2),
                                  0.05: (TrialState.COMPLETE, 5), 0.9: (TrialState.PRUNED, 2)})
        self.assertEqual([t.user_attrs[RUN_ID_ATTR] for t in study.trials], [f"sweep-a-{i}" for i in range(4)])
        pruned = self.transport.events("sweep-a-1")
        self.assertEqual([e["type"] for e in pruned], ["started"], "a pruned trial's run has no label")
        self.assertEqual(pruned[0]["study"], "sweep-a")
        self.assertEqual(pruned[0]["hparams"], {"lr": 0.5})
        self.assertEqual(self.transport.events("sweep-a-0")[-1]["type"], "finished")
        self.assertIn("sweep-a-1", ScriptedScorer.asked)

    def test_fallback_pruner_is_asked_too(self):
        ScriptedScorer.decide = staticmethod(lambda run_id: None)  # Weightcast has not seen any run yet
        pruner = WeightcastPruner(weightcast.open_reader(scorer_url=self.url),
                                  fallback=optuna.pruners.ThresholdPruner(lower=0.45))
        study = optuna.create_study(study_name="sweep-b", direction="maximize", pruner=pruner)
        study.enqueue_trial({"lr": 0.01})
        study.enqueue_trial({"lr": 0.9})  # val = 0.5 + epoch/100 - 0.09 < 0.45 at epoch 1
        study.optimize(self.objective(self.client, epochs=3), n_trials=2)
        self.assertEqual([t.state for t in study.trials], [TrialState.COMPLETE, TrialState.PRUNED])
        self.assertEqual(study.trials[1].last_step, 1)

    def test_run_id_without_start_trial_run(self):
        FakeTrial = type("FakeTrial", (), {})
        trial = FakeTrial()
        trial.user_attrs, trial.number = {}, 7
        study = optuna.create_study(study_name="named")
        pruner = WeightcastPruner(weightcast.open_reader(scorer_url=self.url))
        self.assertEqual(pruner.run_id(study, trial), "named-7")
        trial.user_attrs[RUN_ID_ATTR] = "my-run"
        self.assertEqual(pruner.run_id(study, trial), "my-run")

    def test_a_client_without_read_back_is_refused(self):
        with self.assertRaises(ValueError):
            WeightcastPruner(client=weightcast.Weightcast(transport=MemoryTransport()))


class LiveOptunaPrunerTest(unittest.TestCase):
    """Real Optuna, real Kafka: trials publish through a client on the broker; the alert is produced to
    weightcast.alerts as the scorer produces it; the pruner reads the topic."""

    def setUp(self):
        if not os.environ.get("WEIGHTCAST_TEST_BOOTSTRAP"):
            if os.environ.get("CI") == "true":
                self.fail("CI=true but WEIGHTCAST_TEST_BOOTSTRAP is not set: the live pruner test must run in CI")
            self.skipTest("set WEIGHTCAST_TEST_BOOTSTRAP=HOST:PORT (a broker with the weightcast.* topics) to run")

    def test_a_trial_is_pruned_by_the_alert_on_the_topic(self):
        from confluent_kafka import Producer

        bootstrap = os.environ["WEIGHTCAST_TEST_BOOTSTRAP"]
        name = f"optuna-{uuid.uuid4().hex[:8]}"
        scorer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
        pruner = WeightcastPruner(bootstrap_servers=bootstrap)
        study = optuna.create_study(study_name=name, direction="maximize", pruner=pruner)

        def objective(trial):
            model = nn.Linear(4, 2)
            with weightcast.Weightcast(bootstrap) as client:
                run = start_trial_run(trial, client=client, planned_steps=4)
                for epoch in range(1, 5):
                    run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": 0.5})
                    trial.report(0.5, epoch)
                    if trial.number == 0 and epoch == 2:  # the scorer decides trial 0 should stop
                        scorer.produce("weightcast.alerts", key=run.run_id.encode(), value=json.dumps(
                            alert_record(run.run_id, 2, "EARLY_STOP_CANDIDATE", "info")).encode())
                        scorer.flush(30)
                    deadline = time.monotonic() + (30 if trial.number == 0 and epoch == 2 else 0.5)
                    while True:
                        if trial.should_prune():
                            run.close()
                            raise optuna.TrialPruned()
                        if time.monotonic() > deadline:
                            break
                        time.sleep(0.1)
                run.finish(test_accuracy=0.5)
            return 0.5

        try:
            study.optimize(objective, n_trials=2)
        finally:
            pruner.close()
        self.assertEqual([(t.state, t.last_step) for t in study.trials],
                         [(TrialState.PRUNED, 2), (TrialState.COMPLETE, 4)])


if __name__ == "__main__":
    unittest.main()
