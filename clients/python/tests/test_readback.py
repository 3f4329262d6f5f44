"""Read-back: run.latest_score() and run.should_stop() from the scorer's HTTP API and from the topics.

The HTTP path runs against a real local http.server that answers ``GET /v1/runs/{run}`` with the JSON the
Java scorer writes (``ScorerHttpVerticle`` serialises ``RunsView.RunDetail`` with ``core.records.Json``:
snake_case names, null fields written as null; scores are ``core.records.Score``, alerts
``core.records.Alert``, intervals ``core.records.Interval``; an unknown run is 404 ``{"error": ...}``).
(Checked against a running `./weightcast local` on 2026-12-06: a score before any model has
``"interval": null, "intervals": []`` and the ``note`` below; flags are lower case, e.g.
``nonfinite_weights``.) The topic path runs on the live broker (WEIGHTCAST_TEST_BOOTSTRAP), with records produced as the scorer
produces them, and on a fake consumer for the ordering rules.
"""

import json
import logging
import os
import threading
import time
import unittest
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler
from unittest import mock

import weightcast
from weightcast.alerts import AlertWatcher
from weightcast.client import MemoryTransport
from weightcast.readback import HttpReader, Interval

from tests.test_alerts import FakeConsumer, wait_for
from tests.local_http import LocalHttpTestCase


def score_record(run_id, step, predicted, version, scored_at, low=None, high=None):
    """A value of the scores topic exactly as core.records.Score serialises (every field, nulls included)."""
    with_model = predicted is not None
    return {
        "run_id": run_id, "step": step, "planned_steps": 18, "study": "digits",
        "predicted_final_accuracy": predicted,
        "interval": {"level": 0.8, "low": low, "high": high} if with_model else None,
        "intervals": [{"level": 0.8, "low": low, "high": high},
                      {"level": 0.95, "low": low - 0.05, "high": high + 0.05}] if with_model else [],
        "model_version": version, "flags": ["dead_units"] if step == 3 else [], "features_version": 4,
        "checkpoint_timestamp": scored_at - 40, "scored_at": scored_at,
        "note": None if with_model else "no model yet: the trainer publishes one after trainer.min.runs finished runs",
    }


def alert_record(run_id, step, kind, severity, version=4):
    """A value of the alerts topic as core.records.Alert serialises."""
    return {"run_id": run_id, "step": step, "kind": kind, "severity": severity,
            "evidence": {"upper": 0.41, "reference": 0.83, "consecutive": 2}, "model_version": version,
            "study": "digits", "raised_at": 1_765_000_000_000 + step}


def run_detail(run_id, scores, alerts, finished=False, final=None):
    """GET /v1/runs/{run}: RunsView.RunDetail (run_id, study, planned_steps, finished, scores, alerts,
    final_accuracy, reported)."""
    return {"run_id": run_id, "study": "digits", "planned_steps": 18, "finished": finished, "scores": scores,
            "alerts": alerts, "final_accuracy": final,
            "reported": [{"step": s["step"], "metrics": {"val_acc": 0.5}} for s in scores]}


