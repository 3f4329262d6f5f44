"""The HTTP transport against a busy gateway: 429/503 with Retry-After are retried, boundedly.

A real local http.server plays the ingest gateway; it answers from a script of statuses, as the Java
gateway does when admission control refuses (429 + Retry-After) or Kafka is unavailable (503 + Retry-After).
"""

import time
import unittest
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

import numpy as np

import weightcast
from weightcast import safetensors as st
from weightcast.client import HttpTransport, retry_delay
from tests.local_http import LocalHttpTestCase


class BusyGateway(BaseHTTPRequestHandler):
    script = []  # (status, Retry-After or None) per request; then 202; status 0: hang up without an answer
    received = []
    keys = []  # each request's Idempotency-Key

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        BusyGateway.received.append((time.monotonic(), self.path, body))
        BusyGateway.keys.append(self.headers.get("Idempotency-Key"))
        status, retry_after = BusyGateway.script.pop(0) if BusyGateway.script else (202, None)
        if status == 0:  # the request arrived, the answer never does (a gateway restarted after the Kafka ack)
            self.close_connection = True
            return
        reply = b'{"accepted":true}' if status == 202 else b'{"error":"overloaded"}'
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


class HttpRetryTest(LocalHttpTestCase):
    handler = BusyGateway

    def setUp(self):
        BusyGateway.script = []
        BusyGateway.received = []
        BusyGateway.keys = []

    def test_every_request_carries_an_idempotency_key_the_same_on_its_retries(self):
        BusyGateway.script = [(503, "0"), (409, "0")]
        transport = HttpTransport(self.url, max_retries=3, backoff=0.01)
        run = weightcast.Weightcast(transport=transport).start_run(study="s", run_id="idem-1", planned_steps=1)
        run.log_checkpoint({"fc.weight": np.ones((2, 2), np.float32)}, step=1)
        self.assertEqual(len(BusyGateway.keys), 4, "started: 503, 409, 202; the checkpoint: 202")
        self.assertEqual(len(set(BusyGateway.keys[:3])), 1, "one key for a request and all its retries")
        self.assertNotEqual(BusyGateway.keys[0], BusyGateway.keys[3], "another request, another key")
        self.assertRegex(BusyGateway.keys[0], r"^[!-~]{1,255}$")

    def test_a_lost_answer_is_retried_with_the_same_key(self):
        BusyGateway.script = [(0, None)]
        transport = HttpTransport(self.url, max_retries=2, backoff=0.01)
        weightcast.Weightcast(transport=transport).start_run(study="s", run_id="idem-2")
        self.assertEqual(len(BusyGateway.received), 2, "the hung-up request was sent again")
        self.assertEqual(BusyGateway.keys[0], BusyGateway.keys[1])
        self.assertEqual(BusyGateway.received[0][2], BusyGateway.received[1][2])
        self.assertEqual(transport.retries, 1)

    def test_an_unreachable_gateway_fails_after_the_bounded_retries(self):
        transport = HttpTransport("http://127.0.0.1:9", max_retries=2, backoff=0.01)
        with self.assertRaises(weightcast.DeliveryError) as ctx:
            weightcast.Weightcast(transport=transport).start_run(study="s", run_id="idem-3")
        self.assertIn("failed 3 times", str(ctx.exception))

    def test_503_with_retry_after_then_202_delivers_once_after_the_wait(self):
        BusyGateway.script = [(503, "1")]
        transport = HttpTransport(self.url, max_retries=3, backoff=5.0)
        client = weightcast.Weightcast(transport=transport)
        run = client.start_run(study="s", run_id="busy-1", planned_steps=1)
        self.assertEqual(len(BusyGateway.received), 2, "the 503 was retried")
        waited = BusyGateway.received[1][0] - BusyGateway.received[0][0]
        self.assertGreaterEqual(waited, 0.95, "Retry-After: 1 was honoured")
        self.assertLess(waited, 4.0, "Retry-After wins over the (5 s) backoff")
        self.assertEqual(BusyGateway.received[0][2], BusyGateway.received[1][2], "the same body is sent again")
        run.log_checkpoint({"fc.weight": np.ones((2, 2), np.float32)}, step=1)
        self.assertEqual(st.load(BusyGateway.received[2][2]).metadata["run_id"], "busy-1")
        self.assertEqual(transport.retries, 1)

    def test_429_without_retry_after_backs_off_exponentially(self):
        BusyGateway.script = [(429, None), (429, None), (429, None)]
        transport = HttpTransport(self.url, max_retries=5, backoff=0.1, max_backoff=10)
        weightcast.Weightcast(transport=transport).start_run(study="s", run_id="busy-2")
        times = [t for t, _, _ in BusyGateway.received]
        self.assertEqual(len(times), 4)
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertGreaterEqual(gaps[0], 0.09)
        self.assertGreaterEqual(gaps[1], 0.19)
        self.assertGreaterEqual(gaps[2], 0.39)

    def test_gives_up_after_the_limit_with_a_clear_error(self):
        BusyGateway.script = [(429, "0")] * 10
        transport = HttpTransport(self.url, max_retries=2, backoff=0.01)
        with self.assertRaises(weightcast.DeliveryError) as ctx:
            weightcast.Weightcast(transport=transport).start_run(study="s", run_id="busy-3")
        self.assertEqual(len(BusyGateway.received), 3, "1 try + 2 retries, no more")
        message = str(ctx.exception)
        self.assertIn("answered 429", message)
        self.assertIn("3 times", message)
        self.assertIn("gave up after 2 retries", message)
        self.assertIn("overloaded", message)

    def test_other_errors_are_not_retried(self):
        BusyGateway.script = [(400, None), (202, None)]
        with self.assertRaises(weightcast.DeliveryError) as ctx:
            weightcast.Weightcast(transport=HttpTransport(self.url, backoff=0.01)).start_run(run_id="bad")
        self.assertEqual(len(BusyGateway.received), 1)
        self.assertIn("answered 400", str(ctx.exception))

    def test_client_options_reach_the_transport(self):
        client = weightcast.Weightcast(http_url=self.url, http_max_retries=7, http_max_backoff=3.0)
        self.assertEqual((client.transport.max_retries, client.transport.max_backoff), (7, 3.0))


class RetryDelayTest(unittest.TestCase):
    def test_retry_after_seconds_dates_and_fallbacks(self):
        self.assertEqual(retry_delay("2", 0, 0.5, 30), 2.0)
        self.assertEqual(retry_delay("120", 0, 0.5, 30), 30, "capped at max_backoff")
        self.assertEqual(retry_delay(None, 0, 0.5, 30), 0.5)
        self.assertEqual(retry_delay(None, 3, 0.5, 30), 4.0)
        self.assertEqual(retry_delay("soon", 1, 0.5, 30), 1.0, "unparseable: the backoff")
        self.assertAlmostEqual(retry_delay(formatdate(time.time() + 5, usegmt=True), 0, 0.5, 30), 5, delta=1.1)
        self.assertEqual(retry_delay(formatdate(time.time() - 60, usegmt=True), 0, 0.5, 30), 0.0, "a past date")
        self.assertEqual(retry_delay("-3", 0, 0.5, 30), 0.0)


if __name__ == "__main__":
    unittest.main()
