"""A zoo kept on disk, the benchmark's input (the Java side reads it; the layout is a contract)::

    ZOO/manifest.json                        what the zoo is and how it was made (below)
    ZOO/runs/<run_id>/events.jsonl           every run event the client would send to the runs topic
    ZOO/runs/<run_id>/step-001.safetensors   each epoch's checkpoint, the exact bytes (unsplit)
    ZOO/runs/.tmp-<run_id>/                  a run being written (renamed when it finished)

manifest.json: {"format": 1, "source": "digits"|"fashion-mnist", "runs": N, "epochs": 18,
"seed": S, "width": 16|24, "command": "...", "generation_seconds": wall seconds over all
sessions, "cpu_seconds": CPU seconds of the training runs, "complete": true once all N runs
are there, "torch": "<version>"}. Rewritten (atomically) after every finished run, so an
interrupted generation leaves a readable manifest with complete=false.
"""

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

FORMAT = 1
MANIFEST = "manifest.json"
RUNS = "runs"
TMP_PREFIX = ".tmp-"
#: What makes two generations the same zoo (a resumed generation must match them).
IDENTITY = ("format", "source", "epochs", "seed", "width", "splits")


class ZooDirectoryError(Exception):
    """The directory holds another zoo (or runs this generation would not make)."""


@dataclass
class Session:
    """One generation session of a zoo: its manifest and the runs already there."""
    manifest: Dict[str, object]
    finished: Set[str]
    discarded: List[str]


class ZooDirectory:
    def __init__(self, root):
        self.root = Path(root)
        self.runs_dir = self.root / RUNS

    def read_manifest(self) -> Optional[dict]:
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ZooDirectoryError(f"{path} is unreadable: {e}") from None

    def write_manifest(self, manifest: dict) -> None:
        path = self.root / MANIFEST
        tmp = path.with_name(MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # readers never see half a manifest

    def finished_runs(self) -> Set[str]:
        """Run directories (a run's directory gets its name only when it finished)."""
        if not self.runs_dir.is_dir():
            return set()
        return {p.name for p in self.runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}

    def discard_partial_runs(self) -> List[str]:
        """Removes the ``.tmp-`` directories of runs an interrupted generation left half-written."""
        if not self.runs_dir.is_dir():
            return []
        partial = sorted(p for p in self.runs_dir.iterdir() if p.name.startswith(TMP_PREFIX))
        for p in partial:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        return [p.name[len(TMP_PREFIX):] for p in partial]

    def open(self, identity: Dict[str, object], run_ids: Iterable[str], command: str, torch_version: str) -> Session:
        """Starts (or resumes) a generation of the runs ``run_ids``: checks that an existing zoo
        is the same one, discards partial runs, writes the manifest with complete=false."""
        run_ids = list(run_ids)
        previous = self.read_manifest()
        if previous is not None:
            before = dict({"splits": 1}, **previous)  # manifests before "splits" were all version 1
            differ = [f"{k} {before.get(k)!r} (asked {identity.get(k)!r})" for k in IDENTITY
                      if before.get(k) != identity.get(k)]
            if differ:
                raise ZooDirectoryError(f"{self.root} holds another zoo: " + ", ".join(differ)
                                        + "; choose another --out or the same settings")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        discarded = self.discard_partial_runs()
        finished = self.finished_runs()
        unexpected = sorted(finished - set(run_ids))
        if unexpected:
            raise ZooDirectoryError(f"{self.runs_dir} holds {len(unexpected)} run(s) this generation would not make "
                                    f"(e.g. {unexpected[0]}): another --run-prefix, --study or a larger --runs made them")
        manifest = dict(identity, runs=len(run_ids), command=command,
                        generation_seconds=float((previous or {}).get("generation_seconds", 0.0)),
                        cpu_seconds=float((previous or {}).get("cpu_seconds", 0.0)),
                        complete=False, torch=torch_version)
        manifest = {k: manifest[k] for k in ("format", "source", "runs", "epochs", "seed", "width", "splits", "command",
                                             "generation_seconds", "cpu_seconds", "complete", "torch")}
        self.write_manifest(manifest)
        return Session(manifest, finished & set(run_ids), discarded)

    def record(self, session: Session, generation_seconds: float, cpu_seconds: float, complete: bool) -> None:
        """Adds this session's time so far to the manifest (cumulative over sessions) and rewrites it."""
        manifest = dict(session.manifest, generation_seconds=round(session.manifest["generation_seconds"]
                                                                   + generation_seconds, 3),
                        cpu_seconds=round(session.manifest["cpu_seconds"] + cpu_seconds, 3), complete=complete)
        self.write_manifest(manifest)
