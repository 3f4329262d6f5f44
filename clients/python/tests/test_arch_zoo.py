"""The real-architecture zoos: model builders, hyper-parameters, text splits, one tiny run each."""

import gzip
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from torchvision.models.resnet import BasicBlock

from weightcast import safetensors as st
from weightcast.client import MemoryTransport, Weightcast
from weightcast.demo import arch_zoo as az
from weightcast.demo.zoo import count_parameters


def _client():
    return Weightcast(transport=MemoryTransport())


class ResNetTest(unittest.TestCase):
    def test_width_scales_every_stage_of_torchvision_resnet18(self):
        model = az.ScaledResNet18(8)
        self.assertEqual([m.conv1.out_channels for m in (model.layer1, model.layer2, model.layer3, model.layer4)
                          for m in m], [8, 8, 16, 16, 32, 32, 64, 64])
        self.assertIsInstance(model.layer1[0], BasicBlock)
        self.assertEqual((model.conv1.in_channels, model.conv1.kernel_size, model.conv1.stride), (1, (3, 3), (1, 1)))
        self.assertEqual(model.fc.in_features, 64)
        self.assertEqual(tuple(model(torch.zeros(3, 1, 28, 28)).shape), (3, 10))

    def test_parameters_shrink_with_the_square_of_the_width(self):
        counts = {w: count_parameters(az.ScaledResNet18(w)) for w in az.RESNET_WIDTHS}
        self.assertEqual(counts[8], 176258)
        self.assertAlmostEqual(counts[16] / counts[8], 4.0, delta=0.05)
        # width 64 is torchvision's ResNet-18 with 10 classes (11,181,642) less the 3-channel 7x7 stem's 9,408
        # weights plus the 1-channel 3x3 stem's 576
        self.assertEqual(count_parameters(az.ScaledResNet18(64)), 11_181_642 - 9408 + 576)

    def test_state_dict_holds_21_weight_layers_and_batchnorm_buffers(self):
        sd = az.ScaledResNet18(4).state_dict()
        weights = [k for k, v in sd.items() if k.endswith(".weight") and v.dim() >= 2]
        self.assertEqual(len(weights), 21)  # 17 3x3 convs + 3 1x1 downsample convs + fc
        self.assertEqual(sum(1 for k in weights if sd[k].shape[-1] == 1 and sd[k].dim() == 4), 3)
        self.assertEqual(sd["bn1.num_batches_tracked"].dtype, torch.int64)


class GptTest(unittest.TestCase):
    def test_causal_no_position_sees_the_future(self):
        torch.manual_seed(0)
        model = az.TinyGPT(vocab=11, width=32, layers=2).eval()
        x = torch.randint(0, 11, (2, 16))
        changed = x.clone()
        changed[:, 10:] = (changed[:, 10:] + 1) % 11
        with torch.no_grad():
            a, b = model(x), model(changed)
        torch.testing.assert_close(a[:, :10], b[:, :10])
        self.assertFalse(torch.allclose(a[:, 10:], b[:, 10:]))

    def test_layout_and_init(self):
        model = az.TinyGPT(vocab=63, width=64, layers=3)
        self.assertEqual(count_parameters(model), 162303)
        linear = [k for k, v in model.state_dict().items() if k.endswith("weight") and v.dim() == 2
                  and not k.startswith(("tok", "pos"))]
        self.assertEqual(len(linear), 3 * 4 + 1)  # qkv, attn proj, fc, mlp proj per block + head
        self.assertAlmostEqual(float(model.blocks[0].fc.weight.std()), 0.02, delta=0.002)
        self.assertAlmostEqual(float(model.blocks[0].proj.weight.std()), 0.02 / 6 ** 0.5, delta=0.001)
        with self.assertRaises(ValueError):
            az.TinyGPT(vocab=5, width=30, heads=4)

    def test_text_splits_in_order_and_windows(self):
        text = az.Text("abcdefghij" * 10)
        self.assertEqual(text.vocab, 10)
        self.assertEqual((len(text.train), len(text.val), len(text.test)), (80, 10, 10))
        x, y = az.windows(text.train, torch.tensor([0, 3]), 4)
        self.assertEqual(x.tolist(), [[0, 1, 2, 3], [3, 4, 5, 6]])
        self.assertEqual(y.tolist(), [[1, 2, 3, 4], [4, 5, 6, 7]])

    def test_the_shipped_text(self):
        with gzip.open(az.TEXT_FILE, "rt", encoding="utf-8") as f:
            self.assertTrue(f.read(200).startswith("First Citizen:"))
        self.assertEqual(az.load_text().vocab, 63)


