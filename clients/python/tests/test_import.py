"""`import weightcast` needs neither torch nor any training framework (issue 20 item 1).

Each check runs in a fresh /usr/bin/python3 whose import system refuses torch and the frameworks the
integrations wrap (a meta-path finder that raises ImportError), so an import that sneaks back in fails here.
"""

import os
import subprocess
import sys
import textwrap
import unittest
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[1]

BLOCK = textwrap.dedent("""
    import sys
    BLOCKED = ("torch", "lightning", "pytorch_lightning", "transformers", "keras", "tensorflow", "ray", "optuna")

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Block())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
""")


def run_blocked(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(CLIENT))
    for key in [k for k in env if k.startswith("WEIGHTCAST_")]:
        del env[key]
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=120)


class ImportWithoutTorchTest(unittest.TestCase):
    def test_the_blocker_blocks(self):
        r = run_blocked("import torch\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("torch is blocked", r.stderr)

    def test_import_and_a_run_with_numpy_weights(self):
        r = run_blocked("""
            import json
            import numpy as np
            import weightcast
            import weightcast.integrations
            from weightcast import safetensors as st
            t = weightcast.MemoryTransport()
            run = weightcast.Weightcast(transport=t).start_run(study="s", run_id="r", planned_steps=2)
            run.log_checkpoint({"fc.weight": np.ones((3, 2), np.float32), "fc.bias": np.zeros(3, np.float32)},
                               step=1, metrics={"val_acc": np.float32(0.5)})
            run.finish(test_accuracy=0.7)
            f = st.load(t.checkpoints("r")[0])
            assert f.names() == ["fc.weight", "fc.bias"], f.names()
            assert f["fc.weight"].numpy().tolist() == [[1.0, 1.0]] * 3
            assert list(f.numpy_dict()) == ["fc.weight", "fc.bias"]
            assert [e["type"] for e in t.events("r")] == ["started", "finished"]
            assert "torch" not in sys.modules
            assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED], "a framework was imported"
            print("ok", json.dumps(sorted(m for m in sys.modules if m.startswith("weightcast"))))
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("ok"), r.stdout)

    def test_a_disabled_run_needs_no_torch_either(self):
        r = run_blocked("""
            import os
            os.environ["WEIGHTCAST_MODE"] = "disabled"
            import weightcast
            run = weightcast.start_run(study="s")
            assert run.log_checkpoint({"w": b"not even a tensor"}, step=1) == 0
            run.finish(test_accuracy=0.5)
            print("ok")
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "ok")


if __name__ == "__main__":
    unittest.main()
