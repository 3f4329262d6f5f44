"""should_stop(): the stop rules, the alerts watcher with a fake consumer, and the example receiver."""

import hashlib
import hmac
import importlib.util
import json
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import weightcast
from weightcast.alerts import AlertWatcher, StopRules
from weightcast.client import MemoryTransport

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def alert(run_id, kind, severity, step=3):
    return json.dumps({"run_id": run_id, "step": step, "kind": kind, "severity": severity,
                       "evidence": {"x": 1}, "model_version": 2, "raised_at": 1}).encode()


class FakeMessage:
    def __init__(self, key, value, error=None):
        self._key, self._value, self._error = key, value, error

    def key(self):
        return self._key

    def value(self):
        return self._value

    def error(self):
        return self._error


class FakeConsumer:
    """Enough of confluent_kafka.Consumer for the watcher: metadata, offsets_for_times, assign, poll."""

    def __init__(self, messages, partitions=(0, 1)):
        self.messages = list(messages)
        self.partitions = partitions
        self.assigned = None
        self.closed = threading.Event()
        self.drained = threading.Event()

    def list_topics(self, topic, timeout=None):
        t = type("T", (), {"error": None, "partitions": {p: None for p in self.partitions}})()
        return type("M", (), {"topics": {topic: t}})()

    def offsets_for_times(self, partitions, timeout=None):
        self.asked_since = [p.offset for p in partitions]
        for p in partitions:
            p.offset = 5 if p.partition == 0 else -1
        return partitions

    def get_watermark_offsets(self, partition, timeout=None):
        return 0, 9

    def assign(self, partitions):
        self.assigned = [(p.topic, p.partition, p.offset) for p in partitions]

    def poll(self, timeout):
        if self.messages:
            return self.messages.pop(0)
        self.drained.set()
        time.sleep(0.01)
        return None

    def close(self):
        self.closed.set()


def wait_for(condition, timeout=5.0):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.01)
    return condition()


class StopRulesTest(unittest.TestCase):
    def test_default_rules(self):
        rules = StopRules()
        self.assertTrue(rules.matches(json.loads(alert("r", "EARLY_STOP_CANDIDATE", "info"))))
        self.assertTrue(rules.matches(json.loads(alert("r", "NONFINITE_WEIGHTS", "critical"))))
        self.assertTrue(rules.matches(json.loads(alert("r", "DYING_RELU", "critical"))))
        self.assertFalse(rules.matches(json.loads(alert("r", "DYING_RELU", "warning"))), "dying ReLU stops only when critical")
        self.assertFalse(rules.matches(json.loads(alert("r", "SPECTRAL_COLLAPSE", "critical"))))
        self.assertFalse(rules.matches({"kind": "DYING_RELU", "severity": "bogus"}))
        self.assertFalse(rules.matches(["not", "a", "dict"]))

    def test_configured_rules(self):
        rules = StopRules(["spectral_collapse:warning"])
        self.assertTrue(rules.matches({"kind": "SPECTRAL_COLLAPSE", "severity": "CRITICAL"}))
        self.assertFalse(rules.matches({"kind": "SPECTRAL_COLLAPSE", "severity": "info"}))
        self.assertFalse(rules.matches({"kind": "EARLY_STOP_CANDIDATE", "severity": "critical"}))
        with self.assertRaises(ValueError):
            StopRules(["DYING_RELU:fatal"])


