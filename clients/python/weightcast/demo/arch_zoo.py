"""Zoos of real architectures (issue 22 item 3), published through the client like ``zoo.py``'s CNNs.

    /usr/bin/python3 -m weightcast.demo.arch_zoo --arch resnet18 --bootstrap 127.0.0.1:9092 --runs 24 --epochs 6 \
        --ledger resnet.jsonl
    /usr/bin/python3 -m weightcast.demo.arch_zoo --arch gpt --bootstrap 127.0.0.1:9092 --runs 16 --epochs 6

- ``resnet18``: torchvision's ResNet-18 (``BasicBlock``, [2, 2, 2, 2]) with every channel width
  scaled by ``width / 64`` (width 8: 8/16/32/64 channels, 175k parameters), the stem adapted to
  1x28x28 (a 3x3 stride-1 conv from one channel; torchvision's max-pool kept, so layer1 sees
  14x14), trained with SGD + momentum on a class-balanced subset of Fashion-MNIST's train pool
  (``datasets.load_fashion_mnist``). Final accuracy: the 1,000-image balanced test split.
- ``gpt``: a GPT-2-style decoder in plain torch (learned token and position embeddings, pre-norm
  blocks of causal self-attention and a 4x GELU MLP, a final LayerNorm, an untied linear head)
  trained as a character-level language model on ``data/shakespeare.txt.gz`` with AdamW. An
  "epoch" is ``GPT_STEPS_PER_EPOCH`` optimizer steps on random windows of the first 80 % of the
  text. "Accuracy" is next-character accuracy (argmax) on fixed windows of the last 10 % (test;
  the 10 % before it is the validation split reported per epoch).

Each run samples its hyper-parameters from its own seed; about one run in six is deliberately bad
(a learning rate far above the range) so that the final accuracies spread. ``--ledger FILE`` makes
a zoo resumable: a run listed there as finished is skipped on restart (run ids are deterministic:
``<run-prefix><seed>-<index>``).
"""

import argparse
import gzip
import json
import math
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.resnet import BasicBlock, ResNet

from .. import client as wc
from . import datasets
from .zoo import _log_uniform, config_seed, count_parameters, evaluate, train_epoch

ARCHS = ("resnet18", "gpt")
TEXT_FILE = Path(__file__).resolve().parent / "data" / "shakespeare.txt.gz"
BAD_RUN_EVERY = 6  # run i with i % 6 == 5 gets a far too high learning rate

RESNET_WIDTHS = (4, 8, 16)  # torchvision's base width is 64
RESNET_BATCHES = (32, 64, 128)
RESNET_TRAIN_SIZES = (1000, 2000, 3000)
RESNET_LR = (0.005, 0.2)
RESNET_BAD_LR = (2.0, 8.0)
RESNET_WD = (1e-6, 5e-3)

GPT_WIDTHS = (32, 48, 64)
GPT_LAYERS = (2, 3)
GPT_HEADS = 4
GPT_CONTEXT = 64
GPT_BATCHES = (16, 32)
GPT_LR = (3e-4, 1e-2)
GPT_BAD_LR = (0.1, 0.5)
GPT_WD = (1e-4, 0.1)
GPT_STEPS_PER_EPOCH = 60
GPT_EVAL_WINDOWS = 96  # fixed windows per split (every position of each is scored)


# ------------------------------------------------------------------------------------------ ResNet-18

