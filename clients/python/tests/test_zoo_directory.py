"""Zoos written to a directory (`python3 -m weightcast.demo.zoo --out ZOO`): the layout, the per-epoch
benchmark data, resuming after an interruption."""

import contextlib
import io
import json
import shutil
import tempfile
import unittest
from pathlib import Path

import torch

import weightcast
from weightcast import safetensors as st
from weightcast.demo import zoo
from weightcast.demo.zoo_directory import ZooDirectory

MANIFEST_KEYS = ["format", "source", "runs", "epochs", "seed", "width", "splits", "command", "generation_seconds",
                 "cpu_seconds", "complete", "torch"]


def run_main(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = zoo.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class Interrupted(Exception):
    pass


class ZooDirectoryTest(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="wc-zoo-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.out = self.root / "zoo"

    def generate(self, runs, *extra):
        return run_main("--out", str(self.out), "--runs", str(runs), "--epochs", "2", "--parallel", "1",
                        "--seed", "4", *extra)

    def test_layout_metadata_and_benchmark_metrics(self):
        code, out, err = self.generate(2, "--progress", "json")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "", "progress goes to stderr")
        progress = [json.loads(line) for line in err.splitlines()]
        self.assertEqual([p["done"] for p in progress if p["event"] == "zoo_progress"], [1, 2])
        self.assertEqual(progress[-1], {"event": "zoo_written", "out": str(self.out), "complete": True})

        manifest = json.loads((self.out / "manifest.json").read_text())
        self.assertEqual(list(manifest), MANIFEST_KEYS)
        self.assertEqual({k: manifest[k] for k in ("format", "source", "runs", "epochs", "seed", "width", "splits", "complete")},
                         {"format": 1, "source": "digits", "runs": 2, "epochs": 2, "seed": 4, "width": 16, "splits": 2,
                          "complete": True})
        self.assertEqual(manifest["torch"], torch.__version__)
        self.assertIn("-m weightcast.demo.zoo --out", manifest["command"])
        self.assertGreater(manifest["generation_seconds"], 0)
        self.assertGreater(manifest["cpu_seconds"], 0)

        runs = sorted(p.name for p in (self.out / "runs").iterdir())
        self.assertEqual(runs, ["digits-4-0", "digits-4-1"])
        tasks = zoo.plan(2, 4, 2, "digits", "digits-", None)
        for task in tasks:
            run_dir = self.out / "runs" / task["run_id"]
            self.assertEqual(sorted(p.name for p in run_dir.iterdir()),
                             ["events.jsonl", "step-001.safetensors", "step-002.safetensors"])
            events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
            self.assertEqual([e["type"] for e in events], ["started", "metrics", "metrics", "finished"])
            started, finished = events[0], events[-1]
            self.assertEqual(started["hparams"]["learning_rate"], task["hparams"]["learning_rate"])
            self.assertEqual((started["hparams"]["dataset"], started["hparams"]["width"]), ("digits", 16))
            self.assertEqual(started["planned_steps"], 2)
            relu = task["hparams"]["activation"] == "relu"
            for step, event in ((1, events[1]), (2, events[2])):
                f = st.load((run_dir / f"step-{step:03d}.safetensors").read_bytes())
                meta = f.metadata
                self.assertEqual((meta["run_id"], meta["step"], meta["planned_steps"], meta["study"]),
                                 (task["run_id"], str(step), "2", "digits"))
                self.assertEqual(meta["activation"], task["hparams"]["activation"])
                self.assertEqual(meta["layers"], "conv1,conv2,conv3,dense")
                metrics = json.loads(meta["metrics"])
                self.assertEqual(metrics, event["metrics"], "checkpoint and metrics event carry the same numbers")
                expected = {"train_loss", "train_acc", "val_loss", "val_acc", "eval/test_loss", "eval/test_acc",
                            "eval/constant_prediction", "eval/distinct_predictions"}
                if relu:
                    expected |= {f"dead_fraction/{layer}" for layer in zoo.CONV_LAYERS}
                self.assertEqual(set(metrics), expected)
                self.assertIn(metrics["eval/constant_prediction"], (0.0, 1.0))
                self.assertEqual(metrics["eval/constant_prediction"] == 1.0, metrics["eval/distinct_predictions"] == 1.0)
            self.assertEqual(events[2]["metrics"]["eval/test_acc"], finished["final"]["test_accuracy"])

    def test_resume_skips_finished_runs_and_discards_partial_ones(self):
        code, _, err = self.generate(2)
        self.assertEqual(code, 0, err)
        kept = self.out / "runs" / "digits-4-0" / "events.jsonl"
        kept_bytes, kept_mtime = kept.read_bytes(), kept.stat().st_mtime_ns
        first = json.loads((self.out / "manifest.json").read_text())

        # run 2 of a 3-run zoo is interrupted after its first checkpoint (as Ctrl-C / kill would)
        task = zoo.plan(3, 4, 2, "digits", "digits-", None, eval_metrics=True)[2]

        def interrupt(event):
            if event["event"] == "checkpoint":
                raise Interrupted

        with self.assertRaises(Interrupted):
            zoo.train_run(weightcast.Weightcast(directory=self.out / "runs"), task["run_id"], task["hparams"],
                          zoo.load_digits(), "digits", on_event=interrupt, eval_metrics=True)
        partial = self.out / "runs" / ".tmp-digits-4-2"
        self.assertEqual(sorted(p.name for p in partial.iterdir()), ["events.jsonl", "step-001.safetensors"])
        interrupted_step1 = (partial / "step-001.safetensors").read_bytes()
        (self.out / "runs" / ".tmp-digits-4-9").mkdir()  # debris of some other interrupted generation

        code, _, err = self.generate(3)
        self.assertEqual(code, 0, err)
        self.assertIn("2 already finished, 1 to train, 2 partial run(s) discarded", err)
        self.assertEqual(sorted(p.name for p in (self.out / "runs").iterdir()),
                         ["digits-4-0", "digits-4-1", "digits-4-2"])
        self.assertEqual((kept.read_bytes(), kept.stat().st_mtime_ns), (kept_bytes, kept_mtime), "finished runs are kept")
        # training is deterministic per run: the resumed run rewrote exactly what the interrupted one had
        self.assertEqual((self.out / "runs" / "digits-4-2" / "step-001.safetensors").read_bytes(), interrupted_step1)
        manifest = json.loads((self.out / "manifest.json").read_text())
        self.assertEqual((manifest["runs"], manifest["complete"]), (3, True))
        self.assertGreater(manifest["generation_seconds"], first["generation_seconds"])
        self.assertGreater(manifest["cpu_seconds"], first["cpu_seconds"])

        code, _, err = self.generate(3)  # nothing left to do
        self.assertEqual(code, 0, err)
        self.assertIn("3 already finished, 0 to train", err)

    def test_an_interrupted_generation_leaves_an_incomplete_manifest(self):
        zoo_dir = ZooDirectory(self.out)
        session = zoo_dir.open({"format": 1, "source": "digits", "epochs": 2, "seed": 4, "width": 16, "splits": 2},
                               ["digits-4-0", "digits-4-1"], "cmd", torch.__version__)
        zoo_dir.record(session, 1.5, 1.25, complete=False)
        manifest = json.loads((self.out / "manifest.json").read_text())
        self.assertEqual((manifest["complete"], manifest["generation_seconds"], manifest["cpu_seconds"]),
                         (False, 1.5, 1.25))
        self.assertEqual(list(manifest), MANIFEST_KEYS)
        self.assertEqual(sorted(p.name for p in self.out.iterdir()), ["manifest.json", "runs"])

    def test_refuses_another_zoo(self):
        code, _, err = self.generate(1)
        self.assertEqual(code, 0, err)
        code, _, err = run_main("--out", str(self.out), "--runs", "1", "--epochs", "3", "--parallel", "1",
                                "--seed", "4")
        self.assertEqual(code, 1)
        self.assertIn("holds another zoo: epochs 2 (asked 3)", err)
        code, _, err = self.generate(1, "--run-prefix", "other-")
        self.assertEqual(code, 1)
        self.assertIn("would not make (e.g. digits-4-0)", err)

    def test_refuses_to_extend_a_zoo_made_with_the_old_digits_splits(self):
        code, _, err = self.generate(1)
        self.assertEqual(code, 0, err)
        path = self.out / "manifest.json"
        manifest = json.loads(path.read_text())
        del manifest["splits"]  # as written before splits were versioned
        path.write_text(json.dumps(manifest))
        code, _, err = self.generate(2)
        self.assertEqual(code, 1)
        self.assertIn("holds another zoo: splits 1 (asked 2)", err)

    def test_out_excludes_kafka_options(self):
        for extra in (["--bootstrap", "127.0.0.1:9092"], ["--no-kafka"]):
            with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as ctx:
                zoo.parse_args(["--out", str(self.out)] + extra)
            self.assertEqual(ctx.exception.code, 2)
        args = zoo.parse_args(["--out", str(self.out), "--dataset", "fashion-mnist"])
        self.assertEqual((args.width, args.study), (24, "fashion-mnist"))


if __name__ == "__main__":
    unittest.main()
