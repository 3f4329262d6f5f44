"""The claim check: big checkpoints to a shared store, their reference (URI, size, SHA-256) to Kafka."""

import hashlib
import os
import tempfile
import unittest
import urllib.parse
from collections import OrderedDict
from pathlib import Path

import numpy as np

import weightcast
from weightcast import claim_check
from weightcast import safetensors as st
from weightcast.client import MemoryTransport


def state(rows):
    rng = np.random.default_rng(rows)
    return OrderedDict([("fc1.weight", rng.standard_normal((rows, 8)).astype(np.float32)),
                        ("fc1.bias", np.zeros(rows, dtype=np.float32))])


class ClaimCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.store = Path(self.dir.name)
        self.transport = MemoryTransport()
        self.client = weightcast.Weightcast(transport=self.transport, claim_store=self.store.as_uri(),
                                            claim_threshold_bytes=4096)

    def tearDown(self):
        self.dir.cleanup()

    def test_a_big_checkpoint_goes_to_the_store_and_kafka_gets_its_reference(self):
        run = self.client.start_run(study="s", planned_steps=10, activation="relu", run_id="sweep/run 1")
        size = run.log_checkpoint(state(400), step=3, metrics={"val_acc": 0.5})
        self.assertGreater(size, 4096)
        record = st.load(self.transport.checkpoints("sweep/run 1")[-1])
        self.assertEqual(record.tensors, [])
        meta = record.metadata
        self.assertEqual((meta["run_id"], meta["step"], meta["study"], meta["activation"]), ("sweep/run 1", "3", "s", "relu"))
        self.assertIn("val_acc", meta["metrics"])
        uri, nbytes, sha = claim_check.reference_of(meta)
        path = Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path))
        self.assertEqual(path, self.store.resolve() / f"runs/sweep_run_1/3-{sha}.safetensors")
        data = path.read_bytes()
        self.assertEqual((len(data), hashlib.sha256(data).hexdigest()), (nbytes, sha))
        stored = st.load(data)  # the checkpoint itself, metadata included
        self.assertEqual([t.name for t in stored.tensors], ["fc1.weight", "fc1.bias"])
        self.assertEqual(stored.metadata["step"], "3")
        self.assertEqual([p.name for p in path.parent.iterdir()], [path.name])  # no temporary file left
        self.assertEqual(self.client.transport.references, 1)

    def test_a_small_checkpoint_stays_inline(self):
        run = self.client.start_run(run_id="r-small")
        run.log_checkpoint(state(4), step=1)
        record = st.load(self.transport.checkpoints("r-small")[-1])
        self.assertEqual(len(record.tensors), 2)
        self.assertIsNone(claim_check.reference_of(record.metadata))
        self.assertFalse((self.store / "runs").exists())

    def test_object_keys_match_the_java_producers(self):
        sha = "ab" * 32
        self.assertEqual(claim_check.object_key("sweep-7/run 1", 12, sha), f"runs/sweep-7_run_1/12-{sha}.safetensors")
        self.assertEqual(claim_check.object_key("..", 0, sha), f"runs/_./0-{sha}.safetensors")
        self.assertEqual(claim_check.object_key("../../etc", 0, sha), f"runs/_._.._etc/0-{sha}.safetensors")

    def test_s3_keys_carry_the_prefix(self):
        calls = []

        class FakeS3:
            def put_object(self, **kwargs):
                calls.append(kwargs)

        store = claim_check.S3Store("s3://bucket/weightcast/", client=FakeS3())
        uri = store.put("runs/r/1-x.safetensors", b"abc")
        self.assertEqual(uri, "s3://bucket/weightcast/runs/r/1-x.safetensors")
        self.assertEqual((calls[0]["Bucket"], calls[0]["Key"], calls[0]["Body"]), ("bucket", "weightcast/runs/r/1-x.safetensors", b"abc"))

    def test_over_http_a_client_store_wraps_the_transport_and_the_environment_alone_does_not(self):
        client = weightcast.Weightcast(http_url="http://127.0.0.1:9", claim_store=self.dir.name)
        self.assertIsInstance(client.transport, claim_check.ClaimCheckTransport)
        os.environ["WEIGHTCAST_STORE_URI"] = self.dir.name
        try:
            plain = weightcast.Weightcast(http_url="http://127.0.0.1:9")
            self.assertNotIsInstance(plain.transport, claim_check.ClaimCheckTransport)
        finally:
            del os.environ["WEIGHTCAST_STORE_URI"]

    def test_a_bad_threshold_is_refused(self):
        with self.assertRaises(ValueError):
            claim_check.ClaimCheckTransport(MemoryTransport(), claim_check.FileStore(self.dir.name), -1)

    def test_a_dry_run_never_writes_to_the_store(self):
        client = weightcast.Weightcast(dry_run=True, claim_store=self.dir.name, claim_threshold_bytes=0)
        client.start_run(run_id="dry").log_checkpoint(state(400), step=1)
        self.assertEqual(os.listdir(self.dir.name), [])


if __name__ == "__main__":
    unittest.main()
