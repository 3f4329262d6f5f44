"""WEIGHTCAST_* environment configuration, and WEIGHTCAST_MODE=disabled (a no-op run that never connects)."""

import json
import os
import socket
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

import numpy as np

import weightcast
from weightcast.alerts import AlertWatcher
from weightcast.client import DirectoryTransport, HttpTransport, MemoryTransport, NullTransport
from weightcast.readback import HttpReader


def clean_env(**values):
    """os.environ without any WEIGHTCAST_* variable, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIGHTCAST_")}
    env.update(values)
    return mock.patch.dict(os.environ, env, clear=True)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DisabledModeTest(unittest.TestCase):
    def test_disabled_run_is_a_no_op_that_never_connects(self):
        port = closed_port()
        with clean_env(WEIGHTCAST_MODE="disabled", WEIGHTCAST_BOOTSTRAP=f"127.0.0.1:{port}"):
            t0 = time.monotonic()
            # explicit destinations too: the variable is a kill switch
            run = weightcast.start_run(f"127.0.0.1:{port}", study="s", planned_steps=3, connect_timeout=5)
            self.assertIsInstance(run.client.transport, NullTransport)
            self.assertEqual(run.log_checkpoint({"w": np.ones((2, 2), np.float32)}, step=1, metrics={"val_acc": 1}), 0)
            run.log_metrics(1, {"val_acc": 0.5})
            self.assertFalse(run.should_stop())
            self.assertIsNone(run.latest_score())
            self.assertIsNone(run.stop_reason())
            self.assertIsNone(run.client.reader())
            run.finish(test_accuracy=0.9)
            self.assertTrue(run.finished)
            self.assertLess(time.monotonic() - t0, 2, "no connection attempt (it would take the 5 s timeout)")
            with self.assertRaises(weightcast.WeightcastError):
                run.log_metrics(2, {})  # still a run: finished is finished
            with self.assertRaises(weightcast.WeightcastError):
                weightcast.start_run(study="s").log_checkpoint({}, step=-1)  # arguments still checked

    def test_disabled_in_code(self):
        with clean_env():
            client = weightcast.Weightcast(mode="disabled")
            self.assertTrue(client.disabled)
            self.assertEqual(client.start_run(study="s").log_checkpoint({}, step=0), 0)

    def test_disabled_reader(self):
        with clean_env(WEIGHTCAST_MODE="disabled"):
            reader = weightcast.open_reader()
            self.assertFalse(reader.should_stop("r"))
            self.assertIsNone(reader.latest_score("r"))

    def test_dryrun_mode_builds_the_records(self):
        with clean_env(WEIGHTCAST_MODE="dryrun"):
            run = weightcast.start_run(study="s")
            self.assertIsInstance(run.client.transport, MemoryTransport)
            self.assertGreater(run.log_checkpoint({"w": np.ones((2, 2), np.float32)}, step=1), 100)
            t0 = time.monotonic()
            run = weightcast.start_run(f"127.0.0.1:{closed_port()}", study="s", connect_timeout=5)
            self.assertIsInstance(run.client.transport, MemoryTransport, "the mode wins over the code's destination")
            self.assertLess(time.monotonic() - t0, 2, "no connection attempt")
            self.assertIsNone(run.client.reader())
        with clean_env(WEIGHTCAST_SCORER_URL="http://127.0.0.1:1"):
            self.assertIsNone(weightcast.Weightcast(dry_run=True).reader(), "a dry run reads nothing back")

    def test_a_bad_mode_is_refused(self):
        with clean_env(WEIGHTCAST_MODE="offline-ish"):
            with self.assertRaises(weightcast.WeightcastError) as ctx:
                weightcast.Weightcast(transport=MemoryTransport())
            self.assertIn("WEIGHTCAST_MODE", str(ctx.exception))


class EnvDestinationTest(unittest.TestCase):
    def test_bootstrap_from_the_environment(self):
        port = closed_port()
        with clean_env(WEIGHTCAST_BOOTSTRAP=f"127.0.0.1:{port}"):
            with self.assertRaises(weightcast.WeightcastError) as ctx:
                weightcast.start_run(study="s", connect_timeout=1)
            self.assertIn(f"cannot reach Kafka at 127.0.0.1:{port}", str(ctx.exception))
        with clean_env(WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}"):
            with self.assertRaises(weightcast.WeightcastError) as ctx:
                weightcast.Weightcast(connect_timeout=1)
            self.assertIn(f"127.0.0.1:{port}", str(ctx.exception))

    def test_url_and_token_from_the_environment(self):
        with clean_env(WEIGHTCAST_URL="http://127.0.0.1:1/", WEIGHTCAST_TOKEN="s3cret"):
            client = weightcast.Weightcast()
            self.assertIsInstance(client.transport, HttpTransport)
            self.assertEqual((client.transport.url, client.transport.token), ("http://127.0.0.1:1", "s3cret"))

    def test_directory_study_and_topic_prefix_from_the_environment(self):
        env = dict(WEIGHTCAST_STUDY="sweep-7", WEIGHTCAST_TOPIC_PREFIX="team.")
        with tempfile.TemporaryDirectory() as d, clean_env(WEIGHTCAST_DIR=d, **env):
            client = weightcast.Weightcast()
            self.assertIsInstance(client.transport, DirectoryTransport)
            self.assertEqual(client.topic_prefix, "team.")
            run = client.start_run(run_id="r1")
            run.finish(test_accuracy=0.5)
            events = [json.loads(line) for line in (Path(d) / "r1" / "events.jsonl").read_text().splitlines()]
            self.assertEqual({e["study"] for e in events}, {"sweep-7"})
            self.assertEqual(weightcast.start_run(run_id="r2").study, "sweep-7")
            self.assertEqual(client.start_run(study="mine", run_id="r3").study, "mine", "code wins")

    def test_code_wins_over_the_environment(self):
        with clean_env(WEIGHTCAST_URL="http://127.0.0.1:1"):
            self.assertIsInstance(weightcast.Weightcast(transport=MemoryTransport()).transport, MemoryTransport)
            self.assertIsInstance(weightcast.Weightcast(dry_run=True).transport, MemoryTransport)

    def test_two_destinations_in_the_environment_are_refused(self):
        with clean_env(WEIGHTCAST_URL="http://127.0.0.1:1", WEIGHTCAST_DIR="/tmp/x"):
            with self.assertRaises(weightcast.WeightcastError) as ctx:
                weightcast.Weightcast()
            self.assertIn("WEIGHTCAST_DIR", str(ctx.exception))
            self.assertIn("WEIGHTCAST_URL", str(ctx.exception))

    def test_nothing_configured_names_the_variables(self):
        with clean_env():
            with self.assertRaises(weightcast.WeightcastError) as ctx:
                weightcast.Weightcast()
            self.assertIn("WEIGHTCAST_BOOTSTRAP", str(ctx.exception))
            self.assertIn("WEIGHTCAST_MODE=disabled", str(ctx.exception))

    def test_scorer_url_and_stop_rules_from_the_environment(self):
        with clean_env(WEIGHTCAST_SCORER_URL="http://127.0.0.1:1", WEIGHTCAST_STOP_ON="DYING_RELU:warning, NONFINITE_WEIGHTS"):
            client = weightcast.Weightcast(transport=MemoryTransport())
            reader = client.reader()
            self.assertIsInstance(reader, HttpReader)
            self.assertEqual(reader.url, "http://127.0.0.1:1")
            self.assertEqual(reader.rules.min_severity, {"DYING_RELU": 1, "NONFINITE_WEIGHTS": 0})
        with clean_env(WEIGHTCAST_BOOTSTRAP="127.0.0.1:1", WEIGHTCAST_TOPIC_PREFIX="p."):
            reader = weightcast.open_reader()
            self.assertIsInstance(reader, AlertWatcher)
            self.assertEqual((reader.topic, reader.scores_topic), ("p.alerts", "p.scores"))

    def test_every_variable_is_documented(self):
        readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
        for name in weightcast.ENV_VARS:
            self.assertTrue(f"`{name}`" in readme, f"{name} is not in clients/python/README.md")


if __name__ == "__main__":
    unittest.main()
