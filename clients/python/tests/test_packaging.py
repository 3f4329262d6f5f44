"""clients/python is pip-installable: a wheel built offline from a copy of the source holds the client, the
integrations, the demo package with its data, py.typed and the console scripts; installed into a venv
that sees Debian's packages, it imports and its scripts run from outside the source tree."""

import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[1]


def pip_available() -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0


@unittest.skipUnless(pip_available(), "pip is not installed for this interpreter")
class PackagingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="weightcast-pkg-"))
        src = cls.tmp / "src"  # a copy: building writes build/ and *.egg-info next to the sources
        src.mkdir()
        shutil.copy(CLIENT / "pyproject.toml", src)
        shutil.copy(CLIENT / "README.md", src)
        shutil.copytree(CLIENT / "weightcast", src / "weightcast", ignore=shutil.ignore_patterns("__pycache__"))
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", str(cls.tmp / "dist"), str(src)], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise AssertionError(f"pip wheel failed:\n{r.stdout}\n{r.stderr}")
        cls.wheel = next((cls.tmp / "dist").glob("weightcast-*.whl"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_the_wheel_holds_the_packages_data_types_and_scripts(self):
        with zipfile.ZipFile(self.wheel) as z:
            names = set(z.namelist())
            meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
            metadata = z.read(meta).decode()
            entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
        for name in ["weightcast/__init__.py", "weightcast/py.typed", "weightcast/client.py", "weightcast/readback.py",
                     "weightcast/integrations/__init__.py", "weightcast/integrations/optuna.py",
                     "weightcast/integrations/keras.py", "weightcast/demo/zoo.py", "weightcast/demo/data/digits.csv.gz",
                     "weightcast/demo/arch_zoo.py", "weightcast/demo/data/shakespeare.txt.gz"]:
            self.assertIn(name, names)
        self.assertFalse([n for n in names if n.startswith("tests/")], "tests are not shipped")
        requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
        self.assertIn("Requires-Dist: numpy", requires)
        self.assertTrue([r for r in requires if re.match(r"Requires-Dist: torch\s*;\s*extra\s*==\s*[\"']torch[\"']$", r)],
                        requires)
        self.assertFalse([r for r in requires if r.startswith("Requires-Dist: torch") and "extra" not in r],
                         "torch is an extra, not a requirement")
        self.assertIn("weightcast-zoo = weightcast.demo.zoo:main", entry_points)
        self.assertIn("weightcast-replay = weightcast.demo.replay:main", entry_points)

    def test_installed_into_a_venv_it_imports_and_its_scripts_run(self):
        venv = self.tmp / "venv"
        r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            self.skipTest(f"no venv here: {r.stderr.strip()[:200]}")
        python = venv / "bin" / "python"
        r = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(self.wheel)],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.tmp)}  # no PYTHONPATH: the installed copy
        r = subprocess.run([str(python), "-c", "import weightcast, weightcast.integrations, weightcast.demo.datasets as d; "
                            "print(weightcast.__file__); print(weightcast.__version__); print(d.DIGITS_FILE.exists())"],
                           cwd=self.tmp, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        where, version, data = r.stdout.split()
        self.assertTrue(where.startswith(str(venv)), where)
        self.assertEqual(data, "True")
        self.assertIn(f'version = "{version}"', (CLIENT / "pyproject.toml").read_text(), "one version everywhere")
        r = subprocess.run([str(venv / "bin" / "weightcast-zoo"), "--help"], cwd=self.tmp, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--bootstrap", r.stdout)


if __name__ == "__main__":
    unittest.main()
