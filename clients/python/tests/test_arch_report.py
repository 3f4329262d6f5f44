"""The real-architecture report's numbers, on hand-made topic records."""

import math
import unittest

from weightcast.demo import arch_report as ar


def _score(run, step, predicted, version=1, at=1000, scored=1100):
    return {"run_id": run, "study": "s", "step": step, "predicted_final_accuracy": predicted,
            "model_version": version if predicted is not None else None, "checkpoint_timestamp": at, "scored_at": scored}


class NumbersTest(unittest.TestCase):
    def test_r2(self):
        self.assertAlmostEqual(ar.r2([1, 2, 3], [1, 2, 3]), 1.0)
        self.assertAlmostEqual(ar.r2([2, 2, 2], [1, 2, 3]), 0.0)
        self.assertTrue(math.isnan(ar.r2([1], [1])))
        self.assertTrue(math.isnan(ar.r2([1, 2], [3, 3])))

    def test_kendall_tau_b_with_ties(self):
        x, y = [0.1, 0.4, 0.4, 0.9, 0.3, 0.3], [0.2, 0.5, 0.1, 0.8, 0.8, 0.4]
        self.assertAlmostEqual(ar.kendall_tau(x, y), 0.29649972666444047)  # scipy.stats.kendalltau (tau-b)
        self.assertAlmostEqual(ar.kendall_tau([1, 2, 3], [3, 2, 1]), -1.0)
        self.assertTrue(math.isnan(ar.kendall_tau([1], [2])))

    def test_percentiles(self):
        p = ar.percentiles([100, 200, 300, 400])
        self.assertEqual((p["p50"], p["max"], p["n"]), (250.0, 400.0, 4))
        self.assertEqual(ar.percentiles([]), {})


class StudyTest(unittest.TestCase):
    def setUp(self):
        runs = [{"type": "finished", "run_id": r, "study": "s", "final": {"test_accuracy": a}}
                for r, a in (("a", 0.9), ("b", 0.5), ("c", 0.1), ("d", 0.7))]
        runs.append({"type": "finished", "run_id": "x", "study": "other", "final": {"test_accuracy": 0.3}})
        scores = [_score("a", 1, None), _score("a", 2, 0.8), _score("b", 2, 0.6), _score("c", 2, 0.2, scored=1500),
                  _score("a", 3, 0.85, 2), _score("b", 3, 0.55, 2), _score("c", 3, 0.15, 2), _score("d", 3, 0.6, 2),
                  _score("e", 3, 0.5, 2)]  # e never finished: not judged
        spectra = {"conv1": {"status": "skipped", "alpha": None}, "conv2": {"status": "success", "alpha": 3.0},
                   "fc": {"status": "success", "alpha": 5.0}}
        features = [{"run_id": "a", "study": "s", "step": 1, "health": {"spectra": spectra}},
                    {"run_id": "b", "study": "s", "step": 3, "health": {"spectra": {}}}]
        deferred = [{"run_id": "b", "step": 3, "spectra": {"conv2": {"status": "success", "alpha": 2.0}}}]
        alerts = [{"run_id": "c", "study": "s", "step": 2, "kind": "DYING_RELU", "severity": "warning", "evidence": {}},
                  {"run_id": "c", "study": "s", "step": 3, "kind": "DYING_RELU", "severity": "critical", "evidence": {}},
                  {"run_id": "x", "study": "other", "step": 3, "kind": "NONFINITE_WEIGHTS"}]
        self.topics = {"runs": runs, "scores": scores, "features": features, "spectra": deferred, "models": [{}],
                       "alerts": alerts}

    def test_predictions_only_of_finished_runs_a_model_scored(self):
        final = ar.finals(self.topics["runs"], "s")
        self.assertEqual([r[0] for r in ar.live_predictions(self.topics["scores"], final, 2)], ["a", "b", "c"])
        self.assertEqual([r[0] for r in ar.live_predictions(self.topics["scores"], final, 1)], [])

    def test_study_report(self):
        r = ar.study_report("s", self.topics, early_step=2)
        self.assertEqual(r["runs_finished"], 4)
        self.assertEqual(r["predictions"]["early"]["runs"], 3)
        self.assertEqual(r["predictions"]["early"]["kendall_tau"], 1.0)
        last = r["predictions"]["last"]
        self.assertEqual((last["step"], last["runs"], last["model_versions"]), (3, 4, [2]))
        self.assertAlmostEqual(last["r2"], ar.r2([0.85, 0.55, 0.15, 0.6], [0.9, 0.5, 0.1, 0.7]), places=4)
        self.assertEqual(r["spectra"]["analysed"], ["conv2", "fc"])
        self.assertEqual(r["spectra"]["never_analysed"], ["conv1"])
        self.assertEqual(r["spectra"]["alpha_last_step"]["n"], 3)  # a's two layers and b's deferred one
        self.assertEqual(r["ingest_to_score_ms"]["max"], 500.0)
        self.assertEqual(r["alerts"], {"DYING_RELU": {"count": 2, "runs": 1, "first": [
            {"run_id": "c", "step": 2, "severity": "warning", "evidence": {}},
            {"run_id": "c", "step": 3, "severity": "critical", "evidence": {}}]}})


if __name__ == "__main__":
    unittest.main()