class ScaledResNet18(ResNet):
    """torchvision's ResNet-18 with every stage's width scaled by ``width / 64`` and a stem for
    one-channel 28x28 images. The blocks, their init and ``forward`` are torchvision's own."""

    def __init__(self, width: int = 8, num_classes: int = 10):
        if width < 1:
            raise ValueError(f"width must be positive, was {width}")
        self._width = width
        super().__init__(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
        self.conv1 = nn.Conv2d(1, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.fc = nn.Linear(8 * width, num_classes)
        nn.init.kaiming_normal_(self.conv1.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if planes == 64:  # the first stage: the stem's 64 channels become ``width``
            self.inplanes = self._width
        return super()._make_layer(block, planes * self._width // 64, blocks, stride, dilate)


def sample_resnet_hparams(run_seed: int, index: int, epochs: int) -> Dict[str, object]:
    rng = np.random.default_rng(run_seed)
    lr = _log_uniform(rng, *RESNET_LR)
    bad_lr = _log_uniform(rng, *RESNET_BAD_LR)
    return {"seed": run_seed, "arch": "resnet18", "width": int(RESNET_WIDTHS[rng.integers(len(RESNET_WIDTHS))]),
            "learning_rate": bad_lr if index % BAD_RUN_EVERY == BAD_RUN_EVERY - 1 else lr,
            "weight_decay": _log_uniform(rng, *RESNET_WD), "momentum": 0.9, "optimizer": "sgd",
            "batch_size": int(RESNET_BATCHES[rng.integers(len(RESNET_BATCHES))]),
            "train_size": int(RESNET_TRAIN_SIZES[rng.integers(len(RESNET_TRAIN_SIZES))]), "epochs": epochs}


# ------------------------------------------------------------------------------------------ GPT

class CausalSelfAttention(nn.Module):
    def __init__(self, width: int, heads: int, context: int):
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not a multiple of heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.register_buffer("mask", torch.tril(torch.ones(context, context, dtype=torch.bool)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in self.qkv(x).split(c, dim=2))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self, width: int, heads: int, context: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, context)
        self.ln2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.proj = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class TinyGPT(nn.Module):
    """A GPT-2-style character LM: token + position embeddings, pre-norm blocks, final LayerNorm and
    an untied head (GPT-2 ties it to the token embedding; untied, the head is a Linear layer of its
    own in the checkpoint). Weights N(0, 0.02), residual projections scaled by 1/sqrt(2 layers)."""

    def __init__(self, vocab: int, width: int = 64, layers: int = 2, heads: int = GPT_HEADS,
                 context: int = GPT_CONTEXT):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads, context) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith("proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def sample_gpt_hparams(run_seed: int, index: int, epochs: int) -> Dict[str, object]:
    rng = np.random.default_rng(run_seed)
    lr = _log_uniform(rng, *GPT_LR)
    bad_lr = _log_uniform(rng, *GPT_BAD_LR)
    return {"seed": run_seed, "arch": "gpt", "width": int(GPT_WIDTHS[rng.integers(len(GPT_WIDTHS))]),
            "layers": int(GPT_LAYERS[rng.integers(len(GPT_LAYERS))]), "heads": GPT_HEADS, "context": GPT_CONTEXT,
            "learning_rate": bad_lr if index % BAD_RUN_EVERY == BAD_RUN_EVERY - 1 else lr,
            "weight_decay": _log_uniform(rng, *GPT_WD), "optimizer": "adamw",
            "batch_size": int(GPT_BATCHES[rng.integers(len(GPT_BATCHES))]),
            "steps_per_epoch": GPT_STEPS_PER_EPOCH, "epochs": epochs}


class Text:
    """The shipped text as character ids, split 80/10/10 in order (train / validation / test)."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        lookup = {c: i for i, c in enumerate(self.chars)}
        data = torch.tensor([lookup[c] for c in text], dtype=torch.long)
        n = len(data)
        self.train, self.val, self.test = data[:int(0.8 * n)], data[int(0.8 * n):int(0.9 * n)], data[int(0.9 * n):]

    @property
    def vocab(self) -> int:
        return len(self.chars)


def load_text(path: Path = TEXT_FILE) -> Text:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return Text(f.read())


def windows(data: torch.Tensor, starts: torch.Tensor, context: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """(inputs, next-character targets) of the windows starting at ``starts``."""
    offsets = starts[:, None] + torch.arange(context + 1)[None, :]
    chunk = data[offsets]
    return chunk[:, :-1], chunk[:, 1:]


def fixed_windows(data: torch.Tensor, context: int, count: int = GPT_EVAL_WINDOWS):
    """Evenly spaced windows over a split: every run is measured on the same characters."""
    return windows(data, torch.linspace(0, len(data) - context - 2, count).long(), context)


# ------------------------------------------------------------------------------------------ runs

def _finite_metrics(metrics: Dict[str, float]) -> Dict[str, float]:
    """A diverged run's loss is inf/NaN; the client refuses non-finite metrics, so they are left out."""
    return {k: v for k, v in metrics.items() if math.isfinite(v)}


def train_resnet_run(client: wc.Weightcast, run_id: str, hp: Dict[str, object], data: datasets.Dataset,
                     study: str) -> dict:
    t0 = time.perf_counter()
    seed, epochs, batch = int(hp["seed"]), int(hp["epochs"]), int(hp["batch_size"])
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    pool = data.train_pool[datasets.stratified_order(data.labels[data.train_pool].numpy(), rng)]
    idx = np.sort(pool[:int(hp["train_size"])])
    x, y = data.images[idx], data.labels[idx]
    x_val, y_val = data.images[data.val], data.labels[data.val]
    model = ScaledResNet18(int(hp["width"]))
    opt = torch.optim.SGD(model.parameters(), lr=float(hp["learning_rate"]), momentum=float(hp["momentum"]),
                          weight_decay=float(hp["weight_decay"]))
    run = client.start_run(study=study, hparams=dict(hp, parameters=count_parameters(model)), planned_steps=epochs,
                           activation="relu", run_id=run_id)
    run.watch(model)  # dead ReLU units per conv layer (BatchNorm between conv and ReLU is handled)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        train_loss, train_acc = train_epoch(model, opt, x, y, batch, generator)
        val_loss, val_acc = evaluate(model, x_val, y_val)
        metrics = _finite_metrics({"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
                                   "val_acc": val_acc})
        run.log_checkpoint(model.state_dict(), step=epoch, metrics=metrics)
        run.log_metrics(epoch, metrics)
    _, test_acc = evaluate(model, data.images[data.test], data.labels[data.test])
    _, train_acc = evaluate(model, x, y)
    run.finish(test_accuracy=test_acc, train_accuracy=train_acc)
    return {"run_id": run_id, "test_accuracy": test_acc, "train_accuracy": train_acc,
            "seconds": time.perf_counter() - t0, "hparams": hp}


@torch.no_grad()
def next_char_eval(model: TinyGPT, inputs: torch.Tensor, targets: torch.Tensor) -> Tuple[float, float]:
    """(mean cross-entropy, next-character accuracy) over every position of the windows."""
    was_training = model.training
    model.eval()
    logits = model(inputs)
    model.train(was_training)
    flat, t = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    return float(F.cross_entropy(flat, t)), float((flat.argmax(1) == t).float().mean())


def train_gpt_run(client: wc.Weightcast, run_id: str, hp: Dict[str, object], text: Text, study: str) -> dict:
    t0 = time.perf_counter()
    seed, epochs, batch, context = int(hp["seed"]), int(hp["epochs"]), int(hp["batch_size"]), int(hp["context"])
    torch.manual_seed(seed)
    model = TinyGPT(text.vocab, int(hp["width"]), int(hp["layers"]), int(hp["heads"]), context)
    opt = torch.optim.AdamW(model.parameters(), lr=float(hp["learning_rate"]), weight_decay=float(hp["weight_decay"]))
    val, test = fixed_windows(text.val, context), fixed_windows(text.test, context)
    run = client.start_run(study=study, hparams=dict(hp, parameters=count_parameters(model)), planned_steps=epochs,
                           activation="gelu", run_id=run_id)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        for _ in range(int(hp["steps_per_epoch"])):
            starts = torch.randint(0, len(text.train) - context - 1, (batch,), generator=generator)
            xb, yb = windows(text.train, starts, context)
            logits = model(xb).reshape(-1, text.vocab)
            loss = F.cross_entropy(logits, yb.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            loss_sum += float(loss)
            correct += int((logits.argmax(1) == yb.reshape(-1)).sum())
            seen += yb.numel()
        val_loss, val_acc = next_char_eval(model, *val)
        metrics = _finite_metrics({"train_loss": loss_sum / int(hp["steps_per_epoch"]), "train_acc": correct / seen,
                                   "val_loss": val_loss, "val_acc": val_acc})
        run.log_checkpoint(model.state_dict(), step=epoch, metrics=metrics)
        run.log_metrics(epoch, metrics)
    _, test_acc = next_char_eval(model, *test)
    run.finish(test_accuracy=test_acc, train_accuracy=correct / seen)
    return {"run_id": run_id, "test_accuracy": test_acc, "train_accuracy": correct / seen,
            "seconds": time.perf_counter() - t0, "hparams": hp}


# ------------------------------------------------------------------------------------------ the zoo

SAMPLERS = {"resnet18": sample_resnet_hparams, "gpt": sample_gpt_hparams}


def plan(arch: str, runs: int, seed: int, epochs: int, run_prefix: str) -> List[Tuple[str, Dict[str, object]]]:
    return [(f"{run_prefix}{seed}-{i}", SAMPLERS[arch](config_seed(seed, i), i, epochs)) for i in range(runs)]


def finished_runs(ledger: Optional[Path]) -> Set[str]:
    if ledger is None or not ledger.exists():
        return set()
    return {json.loads(line)["run_id"] for line in ledger.read_text(encoding="utf-8").splitlines() if line.strip()}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.arch_zoo", description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", choices=ARCHS, required=True)
    p.add_argument("--bootstrap", help="Kafka bootstrap servers, HOST:PORT (else --no-kafka)")
    p.add_argument("--no-kafka", action="store_true", help="train and build every record, publish nothing")
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--epochs", type=int, default=6, help="checkpoints per run (default 6)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--study", help="study name (default fashion-resnet18 / shakespeare-gpt)")
    p.add_argument("--run-prefix", help="run ids are <run-prefix><seed>-<index> (default <study>-)")
    p.add_argument("--ledger", type=Path, help="JSON line per finished run; runs listed there are skipped")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = p.parse_args(argv)
    if not args.no_kafka and not args.bootstrap:
        p.error("--bootstrap HOST:PORT is required (or --no-kafka)")
    args.study = args.study or ("fashion-resnet18" if args.arch == "resnet18" else "shakespeare-gpt")
    args.run_prefix = args.run_prefix if args.run_prefix is not None else f"{args.study}-"
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    data = datasets.load_fashion_mnist() if args.arch == "resnet18" else load_text()
    train = train_resnet_run if args.arch == "resnet18" else train_gpt_run
    done = finished_runs(args.ledger)
    options = {"dry_run": True} if args.no_kafka else {"bootstrap_servers": args.bootstrap}
    with wc.Weightcast(**options) as client:
        for run_id, hp in plan(args.arch, args.runs, args.seed, args.epochs, args.run_prefix):
            if run_id in done:
                continue
            result = train(client, run_id, hp, data, args.study)
            client.flush(60)
            line = json.dumps(wc._json_value(result), allow_nan=False)
            print(line, flush=True)
            if args.ledger is not None:
                with args.ledger.open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