class AlertWatcherTest(unittest.TestCase):
    def test_offer_is_per_watched_run_and_keeps_the_first_stop(self):
        w = AlertWatcher("unused:9092", "weightcast.alerts", consumer_factory=lambda c: None)
        w.watch("a")
        self.assertFalse(w.offer(b"a", alert("a", "DYING_RELU", "warning")))
        self.assertFalse(w.offer(b"b", alert("b", "NONFINITE_WEIGHTS", "critical")), "b is not watched")
        self.assertFalse(w.offer(b"a", b"{not json"))
        self.assertFalse(w.offer(b"a", None))
        self.assertTrue(w.offer(b"a", alert("a", "NONFINITE_WEIGHTS", "critical", step=4)))
        self.assertFalse(w.offer(b"a", alert("a", "EARLY_STOP_CANDIDATE", "info", step=5)), "already stopping")
        self.assertEqual(w.stop_reason("a")["step"], 4)
        self.assertIsNone(w.stop_reason("b"))

    def test_key_names_the_run_when_the_value_lacks_it(self):
        w = AlertWatcher("unused:9092", "t", consumer_factory=lambda c: None)
        w.watch("k")
        self.assertTrue(w.offer(b"k", json.dumps({"kind": "EARLY_STOP_CANDIDATE", "severity": "info"}).encode()))

    def test_background_thread_starts_lazily_and_reads_from_the_lookback_time(self):
        fake = FakeConsumer([FakeMessage(b"x", alert("x", "NONFINITE_WEIGHTS", "critical")),
                             FakeMessage(None, None, error="transient"),
                             FakeMessage(b"run-1", alert("run-1", "DYING_RELU", "warning")),
                             FakeMessage(b"run-1", alert("run-1", "EARLY_STOP_CANDIDATE", "info", step=7))])
        configs = []
        w = AlertWatcher("broker:9092", "p.alerts", consumer_factory=lambda c: configs.append(c) or fake)
        self.assertEqual(configs, [], "nothing starts before should_stop()")
        self.assertTrue(wait_for(lambda: w.should_stop("run-1")))
        self.assertEqual(w.stop_reason("run-1")["kind"], "EARLY_STOP_CANDIDATE")
        self.assertFalse(w.should_stop("x"), "x's alert was read before x was watched")
        config = configs[0]
        self.assertEqual(config["bootstrap.servers"], "broker:9092")
        self.assertEqual(config["isolation.level"], "read_committed")
        self.assertFalse(config["enable.auto.commit"])
        self.assertEqual(fake.assigned, [("p.alerts", 0, 5), ("p.alerts", 1, 9)], "no record since: the end as of now")
        self.assertAlmostEqual(fake.asked_since[0] / 1000, time.time() - 600, delta=30)
        w.close()
        self.assertTrue(fake.closed.wait(2))
        self.assertIsNone(w.error)

    def test_a_failing_consumer_leaves_should_stop_false_with_an_error(self):
        def broken(config):
            raise RuntimeError("no librdkafka here")
        w = AlertWatcher("b:1", "t", consumer_factory=broken)
        self.assertFalse(w.should_stop("r"))
        self.assertTrue(wait_for(lambda: w.error is not None))
        self.assertIn("no librdkafka here", w.error)
        self.assertFalse(w.should_stop("r"))


class RunShouldStopTest(unittest.TestCase):
    def test_run_asks_the_shared_watcher(self):
        fake = FakeConsumer([FakeMessage(b"r-1", alert("r-1", "DYING_RELU", "critical"))])
        watcher = AlertWatcher("b:1", "weightcast.alerts", consumer_factory=lambda c: fake)
        client = weightcast.Weightcast(transport=MemoryTransport(), alert_watcher=watcher)
        run = client.start_run(study="s", run_id="r-1")
        other = client.start_run(study="s", run_id="r-2")
        self.assertTrue(wait_for(run.should_stop))
        self.assertFalse(other.should_stop())
        self.assertEqual(run.stop_reason()["kind"], "DYING_RELU")
        client.close()
        self.assertTrue(fake.closed.wait(2))

    def test_without_kafka_should_stop_is_false(self):
        run = weightcast.start_run(dry_run=True, study="s")
        with self.assertLogs("weightcast", "WARNING"):
            self.assertFalse(run.should_stop())
        self.assertFalse(run.should_stop())
        self.assertIsNone(run.stop_reason())

    def test_bad_stop_rules_fail_at_construction(self):
        with self.assertRaises(ValueError):
            weightcast.Weightcast(transport=MemoryTransport(), stop_on=["DYING_RELU:loud"])


