"""The directory sink: a client writes exactly the bytes it would publish, one directory per run."""

import json
import shutil
import tempfile
import unittest
from collections import OrderedDict
from pathlib import Path

import torch

import weightcast
from weightcast import safetensors as st
from weightcast.client import DirectoryTransport, MemoryTransport


class Tee:
    """Hands every record to a MemoryTransport (what Kafka would get) and a DirectoryTransport."""

    def __init__(self, memory, directory):
        self.memory, self.directory = memory, directory

    def send_checkpoint(self, run_id, step, value):
        self.memory.send_checkpoint(run_id, step, value)
        return self.directory.send_checkpoint(run_id, step, value)

    def send_event(self, run_id, value):
        self.memory.send_event(run_id, value)
        self.directory.send_event(run_id, value)

    def flush(self, timeout=None):
        pass

    def close(self):
        pass


def state(scale=1.0, units=4):
    torch.manual_seed(0)
    return OrderedDict([("conv1.weight", torch.randn(units, 1, 3, 3) * scale), ("conv1.bias", torch.zeros(units)),
                        ("dense.weight", torch.randn(10, units) * scale), ("dense.bias", torch.ones(10))])


class DirectorySinkTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="wc-dir-"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_round_trip_writes_exactly_the_published_bytes(self):
        # max_record_bytes 1 KiB: Kafka would get the 2nd checkpoint in parts; the directory keeps it whole
        memory = MemoryTransport(max_record_bytes=1024)
        client = weightcast.Weightcast(transport=Tee(memory, DirectoryTransport(self.dir)))
        run = client.start_run(study="digits", hparams={"lr": 0.01}, planned_steps=2, activation="relu", run_id="r-1")
        run.log_checkpoint(state(), step=1, metrics={"val_acc": 0.5, "dead_fraction/conv1": 0.25})
        run.log_metrics(1, {"val_acc": 0.5})
        self.assertTrue((self.dir / ".tmp-r-1" / "step-001.safetensors").is_file())
        self.assertFalse((self.dir / "r-1").exists(), "a run directory appears only when the run finished")
        big = state(units=64)
        run.log_checkpoint(big, step=2, metrics={"val_acc": 0.75})
        run.log_metrics(2, {"val_acc": 0.75})
        run.finish(test_accuracy=0.7, train_accuracy=0.8)

        run_dir = self.dir / "r-1"
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), ["r-1"])
        self.assertEqual(sorted(p.name for p in run_dir.iterdir()),
                         ["events.jsonl", "step-001.safetensors", "step-002.safetensors"])
        published = [v for kind, _, v in memory.records if kind == "event"]
        self.assertEqual((run_dir / "events.jsonl").read_bytes(), b"".join(v + b"\n" for v in published))
        events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
        self.assertEqual([e["type"] for e in events], ["started", "metrics", "metrics", "finished"])
        self.assertEqual(events[0]["hparams"], {"lr": 0.01})
        self.assertEqual(events[-1]["final"], {"test_accuracy": 0.7, "train_accuracy": 0.8})

        parts = memory.checkpoints("r-1")
        self.assertEqual((run_dir / "step-001.safetensors").read_bytes(), parts[0])
        step2 = (run_dir / "step-002.safetensors").read_bytes()
        self.assertGreater(len(parts), 2, "Kafka would have received the big checkpoint in parts")
        self.assertEqual(step2, run.checkpoint_bytes(big, 2, {"val_acc": 0.75}))
        self.assertEqual(st.merge(parts[1:]), step2)
        f = st.load(step2)
        self.assertEqual((f.metadata["run_id"], f.metadata["step"], f.metadata["planned_steps"]), ("r-1", "2", "2"))
        self.assertEqual((f.metadata["activation"], f.metadata["study"], f.metadata["layers"]),
                         ("relu", "digits", "conv1,dense"))
        self.assertEqual(json.loads(f.metadata["metrics"]), {"val_acc": 0.75})
        self.assertNotIn("part", f.metadata)
        self.assertTrue(torch.equal(f["conv1.weight"].torch(), big["conv1.weight"]))

    def test_directory_option_and_start_run(self):
        run = weightcast.start_run(directory=self.dir, study="s", planned_steps=1, run_id="solo")
        run.log_checkpoint(state(), step=1)
        run.finish(test_accuracy=0.5)
        self.assertTrue((self.dir / "solo" / "step-001.safetensors").is_file())
        self.assertIsInstance(weightcast.Weightcast(directory=self.dir / "nested" / "new").transport, DirectoryTransport)
        self.assertTrue((self.dir / "nested" / "new").is_dir())
        with self.assertRaises(weightcast.WeightcastError):
            weightcast.Weightcast("127.0.0.1:9", directory=self.dir)

    def test_started_discards_a_partial_run(self):
        client = weightcast.Weightcast(directory=self.dir)
        run = client.start_run(run_id="again", planned_steps=3)
        for step in (1, 2, 3):
            run.log_checkpoint(state(), step=step)
        # the writer dies here: a new writer starts the same run over
        again = weightcast.Weightcast(directory=self.dir).start_run(run_id="again", planned_steps=3)
        self.assertEqual(sorted(p.name for p in (self.dir / ".tmp-again").iterdir()), ["events.jsonl"])
        again.log_checkpoint(state(), step=1)
        again.finish(test_accuracy=0.4)
        self.assertEqual(sorted(p.name for p in (self.dir / "again").iterdir()), ["events.jsonl", "step-001.safetensors"])
        self.assertEqual(len((self.dir / "again" / "events.jsonl").read_text().splitlines()), 2)
        self.assertFalse((self.dir / ".tmp-again").exists())

    def test_a_finished_run_is_replaced_when_it_finishes_again(self):
        client = weightcast.Weightcast(directory=self.dir)
        for acc in (0.1, 0.9):
            run = client.start_run(run_id="twice", planned_steps=1)
            run.log_checkpoint(state(acc), step=1)
            self.assertTrue((self.dir / "twice").exists() == (acc == 0.9))
            run.finish(test_accuracy=acc)
        last = json.loads((self.dir / "twice" / "events.jsonl").read_text().splitlines()[-1])
        self.assertEqual(last["final"]["test_accuracy"], 0.9)

    def test_run_ids_that_cannot_name_a_directory(self):
        client = weightcast.Weightcast(directory=self.dir)
        for bad in ("../escape", "a/b", ".hidden", " padded", "back\\slash"):
            with self.assertRaises(weightcast.WeightcastError, msg=bad):
                client.start_run(run_id=bad)
        self.assertEqual(list(self.dir.iterdir()), [])


if __name__ == "__main__":
    unittest.main()