class FakeScorer(BaseHTTPRequestHandler):
    runs = {}
    requests = []
    status = None  # force a status (e.g. 500) for every request

    def do_GET(self):
        FakeScorer.requests.append((self.path, self.headers.get("Authorization")))
        prefix = "/v1/runs/"
        run_id = urllib.parse.unquote(self.path[len(prefix):]) if self.path.startswith(prefix) else None
        if FakeScorer.status:
            status, body = FakeScorer.status, {"error": "boom"}
        elif run_id in FakeScorer.runs:
            status, body = 200, FakeScorer.runs[run_id]
        else:
            status, body = 404, {"error": f"unknown run '{run_id}'"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class HttpReadBackTest(LocalHttpTestCase):
    handler = FakeScorer

    def setUp(self):
        FakeScorer.runs = {}
        FakeScorer.requests = []
        FakeScorer.status = None
        self.transport = MemoryTransport()
        self.client = weightcast.Weightcast(transport=self.transport, scorer_url=self.url + "/", token="t0k")

    def test_latest_score_is_the_highest_step_with_interval_version_and_alerts(self):
        run = self.client.start_run(study="digits", run_id="run a/1", planned_steps=18)
        self.assertIsNone(run.latest_score(), "404 before the scorer saw the run")
        FakeScorer.runs["run a/1"] = run_detail("run a/1", [
            score_record("run a/1", 1, None, None, 1000),
            score_record("run a/1", 3, 0.62, 4, 3000, 0.55, 0.70),
            score_record("run a/1", 2, 0.58, 3, 2000, 0.50, 0.66),
        ], [alert_record("run a/1", 3, "DYING_RELU", "warning")])
        score = run.latest_score()
        self.assertEqual(score.step, 3)
        self.assertEqual(score.predicted_final_accuracy, 0.62)
        self.assertEqual(score.interval, Interval(0.8, 0.55, 0.70))
        self.assertEqual(score.interval_at(0.95), Interval(0.95, 0.50, 0.75))
        self.assertEqual(score.model_version, 4)
        self.assertEqual(score.flags, ["dead_units"])
        self.assertEqual([a["kind"] for a in score.alerts], ["DYING_RELU"])
        self.assertEqual(score.record["features_version"], 4)
        self.assertEqual(FakeScorer.requests[-1], ("/v1/runs/run%20a%2F1", "Bearer t0k"))
        self.assertFalse(run.should_stop(), "a warning DYING_RELU is not a default stop rule")

    def test_a_score_before_any_model(self):
        run = self.client.start_run(run_id="early")
        FakeScorer.runs["early"] = run_detail("early", [score_record("early", 1, None, None, 1000)], [])
        score = run.latest_score()
        self.assertIsNone(score.predicted_final_accuracy)
        self.assertIsNone(score.interval)
        self.assertEqual(score.intervals, [])
        self.assertIsNone(score.model_version)
        self.assertIn("no model yet", score.note)

    def test_should_stop_on_the_early_stop_alert_and_stays_stopped(self):
        run = self.client.start_run(run_id="r-stop")
        FakeScorer.runs["r-stop"] = run_detail("r-stop", [score_record("r-stop", 2, 0.3, 4, 2000, 0.2, 0.4)], [])
        self.assertFalse(run.should_stop())
        FakeScorer.runs["r-stop"]["alerts"].append(alert_record("r-stop", 3, "EARLY_STOP_CANDIDATE", "info"))
        self.assertTrue(run.should_stop())
        self.assertEqual(run.stop_reason()["kind"], "EARLY_STOP_CANDIDATE")
        asked = len(FakeScorer.requests)
        self.assertTrue(run.should_stop())
        self.assertEqual(len(FakeScorer.requests), asked, "a stopped run asks no more")

    def test_a_failing_scorer_never_raises_into_the_loop(self):
        run = self.client.start_run(run_id="r-err")
        FakeScorer.runs["r-err"] = run_detail("r-err", [score_record("r-err", 1, 0.5, 2, 1000, 0.4, 0.6)], [])
        self.assertEqual(run.latest_score().step, 1)
        FakeScorer.status = 500
        with self.assertLogs("weightcast", logging.WARNING) as logs:
            self.assertEqual(run.latest_score().step, 1, "the last answer is kept")
            self.assertFalse(run.should_stop())
        self.assertIn("500", "\n".join(logs.output))
        self.assertIn("500", self.client.reader().error)
        FakeScorer.status = None
        self.client.reader()._refresh("r-err")
        self.assertIsNone(self.client.reader().error)

    def test_a_malformed_answer_is_an_error_not_an_exception(self):
        run = self.client.start_run(run_id="r-bad")
        FakeScorer.runs["r-bad"] = {"run_id": "r-bad", "scores": [{"step": "three"}], "alerts": "none"}
        with self.assertLogs("weightcast", logging.WARNING):
            self.assertIsNone(run.latest_score())
            self.assertFalse(run.should_stop())
        self.assertIn("three", self.client.reader().error)

    def test_an_unreachable_scorer_answers_none(self):
        reader = HttpReader("http://127.0.0.1:9", timeout=1.0)
        with self.assertLogs("weightcast", logging.WARNING):
            self.assertIsNone(reader.latest_score("x"))
        self.assertFalse(reader.should_stop("x"))
        self.assertIsNotNone(reader.error)

    def test_wait_polls_until_the_step_is_scored(self):
        run = self.client.start_run(run_id="r-wait")
        FakeScorer.runs["r-wait"] = run_detail("r-wait", [score_record("r-wait", 1, 0.5, 2, 1000, 0.4, 0.6)], [])

        def later():
            time.sleep(0.5)
            FakeScorer.runs["r-wait"]["scores"].append(score_record("r-wait", 2, 0.55, 2, 2000, 0.45, 0.65))
        threading.Thread(target=later).start()
        t0 = time.monotonic()
        score = run.latest_score(wait=10, min_step=2)
        self.assertEqual(score.step, 2)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(run.latest_score(wait=0.3, min_step=9).step, 2, "times out with the last answer")

    def test_the_scorer_gets_its_own_read_token_when_one_is_given(self):
        FakeScorer.runs["r"] = run_detail("r", [score_record("r", 1, 0.5, 4, 1_765_000_000_000, 0.4, 0.6)], [])
        client = weightcast.Weightcast(transport=MemoryTransport(), scorer_url=self.url, token="producer",
                                       scorer_token="reader")
        client.start_run(run_id="r").latest_score()
        self.assertEqual(FakeScorer.requests[-1], ("/v1/runs/r", "Bearer reader"))
        with mock.patch.dict(os.environ, {"WEIGHTCAST_SCORER_TOKEN": "from-env"}):
            weightcast.open_reader(scorer_url=self.url).latest_score("r")
            self.assertEqual(FakeScorer.requests[-1], ("/v1/runs/r", "Bearer from-env"))
            client = weightcast.Weightcast(transport=MemoryTransport(), scorer_url=self.url, token="producer")
            client.start_run(run_id="r").latest_score()
            self.assertEqual(FakeScorer.requests[-1], ("/v1/runs/r", "Bearer from-env"))

    def test_open_reader_for_code_that_does_not_publish(self):
        FakeScorer.runs["other"] = run_detail("other", [], [alert_record("other", 1, "NONFINITE_WEIGHTS", "critical")])
        reader = weightcast.open_reader(scorer_url=self.url)
        self.assertTrue(reader.should_stop("other"))
        self.assertIsNone(reader.latest_score("other"), "no scores yet")


class TopicReadBackTest(unittest.TestCase):
    """The scores topic's rules with a fake consumer: the highest step wins, a rescore of it replaces it."""

    def test_latest_score_ordering_and_alerts(self):
        w = AlertWatcher("b:1", "p.alerts", scores_topic="p.scores", consumer_factory=lambda c: None)
        w.watch("r")
        enc = lambda d: json.dumps(d).encode()  # noqa: E731
        self.assertTrue(w.offer_score(b"r", enc(score_record("r", 2, 0.5, 1, 2000, 0.4, 0.6))))
        self.assertFalse(w.offer_score(b"r", enc(score_record("r", 1, 0.9, 1, 3000, 0.8, 1.0))), "an older step")
        self.assertTrue(w.offer_score(b"r", enc(score_record("r", 2, 0.52, 2, 2500, 0.4, 0.6))), "a rescore")
        self.assertFalse(w.offer_score(b"x", enc(score_record("x", 5, 0.5, 1, 1, 0.4, 0.6))), "not watched")
        self.assertFalse(w.offer_score(b"r", b"{broken"))
        w.offer(b"r", enc(alert_record("r", 2, "DYING_RELU", "warning")))
        w._thread = threading.current_thread()  # no consumer: the offers above are the whole topic
        score = w.latest_score("r")
        self.assertEqual((score.step, score.predicted_final_accuracy, score.model_version), (2, 0.52, 2))
        self.assertEqual([a["kind"] for a in score.alerts], ["DYING_RELU"])
        self.assertIsNone(w.latest_score("x"))

    def test_both_topics_are_assigned_and_dispatched(self):
        class Msg:
            def __init__(self, topic, value):
                self._topic, self._value = topic, value

            def topic(self):
                return self._topic

            def key(self):
                return b"r"

            def value(self):
                return json.dumps(self._value).encode()

            def error(self):
                return None

        fake = FakeConsumer([Msg("p.scores", score_record("r", 4, 0.7, 3, 4000, 0.6, 0.8)),
                             Msg("p.alerts", alert_record("r", 4, "EARLY_STOP_CANDIDATE", "info"))], partitions=(0,))
        client = weightcast.Weightcast(transport=MemoryTransport(), alert_watcher=AlertWatcher(
            "b:1", "p.alerts", scores_topic="p.scores", consumer_factory=lambda c: fake))
        run = client.start_run(run_id="r")
        self.assertTrue(wait_for(lambda: run.latest_score() is not None and run.should_stop()))
        self.assertEqual(run.latest_score().step, 4)
        self.assertEqual({t for t, _, _ in fake.assigned}, {"p.alerts", "p.scores"})
        client.close()


class LiveTopicReadBackTest(unittest.TestCase):
    """On a real broker: records produced to weightcast.scores / weightcast.alerts as the scorer produces them
    (key = run id, JSON value) reach run.latest_score() and run.should_stop() of a client on that broker."""

    def setUp(self):
        if not os.environ.get("WEIGHTCAST_TEST_BOOTSTRAP"):
            if os.environ.get("CI") == "true":
                self.fail("CI=true but WEIGHTCAST_TEST_BOOTSTRAP is not set: the live read-back must run in CI")
            self.skipTest("set WEIGHTCAST_TEST_BOOTSTRAP=HOST:PORT (a broker with the weightcast.* topics) to run")

    def test_scores_and_alerts_come_back_from_the_topics(self):
        from confluent_kafka import Producer

        bootstrap = os.environ["WEIGHTCAST_TEST_BOOTSTRAP"]
        run_id = f"readback-{uuid.uuid4().hex[:8]}"
        with weightcast.Weightcast(bootstrap) as client:
            run = client.start_run(study="live", run_id=run_id, planned_steps=18)
            self.assertIsNone(run.latest_score(), "nothing scored yet")
            self.assertFalse(run.should_stop())
            scorer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
            now = int(time.time() * 1000)
            for step in (1, 2):
                scorer.produce("weightcast.scores", key=run_id.encode(),
                               value=json.dumps(score_record(run_id, step, [0.5, 0.6][step - 1], 7, now + step,
                                                             0.3, 0.7)).encode())
            scorer.flush(30)
            score = run.latest_score(wait=60, min_step=2)
            self.assertIsNotNone(score, "the score came back within 60 s")
            self.assertEqual((score.step, score.predicted_final_accuracy, score.model_version), (2, 0.6, 7))
            self.assertEqual(score.interval, Interval(0.8, 0.3, 0.7))
            self.assertFalse(run.should_stop())
            scorer.produce("weightcast.alerts", key=run_id.encode(),
                           value=json.dumps(alert_record(run_id, 2, "EARLY_STOP_CANDIDATE", "info")).encode())
            scorer.flush(30)
            self.assertTrue(wait_for(run.should_stop, timeout=60))
            self.assertEqual(run.stop_reason()["kind"], "EARLY_STOP_CANDIDATE")
            self.assertEqual([a["kind"] for a in run.latest_score().alerts], ["EARLY_STOP_CANDIDATE"])


if __name__ == "__main__":
    unittest.main()
