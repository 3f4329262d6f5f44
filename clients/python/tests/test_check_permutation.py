"""check_permutation: a function-preserving neuron permutation passes, a broken one is caught."""

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import torch

from weightcast.demo import check_permutation as cp
from weightcast import safetensors as st
from weightcast.demo import zoo


def checkpoint(model: torch.nn.Module, activation: str) -> bytes:
    return st.save_state_dict(model.state_dict(), {"activation": activation, "run_id": "t", "step": "1"})


def permuted(model: zoo.ZooCNN, keep_function: bool, seed: int = 3) -> zoo.ZooCNN:
    """Permutes each conv layer's output channels; with ``keep_function`` the next layer's inputs follow."""
    g = torch.Generator().manual_seed(seed)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    layers = list(zoo.LAYERS)
    for name, following in zip(layers, layers[1:]):
        perm = torch.randperm(state[name + ".weight"].shape[0], generator=g)
        state[name + ".weight"] = state[name + ".weight"][perm]
        state[name + ".bias"] = state[name + ".bias"][perm]
        if keep_function:
            state[following + ".weight"] = state[following + ".weight"][:, perm]
    out = zoo.ZooCNN(model.act1.__class__.__name__.lower(), 0.0, model.conv1.out_channels)
    out.load_state_dict(state)
    return out


class CheckPermutationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.images = zoo.load_digits().images[:200]

    def model(self, activation: str) -> zoo.ZooCNN:
        torch.manual_seed(11)
        m = zoo.ZooCNN(activation, 0.0, 16)
        zoo.init_weights(m, "he", None, activation)
        with torch.no_grad():
            for name in zoo.LAYERS:  # non-zero biases, so moving a bias with the wrong unit shows
                getattr(m, name).bias.normal_(0.0, 0.1)
        return m

    def test_a_function_preserving_permutation_gives_the_same_logits(self):
        for activation in ("relu", "tanh"):
            m = self.model(activation)
            r = cp.compare(checkpoint(m, activation), checkpoint(permuted(m, True), activation), self.images)
            self.assertTrue(r["same_function"], r)
            self.assertTrue(r["weights_differ"], r)
            self.assertLess(r["max_abs_logit_diff"], 1e-9)
            self.assertEqual(r["inputs"], 200)

    def test_permuting_units_without_the_next_layers_inputs_changes_the_function(self):
        m = self.model("relu")
        r = cp.compare(checkpoint(m, "relu"), checkpoint(permuted(m, False), "relu"), self.images)
        self.assertFalse(r["same_function"], r)
        self.assertGreater(r["max_abs_logit_diff"], 1e-3)

    def test_the_command_prints_json_and_sets_the_exit_status(self):
        m = self.model("tanh")
        with tempfile.TemporaryDirectory() as d:
            a, b, c = Path(d, "a"), Path(d, "b"), Path(d, "c")
            a.write_bytes(checkpoint(m, "tanh"))
            b.write_bytes(checkpoint(permuted(m, True), "tanh"))
            c.write_bytes(b"not a checkpoint")
            for other, status in ((b, 0), (a, 1), (c, 2)):
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    code = cp.main([str(a), str(other)])
                self.assertEqual(code, status, out.getvalue())
                result = json.loads(out.getvalue())
                if status == 1:
                    self.assertTrue(result["same_function"])
                    self.assertFalse(result["weights_differ"])
                if status == 2:
                    self.assertIn("error", result)


if __name__ == "__main__":
    unittest.main()
