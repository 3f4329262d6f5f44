"""Reading Weightcast's answers back into the training loop: the latest score and the stop decision.

Two sources, the same answers:

- the scorer's HTTP API (``scorer_url``): ``GET /v1/runs/{run}`` answers the run's scores by step and
  its alerts (the JSON of ``RunsView.RunDetail`` in the scorer; 404 for a run it has not seen yet);
- the ``<prefix>scores`` and ``<prefix>alerts`` topics (``AlertWatcher`` in ``alerts.py``: one background
  consumer per client, started on first use).

``latest_score`` gives a ``Score``: the prediction of the final accuracy at the run's latest scored
step, its interval(s), the model version that made it, the score's flags and the run's alerts so far.
"""

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional

from . import alerts

log = logging.getLogger("weightcast")


@dataclass(frozen=True)
class Interval:
    """A prediction interval at nominal coverage ``level`` (0.8: the 80% interval)."""

    level: float
    low: float
    high: float

    @staticmethod
    def of(value) -> Optional["Interval"]:
        if not isinstance(value, Mapping):
            return None
        try:
            return Interval(float(value["level"]), float(value["low"]), float(value["high"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Score:
    """The run's latest score (a record of the scores topic) and the alerts raised for the run so far.

    ``predicted_final_accuracy``, ``interval`` and ``model_version`` are None before any model exists
    (``note`` then says why)."""

    run_id: str
    step: int
    predicted_final_accuracy: Optional[float]
    interval: Optional[Interval]
    intervals: List[Interval]
    model_version: Optional[int]
    flags: List[str]
    scored_at: Optional[int]
    note: Optional[str]
    alerts: List[dict] = field(default_factory=list)
    record: Dict[str, object] = field(default_factory=dict, repr=False)

    @staticmethod
    def of(record: Mapping[str, object], alerts_so_far: Iterable[dict] = ()) -> "Score":
        prediction = record.get("predicted_final_accuracy")
        version = record.get("model_version")
        return Score(
            run_id=str(record.get("run_id")),
            step=int(record.get("step", 0)),
            predicted_final_accuracy=float(prediction) if isinstance(prediction, (int, float)) else None,
            interval=Interval.of(record.get("interval")),
            intervals=[i for i in (Interval.of(v) for v in record.get("intervals") or []) if i is not None],
            model_version=int(version) if isinstance(version, int) else None,
            flags=[str(f) for f in record.get("flags") or []],
            scored_at=record.get("scored_at") if isinstance(record.get("scored_at"), int) else None,
            note=record.get("note") if isinstance(record.get("note"), str) else None,
            alerts=list(alerts_so_far),
            record=dict(record))

    def interval_at(self, level: float) -> Optional[Interval]:
        """The interval of coverage ``level`` (e.g. 0.95), from ``intervals`` or ``interval``."""
        for i in self.intervals + ([self.interval] if self.interval else []):
            if abs(i.level - level) < 1e-9:
                return i
        return None


def latest(scores: Iterable[Mapping[str, object]]) -> Optional[Mapping[str, object]]:
    """The score of the highest step (the later-scored one on a tie: a rescore by a newer model)."""
    best = None
    for s in scores:
        if not isinstance(s, Mapping):
            continue
        key = (int(s.get("step", 0)), s.get("scored_at") or 0)
        if best is None or key >= best[0]:
            best = (key, s)
    return best[1] if best else None


class HttpReader:
    """Answers from the scorer's HTTP API (``GET {scorer_url}/v1/runs/{run}``), with urllib only.

    A failed request never raises into the training loop: it is logged (once per kind of failure) and
    kept in ``error``, and the last answer obtained is returned. A run that decided to stop stays stopped
    (no more requests for it)."""

    def __init__(self, scorer_url: str, stop_on: Iterable[str] = alerts.DEFAULT_STOP_ON, timeout: float = 5.0,
                 token: Optional[str] = None):
        self.url = scorer_url.rstrip("/")
        self.rules = alerts.StopRules(stop_on)
        self.timeout = timeout
        self.token = token
        self.error: Optional[str] = None
        self.requests = 0
        self._lock = threading.Lock()
        self._last: Dict[str, Optional[Score]] = {}
        self._stops: Dict[str, dict] = {}
        self._logged: set = set()

    def watch(self, run_id: str) -> None:
        """Nothing to do ahead of time over HTTP (the scorer keeps every run)."""

    def run_detail(self, run_id: str) -> Optional[dict]:
        """The scorer's JSON for the run (scores, alerts, reported metrics, final accuracy), or None for a
        run it has not seen. Raises OSError/ValueError on a failed request (callers below catch them)."""
        req = urllib.request.Request(f"{self.url}/v1/runs/{urllib.parse.quote(run_id, safe='')}")
        req.add_header("Accept", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                detail = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise OSError(f"GET {req.full_url} answered {e.code}: {e.read().decode('utf-8', 'replace')[:200]}") from None
        if not isinstance(detail, dict):
            raise ValueError(f"GET {req.full_url}: not a JSON object")
        return detail

    def _refresh(self, run_id: str) -> Optional[Score]:
        try:
            detail = self.run_detail(run_id)
            run_alerts = [a for a in (detail or {}).get("alerts") or [] if isinstance(a, dict)]
            record = latest((detail or {}).get("scores") or [])
            score = Score.of(record, run_alerts) if record is not None else None
        except (OSError, ValueError, TypeError, AttributeError) as e:
            reason = str(getattr(e, "reason", e))
            with self._lock:
                self.error = reason
                first = reason not in self._logged
                self._logged.add(reason)
            if first:
                log.warning("weightcast: cannot read run %s from the scorer at %s: %s (the last answer is kept)",
                            run_id, self.url, reason)
            with self._lock:
                return self._last.get(run_id)
        with self._lock:
            self.error = None
            self._last[run_id] = score
            if run_id not in self._stops:
                for a in run_alerts:
                    if self.rules.matches(a):
                        self._stops[run_id] = a
                        log.warning("run %s should stop: %s (%s) at step %s", run_id, a.get("kind"),
                                    a.get("severity"), a.get("step"))
                        break
        return score

    def latest_score(self, run_id: str) -> Optional[Score]:
        return self._refresh(run_id)

    def should_stop(self, run_id: str) -> bool:
        with self._lock:
            if run_id in self._stops:
                return True
        self._refresh(run_id)
        with self._lock:
            return run_id in self._stops

    def stop_reason(self, run_id: str) -> Optional[dict]:
        with self._lock:
            return self._stops.get(run_id)

    def close(self, timeout: float = 0.0) -> None:
        pass


def wait_for_score(reader, run_id: str, wait: float, min_step: Optional[int], poll: float = 0.2) -> Optional[Score]:
    """``reader.latest_score`` until it has a score at ``min_step`` or later (any score without it), or
    ``wait`` seconds passed; the last answer either way."""
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        score = reader.latest_score(run_id)
        if score is not None and (min_step is None or score.step >= min_step):
            return score
        if time.monotonic() >= deadline:
            return score
        time.sleep(poll)
