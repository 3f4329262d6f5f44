"""The claim check: big checkpoints to a shared store, their reference (URI, size, SHA-256) to Kafka."""

import hashlib
import json
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


def big_state(tensors, rows):
    rng = np.random.default_rng(7)
    out = OrderedDict()
    for i in range(tensors):
        out[f"layers.{i}.weight"] = rng.standard_normal((rows, 256)).astype(np.float32)
        out[f"layers.{i}.bias"] = np.zeros(rows, dtype=np.float32)
    return out


class StreamedClaimCheckTest(unittest.TestCase):
    """Big checkpoints are streamed to the store tensor by tensor and sharded above max_shard_bytes."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.store = Path(self.dir.name)
        self.transport = MemoryTransport()

    def tearDown(self):
        self.dir.cleanup()

    def client(self, **kwargs):
        return weightcast.Weightcast(transport=self.transport, claim_store=self.store.as_uri(), claim_threshold_bytes=4096,
                                     **kwargs)

    def test_the_streamed_file_is_byte_for_byte_the_in_memory_one(self):
        run = self.client().start_run(run_id="r1", planned_steps=4, activation="relu")
        state = big_state(3, 64)
        size = run.log_checkpoint(state, step=2, metrics={"val_acc": 0.5})
        record = st.load(self.transport.checkpoints("r1")[-1])
        uri, nbytes, sha = claim_check.reference_of(record.metadata)
        self.assertNotIn("ref_shards", record.metadata)
        data = Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path)).read_bytes()
        expected = run.checkpoint_bytes(state, 2, {"val_acc": 0.5})
        self.assertEqual(data, expected)
        self.assertEqual((size, nbytes, sha), (len(expected), len(expected), hashlib.sha256(expected).hexdigest()))
        self.assertEqual(list((self.store / ".incoming").iterdir()), [])  # the staging directory is gone

    def test_above_max_shard_bytes_it_is_a_hugging_face_sharded_checkpoint_with_every_shards_size_and_hash(self):
        run = self.client(claim_max_shard_bytes=150_000).start_run(run_id="sweep/1", planned_steps=4, activation="relu")
        state = big_state(4, 64)  # 4 x 65,536 bytes of weights: two layers per shard
        size = run.log_checkpoint(state, step=3)
        record = st.load(self.transport.checkpoints("sweep/1")[-1])
        self.assertEqual(record.tensors, [])
        meta = record.metadata
        self.assertEqual((meta["run_id"], meta["step"], meta["planned_steps"]), ("sweep/1", "3", "4"))
        uri, nbytes, sha = claim_check.reference_of(meta)
        index_path = Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path))
        self.assertEqual(index_path.name, "model.safetensors.index.json")
        index = index_path.read_bytes()
        self.assertEqual((len(index), hashlib.sha256(index).hexdigest()), (nbytes, sha))
        shards = claim_check.shards_of(meta)
        self.assertEqual([s["file"] for s in shards], ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        self.assertEqual(index_path.parent, self.store.resolve() / "runs/sweep_1" / f"3-{claim_check.shards_digest(shards)}")
        weight_map = json.loads(index)["weight_map"]
        self.assertEqual(list(weight_map), list(state))
        self.assertEqual(json.loads(index)["metadata"]["total_size"], sum(v.nbytes for v in state.values()))
        back = OrderedDict()
        for s in shards:
            data = (index_path.parent / s["file"]).read_bytes()
            self.assertEqual((len(data), hashlib.sha256(data).hexdigest()), (s["bytes"], s["sha256"]))
            f = st.load(data)
            self.assertEqual(f.metadata["run_id"], "sweep/1")
            for t in f.tensors:
                self.assertEqual(weight_map[t.name], s["file"])
                back[t.name] = t.numpy()
        self.assertEqual(list(back), list(state))
        for name, value in state.items():
            np.testing.assert_array_equal(back[name], value)
        self.assertEqual(size, st.file_size(st.specs_of(state), run.checkpoint_metadata(state, 3)))
        self.assertEqual(sorted(p.name for p in index_path.parent.iterdir()),
                         ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"])

    def test_the_shard_digest_is_javas(self):
        # CheckpointReferenceTest: sha256 of "<file> <sha256>\n" per shard, sorted by file
        a, b = "ab" * 32, "cd" * 32
        shards = [{"file": "m-2.safetensors", "sha256": b}, {"file": "m-1.safetensors", "sha256": a}]
        text = f"m-1.safetensors {a}\nm-2.safetensors {b}\n".encode()
        self.assertEqual(claim_check.shards_digest(shards), hashlib.sha256(text).hexdigest())
        self.assertEqual(claim_check.sharded_directory("sweep/1", 4, "d" * 64), "runs/sweep_1/4-" + "d" * 64 + "/")

    def test_peak_extra_memory_is_about_one_tensor(self):
        import tracemalloc
        state = big_state(8, 1024)  # 8 weights of 1 MiB: an 8 MiB checkpoint
        run = self.client(claim_max_shard_bytes=3 << 20).start_run(run_id="mem")
        tracemalloc.start()
        try:
            run.log_checkpoint(state, step=1)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 2.5 * (1 << 20), f"peak {peak} bytes while streaming an 8 MiB checkpoint")
        tracemalloc.start()
        try:
            run.checkpoint_bytes(state, 1)
            _, in_memory = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertGreater(in_memory, 8 << 20)  # what the in-memory path costs, for comparison

    def test_to_s3_the_files_are_uploaded_from_disk_shards_before_the_index_and_deleted(self):
        uploads = []

        class FakeS3:  # boto3's client: upload_file streams a file from disk (multipart when large)
            def upload_file(self, filename, bucket, key):
                uploads.append((bucket, key, Path(filename).read_bytes()))

        spool = self.store / "spool"
        spool.mkdir()
        store = claim_check.S3Store("s3://ckpts/weightcast", client=FakeS3(), spool=str(spool))
        client = weightcast.Weightcast(transport=self.transport, claim_store=store, claim_threshold_bytes=4096,
                                       claim_max_shard_bytes=150_000)
        client.start_run(run_id="r3").log_checkpoint(big_state(4, 64), step=1)
        meta = st.load(self.transport.checkpoints("r3")[-1]).metadata
        shards = claim_check.shards_of(meta)
        directory = "weightcast/" + claim_check.sharded_directory("r3", 1, claim_check.shards_digest(shards))
        self.assertEqual([k for _, k, _ in uploads], [directory + s["file"] for s in shards] + [directory + "model.safetensors.index.json"])
        self.assertEqual(meta["ref_uri"], "s3://ckpts/" + directory + "model.safetensors.index.json")
        for (_, _, data), s in zip(uploads, shards):
            self.assertEqual(hashlib.sha256(data).hexdigest(), s["sha256"])
        self.assertEqual(list(spool.iterdir()), [])

    def test_without_upload_file_the_body_is_an_open_file_not_bytes(self):
        bodies = []

        class PlainS3:
            def put_object(self, **kwargs):
                self.assert_file(kwargs["Body"])
                bodies.append((kwargs["Key"], kwargs["Body"].read(), kwargs["ContentLength"]))

            def assert_file(self, body):
                assert hasattr(body, "read") and not isinstance(body, bytes), type(body)

        store = claim_check.S3Store("s3://ckpts", client=PlainS3())
        client = weightcast.Weightcast(transport=self.transport, claim_store=store, claim_threshold_bytes=4096)
        client.start_run(run_id="r4").log_checkpoint(big_state(2, 64), step=1)
        meta = st.load(self.transport.checkpoints("r4")[-1]).metadata
        (key, data, length), = bodies
        self.assertEqual((len(data), hashlib.sha256(data).hexdigest()), (length, meta["ref_sha256"]))
        self.assertEqual(meta["ref_uri"], f"s3://ckpts/{key}")

    def test_bf16_torch_tensors_stream_bit_exact(self):
        try:
            import torch
        except ImportError:
            self.skipTest("needs torch (Debian's python3-torch)")
        torch.manual_seed(0)
        state = OrderedDict([("fc.weight", torch.randn(300, 64).to(torch.bfloat16)), ("fc.bias", torch.zeros(300))])
        run = self.client().start_run(run_id="t")
        run.log_checkpoint(state, step=1)
        uri, _, _ = claim_check.reference_of(st.load(self.transport.checkpoints("t")[-1]).metadata)
        data = Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path)).read_bytes()
        self.assertEqual(data, run.checkpoint_bytes(state, 1))
        self.assertTrue(torch.equal(st.load(data).state_dict()["fc.weight"], state["fc.weight"]))

    def test_bad_shard_sizes_are_refused(self):
        with self.assertRaises(ValueError):
            claim_check.ClaimCheckTransport(MemoryTransport(), claim_check.FileStore(self.dir.name), 0, 0)
        os.environ["WEIGHTCAST_STORE_MAX_SHARD_BYTES"] = "1234"
        try:
            client = weightcast.Weightcast(transport=MemoryTransport(), claim_store=self.dir.name)
            self.assertEqual(client.transport.max_shard_bytes, 1234)
        finally:
            del os.environ["WEIGHTCAST_STORE_MAX_SHARD_BYTES"]


if __name__ == "__main__":
    unittest.main()
