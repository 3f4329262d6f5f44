"""What a stack's topics say about one study (issue 22 item 3's numbers), as JSON.

    /usr/bin/python3 -m weightcast.demo.arch_report --bootstrap 127.0.0.1:9092 --study fashion-resnet18 \
        --early-step 2 --out resnet.json

Reads ``runs`` (hyper-parameters, final accuracies), ``features`` (per-layer spectra and dead
fractions), ``spectra`` (spectra computed off the features path), ``scores`` (predictions,
ingest→score latency), ``models`` and ``alerts`` to their end, and reports per study:

- the layers with a spectrum and those without (by status), alpha's range over layers at the
  last step, how many layers each checkpoint carries;
- ingest→score latency (``scored_at - checkpoint_timestamp``) percentiles;
- the live predictions' R² and Kendall tau against the final test accuracy at an early step and at
  the last step, over the runs a model scored there. Every such prediction is out of sample: a run's
  scores are made while it trains, by a model fitted before it finished;
- the alerts by kind, with the runs and steps they fired on.
"""

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np


# ------------------------------------------------------------------------------------------ numbers

def r2(predicted: Sequence[float], actual: Sequence[float]) -> float:
    """Coefficient of determination of ``predicted`` for ``actual`` (1 - SSres/SStot); NaN when undefined."""
    p, a = np.asarray(predicted, float), np.asarray(actual, float)
    total = float(((a - a.mean()) ** 2).sum()) if len(a) else 0.0
    return 1.0 - float(((a - p) ** 2).sum()) / total if len(a) >= 2 and total > 0 else float("nan")


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b (ties in either variable corrected); NaN with fewer than two pairs."""
    concordant = discordant = ties_x = ties_y = 0
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif dx == dy:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denominator if denominator > 0 else float("nan")


def percentiles(values: Iterable[float], qs=(50, 95, 99)) -> Dict[str, float]:
    v = np.asarray(list(values), float)
    if not len(v):
        return {}
    out = {f"p{q}": round(float(np.percentile(v, q)), 1) for q in qs}
    out.update(max=round(float(v.max()), 1), n=int(len(v)))
    return out


# ------------------------------------------------------------------------------------------ per study

def finals(run_events: Iterable[dict], study: str) -> Dict[str, float]:
    """run id → final test accuracy, from the ``finished`` events of the study."""
    return {e["run_id"]: float(e["final"]["test_accuracy"]) for e in run_events
            if e.get("type") == "finished" and e.get("study") == study}


def live_predictions(scores: Iterable[dict], final: Dict[str, float], step: int) -> List[Tuple[str, float, float, int]]:
    """(run, predicted, actual final, model version) at ``step``, for finished runs a model scored there
    (the last score of that step when there are several)."""
    at: Dict[str, dict] = {}
    for s in scores:
        if s.get("step") == step and s.get("predicted_final_accuracy") is not None and s["run_id"] in final:
            at[s["run_id"]] = s
    return [(r, float(s["predicted_final_accuracy"]), final[r], int(s["model_version"])) for r, s in sorted(at.items())]


def prediction_quality(scores: List[dict], final: Dict[str, float], step: int) -> dict:
    rows = live_predictions(scores, final, step)
    predicted, actual = [r[1] for r in rows], [r[2] for r in rows]
    return {"step": step, "runs": len(rows), "r2": _round(r2(predicted, actual)),
            "kendall_tau": _round(kendall_tau(predicted, actual)),
            "mean_abs_error": _round(float(np.mean(np.abs(np.subtract(predicted, actual)))) if rows else float("nan")),
            "model_versions": sorted({r[3] for r in rows})}


def spectra_layers(features: Iterable[dict], deferred: Iterable[dict]) -> dict:
    """Which layers got a spectrum, and alpha over layers at each run's last step (features' own
    spectra, else the deferred ones from ``spectra`` for the same run and step)."""
    by_key = {(d.get("run_id"), d.get("step")): d for d in deferred}
    status: Dict[str, Counter] = defaultdict(Counter)
    last: Dict[str, dict] = {}
    layer_counts = Counter()
    for f in features:
        spectra = (f.get("health") or {}).get("spectra") or _deferred_spectra(by_key.get((f["run_id"], f["step"])))
        layer_counts[len(spectra)] += 1
        for name, s in spectra.items():
            status[name][s.get("status")] += 1
        if f["step"] >= last.get(f["run_id"], {}).get("step", -1):
            last[f["run_id"]] = dict(f, _spectra=spectra)
    alphas = [s["alpha"] for f in last.values() for s in f["_spectra"].values()
              if s.get("alpha") is not None and math.isfinite(s["alpha"])]
    per_run_mean = [float(np.mean(a)) for a in ([s["alpha"] for s in f["_spectra"].values() if s.get("alpha") is not None]
                                                for f in last.values()) if a]
    return {"layers_per_checkpoint": dict(layer_counts),
            "layer_status": {name: dict(c) for name, c in status.items()},
            "analysed": sorted(n for n, c in status.items() if c.get("success")),
            "never_analysed": sorted(n for n, c in status.items() if not c.get("success")),
            "alpha_last_step": _summary(alphas), "alpha_mean_per_run_last_step": _summary(per_run_mean)}


def _deferred_spectra(record: Optional[dict]) -> Dict[str, dict]:
    if not record:
        return {}
    return record.get("spectra") or (record.get("health") or {}).get("spectra") or {}


def alerts_summary(alerts: Iterable[dict]) -> dict:
    by_kind: Dict[str, List[dict]] = defaultdict(list)
    for a in alerts:
        by_kind[a.get("kind")].append({"run_id": a.get("run_id"), "step": a.get("step"), "severity": a.get("severity"),
                                       "evidence": a.get("evidence")})
    return {kind: {"count": len(v), "runs": len({x["run_id"] for x in v}), "first": v[:3]} for kind, v in by_kind.items()}


def _summary(values: List[float]) -> dict:
    if not values:
        return {}
    v = np.asarray(values, float)
    return {"n": int(len(v)), "min": _round(v.min()), "p10": _round(np.percentile(v, 10)), "median": _round(np.median(v)),
            "p90": _round(np.percentile(v, 90)), "max": _round(v.max())}


def _round(x, digits: int = 4):
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def study_report(study: str, topics: Dict[str, List[dict]], early_step: int) -> dict:
    runs = [e for e in topics["runs"] if e.get("study") == study]
    final = finals(runs, study)
    features = [f for f in topics["features"] if f.get("study") == study]
    scores = [s for s in topics["scores"] if s.get("study") == study]
    last_step = max((s["step"] for s in scores), default=0)
    accs = list(final.values())
    return {"study": study, "runs_finished": len(final), "checkpoints_scored": len(scores),
            "final_accuracy": _summary(accs),
            "spectra": spectra_layers(features, [d for d in topics["spectra"] if d.get("run_id") in final]),
            "ingest_to_score_ms": percentiles(s["scored_at"] - s["checkpoint_timestamp"] for s in scores
                                              if s.get("scored_at") and s.get("checkpoint_timestamp")),
            "predictions": {"early": prediction_quality(scores, final, early_step),
                            "last": prediction_quality(scores, final, last_step)},
            "models": len(topics["models"]),
            "alerts": alerts_summary(a for a in topics["alerts"] if a.get("study") == study or a.get("run_id") in final)}


# ------------------------------------------------------------------------------------------ reading

TOPICS = ("runs", "features", "spectra", "scores", "models", "alerts")


def read_topic(bootstrap: str, topic: str, quiet_seconds: float = 3.0, timeout: float = 120.0) -> List[dict]:
    """Every committed JSON record of ``topic`` from the beginning (until none came for ``quiet_seconds``)."""
    from confluent_kafka import Consumer  # only this reader needs the Kafka client
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"arch-report-{time.time_ns()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.subscribe([topic])
    out, last, start = [], time.monotonic(), time.monotonic()
    try:
        while time.monotonic() - last < quiet_seconds and time.monotonic() - start < timeout:
            m = consumer.poll(0.5)
            if m is None or m.error():
                continue
            last = time.monotonic()
            try:
                out.append(json.loads(m.value()))
            except (TypeError, ValueError):
                pass  # a tombstone or a non-JSON record
    finally:
        consumer.close()
    return out


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m weightcast.demo.arch_report", description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--study", required=True, action="append", help="a study (repeatable)")
    p.add_argument("--topic-prefix", default="weightcast.")
    p.add_argument("--early-step", type=int, default=2)
    p.add_argument("--out", help="write the JSON here (else stdout)")
    args = p.parse_args(argv)
    topics = {t: read_topic(args.bootstrap, args.topic_prefix + t) for t in TOPICS}
    report = {"studies": [study_report(s, topics, args.early_step) for s in args.study],
              "records": {t: len(v) for t, v in topics.items()}}
    text = json.dumps(report, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
