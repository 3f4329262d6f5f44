"""Optuna pruner replay (the early-stopping baselines) on a tiny synthetic curve set."""

import contextlib
import io
import json
import math
import shutil
import tempfile
import unittest
from pathlib import Path

import optuna

from weightcast.demo import pruners

EPOCHS = 18


def curve(final, rate, start=0.1):
    return [round(final - (final - start) * math.exp(-rate * e), 4) for e in range(1, EPOCHS + 1)]


def curves():
    """Ten healthy runs (finals 0.80..0.89) and one that stays at chance (index 10)."""
    runs = [{"run_id": f"good-{i}", "val_acc": curve(0.80 + 0.01 * i, 0.5 + 0.03 * i)} for i in range(10)]
    runs.append({"run_id": "bad", "val_acc": [0.1] * EPOCHS})
    return runs


def doc():
    return {"epochs": EPOCHS, "runs": curves(),
            "orders": [list(range(11)), [3, 10, 7, 0, 9, 1, 5, 2, 8, 4, 6]]}


class ReplayTest(unittest.TestCase):
    def test_a_bad_run_is_pruned_by_the_median_pruner_right_after_warm_up(self):
        runs = curves()
        values = [r["val_acc"] for r in runs]
        for warmup in (0, 1, 3, 5):
            stops = pruners.replay(values, list(range(11)), pruners.MEDIAN, {"n_startup_trials": 5, "n_warmup_steps": warmup})
            # Optuna prunes from step n_warmup_steps on (steps are epochs, from 1)
            self.assertEqual(stops[10], max(1, warmup), warmup)
            self.assertEqual(stops[:5], [EPOCHS] * 5, "the startup trials always run to the end")

    def test_startup_trials_protect_early_arrivals(self):
        values = [r["val_acc"] for r in curves()]
        order = [10] + list(range(10))  # the bad run arrives first, with nothing to compare to
        stops = pruners.replay(values, order, pruners.MEDIAN, {"n_startup_trials": 0, "n_warmup_steps": 0})
        self.assertEqual(stops[10], EPOCHS)

    def test_runs_outside_the_order_keep_their_full_length(self):
        values = [r["val_acc"] for r in curves()]
        stops = pruners.replay(values, [0, 1, 10], pruners.MEDIAN, {"n_startup_trials": 2, "n_warmup_steps": 0})
        self.assertEqual(stops[2:10], [EPOCHS] * 8)
        self.assertEqual(stops[10], 1)

    def test_history_runs_are_never_pruned_and_inform_the_live_ones(self):
        values = [r["val_acc"] for r in curves()]
        order = [10] + list(range(10))  # the bad run first, as history: run whole, told COMPLETE
        stops = pruners.replay(values, order, pruners.MEDIAN, {"n_startup_trials": 0, "n_warmup_steps": 0}, whole=1)
        self.assertEqual(stops[10], EPOCHS)
        out = pruners.run(dict(doc(), whole=11), settings=[{"policy": pruners.MEDIAN,
                                                            "params": {"n_startup_trials": 0, "n_warmup_steps": 0}}])
        self.assertEqual(out["settings"][0]["stop_epochs"], [[EPOCHS] * 11] * 2)
        with self.assertRaises(ValueError):
            pruners.run(dict(doc(), whole=12))

    def test_full_sweep_output(self):
        out = pruners.run(doc())
        self.assertEqual(out["optuna"], optuna.__version__)
        policies = [s["policy"] for s in out["settings"]]
        self.assertEqual((policies.count(pruners.MEDIAN), policies.count(pruners.PERCENTILE),
                          policies.count(pruners.SUCCESSIVE_HALVING)), (18, 15, 24))
        self.assertEqual(len({json.dumps([s["policy"], s["params"]], sort_keys=True) for s in out["settings"]}), 57)
        pruned_any = set()
        for s in out["settings"]:
            self.assertEqual(len(s["stop_epochs"]), 2)
            for stops in s["stop_epochs"]:
                self.assertEqual(len(stops), 11)
                self.assertTrue(all(isinstance(e, int) and 1 <= e <= EPOCHS for e in stops), stops)
                if min(stops) < EPOCHS:
                    pruned_any.add(s["policy"])
        self.assertEqual(pruned_any, {pruners.MEDIAN, pruners.PERCENTILE, pruners.SUCCESSIVE_HALVING})
        sh = next(s for s in out["settings"] if s["policy"] == pruners.SUCCESSIVE_HALVING
                  and s["params"] == {"min_resource": 1, "reduction_factor": 2, "min_early_stopping_rate": 0})
        self.assertLess(sh["stop_epochs"][0][10], EPOCHS)

    def test_deterministic(self):
        settings = [s for s in pruners.sweep() if s["params"].get("n_warmup_steps") in (0, None)][:12]
        self.assertEqual(pruners.run(doc(), settings), pruners.run(doc(), settings))

    def test_validation(self):
        bad = doc()
        bad["runs"][2]["val_acc"] = bad["runs"][2]["val_acc"][:5]
        with self.assertRaisesRegex(ValueError, r"runs\[2\].val_acc must be a list of 18 numbers"):
            pruners.validate(bad)
        bad = doc()
        bad["orders"][1][0] = 11
        with self.assertRaisesRegex(ValueError, r"orders\[1\] must list distinct run indices in \[0, 11\)"):
            pruners.validate(bad)
        nan = doc()
        nan["runs"][0]["val_acc"][3] = "NaN"
        self.assertTrue(math.isnan(pruners.validate(nan)[1][0][3]))


class CliTest(unittest.TestCase):
    def test_input_to_output(self):
        tmp = Path(tempfile.mkdtemp(prefix="wc-pruners-"))
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        small = doc()
        small["runs"] = small["runs"][:6] + [small["runs"][10]]
        small["orders"] = [[6, 0, 1, 2, 3, 4, 5]]
        (tmp / "curves.json").write_text(json.dumps(small))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = pruners.main(["--input", str(tmp / "curves.json"), "--output", str(tmp / "out.json")])
        self.assertEqual(code, 0, err.getvalue())
        out = json.loads((tmp / "out.json").read_text())
        self.assertEqual(len(out["settings"]), 57)
        self.assertEqual({len(s["stop_epochs"][0]) for s in out["settings"]}, {7})
        self.assertIn("57 pruner settings x 1 orders x 7 runs", err.getvalue())

        (tmp / "broken.json").write_text('{"epochs": 18, "runs": []}')
        with contextlib.redirect_stderr(io.StringIO()) as err:
            code = pruners.main(["--input", str(tmp / "broken.json"), "--output", str(tmp / "x.json")])
        self.assertEqual(code, 1)
        self.assertIn("'runs' must be a non-empty list", err.getvalue())
        self.assertFalse((tmp / "x.json").exists())


if __name__ == "__main__":
    unittest.main()
