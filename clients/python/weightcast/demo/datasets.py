"""The zoos' data (design §7), each with fixed, disjoint splits: a train pool (runs draw their
training subset from it), a validation split (what the loop reports per epoch) and a test split
(the label: final test accuracy).

- ``digits``: the 1,797 UCI/sklearn 8x8 digits, scaled to [0, 1] and upsampled to 16x16;
  class-balanced test 360 (36 per class) and validation 180 (18 per class), pool 1,257 (the rest).
  Balanced like the paper's test sets (CIFAR-10, MNIST): a network that predicts one class for
  every image then scores exactly 0.1, whichever class it is. Splits version 1 was stratified
  (35-37 per class), so such networks scored 0.097, 0.100 or 0.103 by their class alone: label
  noise that no weight statistic can rank and that cost the benchmark's Kendall tau.
- ``fashion-mnist``: a fixed class-balanced subset of Debian's ``dataset-fashion-mnist`` (IDX
  files), 28x28 in [0, 1]: pool 6,000 and validation 1,000 from the training file, test 1,000
  from the test file, the same number of images of every class in each split.
"""

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F

DIGITS_FILE = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
DIGITS_SPLIT_SEED = 20251121  # the splits are fixed for every zoo, independent of the zoo seed
DIGITS_TEST_PER_CLASS = 36
DIGITS_VAL_PER_CLASS = 18
DIGITS_TEST_SIZE = 10 * DIGITS_TEST_PER_CLASS
DIGITS_VAL_SIZE = 10 * DIGITS_VAL_PER_CLASS
#: version of the splits (recorded in a zoo's manifest): 1 stratified, 2 class-balanced test and validation
SPLITS_VERSION = {"digits": 2, "fashion-mnist": 1}

FASHION_DIR_ENV = "WEIGHTCAST_FASHION_MNIST_DIR"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_SPLIT_SEED = 20251122
CLASSES = 10  # both datasets
FASHION_POOL_PER_CLASS = 600  # 6,000 training images
FASHION_VAL_PER_CLASS = 100  # 1,000 validation images (from the training file, disjoint from the pool)
FASHION_TEST_PER_CLASS = 100  # 1,000 test images (from the test file)

DATASETS = ("digits", "fashion-mnist")


@dataclass(frozen=True)
class Dataset:
    name: str
    images: torch.Tensor  # N x 1 x H x W, float32 in [0, 1]
    labels: torch.Tensor  # N, int64
    train_pool: np.ndarray  # indices into images
    val: np.ndarray
    test: np.ndarray


def load(name: str) -> Dataset:
    if name == "digits":
        return load_digits()
    if name == "fashion-mnist":
        return load_fashion_mnist()
    raise ValueError(f"unknown dataset {name!r}; one of {DATASETS}")


# ------------------------------------------------------------------------------------------ digits

def load_digits(size: int = 16) -> Dataset:
    """The 1,797 digits (scaled /16, upsampled bilinearly to size x size) with the fixed splits."""
    with gzip.open(DIGITS_FILE, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    pixels, labels = table[:, :64] / 16.0, table[:, 64].astype(np.int64)
    x = torch.from_numpy(pixels.reshape(-1, 1, 8, 8).copy())
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    test, val = balanced_choice(labels, (DIGITS_TEST_PER_CLASS, DIGITS_VAL_PER_CLASS),
                                np.random.default_rng(DIGITS_SPLIT_SEED))
    pool = np.setdiff1d(np.arange(len(labels)), np.concatenate([test, val]))
    return Dataset("digits", x.contiguous(), torch.from_numpy(labels), pool, val, test)


def stratified_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of the indices in which every prefix is (nearly) stratified: each item's
    key is its rank within its class (shuffled) divided by the class size."""
    keys = np.empty(len(labels))
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        ranks = rng.permutation(len(idx))
        keys[idx] = (ranks + rng.random(len(idx)) * 0.5) / len(idx)
    return np.argsort(keys, kind="stable")


# ------------------------------------------------------------------------------------------ Fashion-MNIST

def fashion_dir() -> Path:
    return Path(os.environ.get(FASHION_DIR_ENV, FASHION_DIR))


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed or not) as a uint8 array: magic 0x0000 08 <ndim>, big-endian dims."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims)) if dims else 0
    if len(data) - offset != expected:
        raise ValueError(f"{path}: {len(data) - offset} data bytes for dims {dims} (expected {expected})")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def balanced_choice(labels: np.ndarray, per_class: Tuple[int, ...], rng: np.random.Generator) -> Tuple[np.ndarray, ...]:
    """Disjoint index sets, the k-th with ``per_class[k]`` items of every class, drawn at random."""
    picks = [[] for _ in per_class]
    for c in range(CLASSES):
        idx = rng.permutation(np.flatnonzero(labels == c))
        if len(idx) < sum(per_class):
            raise ValueError(f"class {c} has {len(idx)} images, {sum(per_class)} needed")
        start = 0
        for k, n in enumerate(per_class):
            picks[k].append(idx[start:start + n])
            start += n
    return tuple(np.sort(np.concatenate(p)) for p in picks)


def load_fashion_mnist(directory: Path = None) -> Dataset:
    """The fixed class-balanced Fashion-MNIST subset (8,000 images of 28x28)."""
    d = Path(directory) if directory is not None else fashion_dir()
    try:
        train_x, train_y = read_idx(d / "train-images-idx3-ubyte.gz"), read_idx(d / "train-labels-idx1-ubyte.gz")
        test_x, test_y = read_idx(d / "t10k-images-idx3-ubyte.gz"), read_idx(d / "t10k-labels-idx1-ubyte.gz")
    except FileNotFoundError as e:
        raise FileNotFoundError(f"Fashion-MNIST not found ({e.filename}); install Debian's dataset-fashion-mnist "
                                f"or set {FASHION_DIR_ENV}") from None
    rng = np.random.default_rng(FASHION_SPLIT_SEED)
    pool, val = balanced_choice(train_y, (FASHION_POOL_PER_CLASS, FASHION_VAL_PER_CLASS), rng)
    (test,) = balanced_choice(test_y, (FASHION_TEST_PER_CLASS,), rng)
    pixels = np.concatenate([train_x[pool], train_x[val], test_x[test]]).astype(np.float32) / 255.0
    labels = np.concatenate([train_y[pool], train_y[val], test_y[test]]).astype(np.int64)
    n_pool, n_val = len(pool), len(val)
    return Dataset("fashion-mnist", torch.from_numpy(pixels[:, None, :, :].copy()), torch.from_numpy(labels),
                   np.arange(n_pool), np.arange(n_pool, n_pool + n_val),
                   np.arange(n_pool + n_val, len(labels)))