class PlanTest(unittest.TestCase):
    def test_deterministic_with_every_sixth_run_bad(self):
        for arch, bad in (("resnet18", az.RESNET_BAD_LR), ("gpt", az.GPT_BAD_LR)):
            tasks = az.plan(arch, 12, 3, 5, "s-")
            self.assertEqual(tasks, az.plan(arch, 12, 3, 5, "s-"))
            self.assertEqual([t[0] for t in tasks[:2]], ["s-3-0", "s-3-1"])
            lrs = np.array([hp["learning_rate"] for _, hp in tasks])
            self.assertTrue(all(bad[0] <= lrs[i] <= bad[1] for i in (5, 11)), arch)
            self.assertTrue(all(lrs[i] < bad[0] for i in range(12) if i % 6 != 5), arch)

    def test_ledger_lists_finished_runs(self):
        with tempfile.TemporaryDirectory() as d:
            ledger = Path(d) / "l.jsonl"
            self.assertEqual(az.finished_runs(ledger), set())
            ledger.write_text(json.dumps({"run_id": "a"}) + "\n\n" + json.dumps({"run_id": "b"}) + "\n")
            self.assertEqual(az.finished_runs(ledger), {"a", "b"})


class TinyRunTest(unittest.TestCase):
    def test_resnet_run_publishes_a_checkpoint_per_epoch(self):
        torch.set_num_threads(1)
        n = 60
        data = az.datasets.Dataset("tiny", torch.rand(n, 1, 28, 28), torch.arange(n) % 10, np.arange(40),
                                   np.arange(40, 50), np.arange(50, 60))
        hp = dict(az.sample_resnet_hparams(1, 0, 2), width=4, train_size=40, batch_size=20)
        client = _client()
        result = az.train_resnet_run(client, "r1", hp, data, "study")
        checkpoints = client.transport.checkpoints("r1")
        self.assertEqual(len(checkpoints), 2)
        meta = st.load(checkpoints[-1]).metadata
        self.assertEqual(meta["activation"], "relu")
        self.assertIn("dead_fraction/layer1.0.conv1", json.loads(meta["metrics"]))  # run.watch through BatchNorm
        events = [e["type"] for e in client.transport.events("r1")]
        self.assertEqual((events[0], events[-1]), ("started", "finished"))
        self.assertTrue(0.0 <= result["test_accuracy"] <= 1.0)

    def test_gpt_run_reports_next_character_accuracy(self):
        torch.set_num_threads(1)
        text = az.Text("to be or not to be, that is the question. " * 40)
        hp = dict(az.sample_gpt_hparams(1, 0, 1), width=32, layers=1, batch_size=4, steps_per_epoch=3, context=16)
        client = _client()
        result = az.train_gpt_run(client, "g1", hp, text, "study")
        self.assertEqual(len(client.transport.checkpoints("g1")), 1)
        finished = client.transport.events("g1")[-1]
        self.assertAlmostEqual(finished["final"]["test_accuracy"], result["test_accuracy"])

    def test_diverged_metrics_are_left_out(self):
        self.assertEqual(az._finite_metrics({"a": 1.0, "b": float("nan"), "c": float("inf")}), {"a": 1.0})


if __name__ == "__main__":
    unittest.main()
