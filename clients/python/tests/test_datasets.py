"""The transfer zoo's data: Debian's Fashion-MNIST IDX files, a fixed class-balanced subset."""

import gzip
import json
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

import weightcast
from weightcast.demo import datasets, zoo
from weightcast.client import MemoryTransport
from weightcast import safetensors as st

HAVE_FASHION = (datasets.fashion_dir() / "train-images-idx3-ubyte.gz").exists()


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


class IdxTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="wc-idx-"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_reads_what_was_written(self):
        images = np.arange(3 * 4 * 5).reshape(3, 4, 5) % 256
        write_idx(self.dir / "x.gz", images)
        np.testing.assert_array_equal(datasets.read_idx(self.dir / "x.gz"), images)

    def test_rejects_bad_magic_and_truncated_data(self):
        (self.dir / "bad").write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00")
        with self.assertRaisesRegex(ValueError, "not an unsigned-byte IDX"):
            datasets.read_idx(self.dir / "bad")
        (self.dir / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
        with self.assertRaisesRegex(ValueError, "2 data bytes for dims \\(5,\\)"):
            datasets.read_idx(self.dir / "short")

    def test_balanced_choice_is_disjoint_and_balanced(self):
        labels = np.random.default_rng(0).integers(0, 10, 5000)
        a, b = datasets.balanced_choice(labels, (30, 10), np.random.default_rng(1))
        self.assertEqual(len(set(a) & set(b)), 0)
        self.assertEqual(np.bincount(labels[a], minlength=10).tolist(), [30] * 10)
        self.assertEqual(np.bincount(labels[b], minlength=10).tolist(), [10] * 10)
        again = datasets.balanced_choice(labels, (30, 10), np.random.default_rng(1))
        np.testing.assert_array_equal(again[0], a)
        with self.assertRaisesRegex(ValueError, "images, 1000 needed"):
            datasets.balanced_choice(labels, (1000,), np.random.default_rng(1))

    def test_missing_files_say_how_to_get_them(self):
        with self.assertRaisesRegex(FileNotFoundError, "dataset-fashion-mnist"):
            datasets.load_fashion_mnist(self.dir)


@unittest.skipUnless(HAVE_FASHION, "Debian's dataset-fashion-mnist is not installed")
class FashionSubsetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = datasets.load_fashion_mnist()

    def test_class_balanced_splits_of_28x28_images(self):
        d = self.data
        self.assertEqual(d.name, "fashion-mnist")
        self.assertEqual(tuple(d.images.shape), (8000, 1, 28, 28))
        self.assertEqual((len(d.train_pool), len(d.val), len(d.test)), (6000, 1000, 1000))
        self.assertEqual(len(set(d.train_pool) | set(d.val) | set(d.test)), 8000)
        labels = d.labels.numpy()
        for split, per_class in ((d.train_pool, 600), (d.val, 100), (d.test, 100)):
            self.assertEqual(np.bincount(labels[split], minlength=10).tolist(), [per_class] * 10)
        self.assertGreaterEqual(float(d.images.min()), 0.0)
        self.assertEqual(float(d.images.max()), 1.0)

    def test_subset_is_fixed(self):
        again = datasets.load_fashion_mnist()
        self.assertTrue(torch.equal(again.images, self.data.images))
        self.assertTrue(torch.equal(again.labels, self.data.labels))
        # and it is the documented draw: test images come from the test file, the rest from the training file
        raw_test = datasets.read_idx(datasets.fashion_dir() / "t10k-images-idx3-ubyte.gz")
        rng = np.random.default_rng(datasets.FASHION_SPLIT_SEED)
        train_labels = datasets.read_idx(datasets.fashion_dir() / "train-labels-idx1-ubyte.gz")
        datasets.balanced_choice(train_labels, (600, 100), rng)
        (test,) = datasets.balanced_choice(datasets.read_idx(datasets.fashion_dir() / "t10k-labels-idx1-ubyte.gz"),
                                           (100,), rng)
        np.testing.assert_array_equal((self.data.images[self.data.test, 0].numpy() * 255).round().astype(np.uint8),
                                      raw_test[test])

    def test_a_width_24_run_on_fashion(self):
        transport = MemoryTransport()
        hparams = dict(zoo.sample_hparams(11, epochs=1, width=24), activation="relu", train_fraction=0.1,
                       learning_rate=0.005, dropout=0.0, init="he", init_std=None)
        summary = zoo.train_run(weightcast.Weightcast(transport=transport), "fm-1", hparams, self.data,
                                "fashion-mnist", eval_metrics=True)
        self.assertGreater(summary["test_accuracy"], 0.3)  # one epoch on 600 images beats chance (0.1)
        started = transport.events("fm-1")[0]
        self.assertEqual((started["hparams"]["train_size"], started["hparams"]["dataset"]), (600, "fashion-mnist"))
        f = st.load(transport.checkpoints("fm-1")[0])
        self.assertEqual(sum(t.numpy().size for t in f.tensors), 10906)
        self.assertEqual(tuple(f["conv2.weight"].numpy().shape), (24, 24, 3, 3))
        metrics = json.loads(f.metadata["metrics"])
        self.assertEqual(metrics["eval/test_acc"], summary["test_accuracy"])


if __name__ == "__main__":
    unittest.main()