def load_receiver():
    spec = importlib.util.spec_from_file_location("stop_receiver", EXAMPLES / "stop_receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def signed_headers(secret, body, ts):
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    tsig = "sha256=" + hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Weightcast-Signature": sig, "X-Weightcast-Timestamp": str(ts), "X-Weightcast-Signature-Timestamped": tsig}


class StopReceiverTest(unittest.TestCase):
    SECRET = "change-me"

    @classmethod
    def setUpClass(cls):
        cls.receiver = load_receiver()

    def test_signature_check(self):
        body = alert("r", "DYING_RELU", "critical")
        now = 1_700_000_000
        h = signed_headers(self.SECRET, body, now)
        verify = self.receiver.verify
        self.assertEqual(verify(self.SECRET, body, h, now=now + 5), (True, "ok"))
        self.assertEqual(verify("other", body, h, now=now)[1], "bad signature")
        self.assertEqual(verify(self.SECRET, body + b" ", h, now=now)[1], "bad signature")
        self.assertEqual(verify(self.SECRET, body, h, now=now + 301)[1], "timestamp outside the replay window")
        replay = dict(h, **{"X-Weightcast-Timestamp": str(now + 400)})
        self.assertEqual(verify(self.SECRET, body, replay, now=now + 400)[1], "bad timestamped signature")
        self.assertEqual(verify(self.SECRET, body, {}, now=now)[1], "unsigned request")

    def test_accepts_the_headers_of_a_known_vector(self):
        # secret "k", body b"{}", timestamp 1700000000: computed with `openssl dgst -sha256 -hmac k`;
        # the scorer's WebhookSignatureTest checks the same vector
        h = {"X-Weightcast-Signature": "sha256=add853b103fbcc936a194f9eb15e29c4ff08af6e47d5d1bca4f20218e31e4fff",
             "X-Weightcast-Timestamp": "1700000000",
             "X-Weightcast-Signature-Timestamped": "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"}
        self.assertEqual(self.receiver.verify("k", b"{}", h, now=1700000100), (True, "ok"))

    def test_runs_to_stop_from_json_and_alertmanager_bodies(self):
        rules = StopRules()
        self.assertEqual([r for r, _ in self.receiver.runs_to_stop(alert("a", "NONFINITE_WEIGHTS", "critical"), rules)], ["a"])
        self.assertEqual(self.receiver.runs_to_stop(alert("a", "DYING_RELU", "warning"), rules), [])
        am = json.dumps([{"labels": {"alertname": "WeightcastEarlyStopCandidate", "run_id": "b", "kind": "EARLY_STOP_CANDIDATE",
                                     "severity": "info"}}]).encode()
        self.assertEqual([r for r, _ in self.receiver.runs_to_stop(am, rules)], ["b"])
        with self.assertRaises(ValueError):
            self.receiver.runs_to_stop(b"42", rules)

    def test_http_receiver_writes_the_stop_file_only_for_verified_requests(self):
        with tempfile.TemporaryDirectory() as d:
            stop_dir = Path(d)
            handler = self.receiver.make_handler(self.SECRET, StopRules(), stop_dir, 300)
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.RequestHandlerClass.log_message = lambda *a: None
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            try:
                def post(body, headers):
                    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
                    try:
                        with urllib.request.urlopen(req, timeout=5) as r:
                            return r.status
                    except urllib.error.HTTPError as e:
                        return e.code
                body = alert("run/7", "EARLY_STOP_CANDIDATE", "info")
                self.assertEqual(post(body, signed_headers("wrong", body, int(time.time()))), 401)
                self.assertEqual(list(stop_dir.iterdir()), [])
                self.assertEqual(post(body, signed_headers(self.SECRET, body, int(time.time()) - 3600)), 401)
                self.assertEqual(post(b"[1", signed_headers(self.SECRET, b"[1", int(time.time()))), 400)
                import contextlib
                import io
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    self.assertEqual(post(body, signed_headers(self.SECRET, body, int(time.time()))), 204)
                self.assertIn("STOP run/7: EARLY_STOP_CANDIDATE", out.getvalue())
                written = stop_dir / "run_7.stop"
                self.assertTrue(written.exists())
                self.assertEqual(json.loads(written.read_text())["kind"], "EARLY_STOP_CANDIDATE")
            finally:
                server.shutdown()
                server.server_close()


if __name__ == "__main__":
    unittest.main()
