"""Puts the live benchmark's runs at several history sizes side by side (eval/sweep-live.sh).

Reads OUT/h<H>/live.json (what ./weightcast eval-live wrote) and writes OUT/live-sweep.json, whose
by_history list holds every size's entries as eval-live wrote them (plus wall_seconds and the load),
and OUT/live-sweep.md, one row per size and producer mode.
"""
import json
import pathlib
import sys


def epoch_row(by_epoch, epoch):
    for e in by_epoch:
        if e["epoch"] == epoch:
            return e
    return None


def fmt(v):
    return "—" if v is None else f"{v:.3f}"


def row(entry, sweep):
    by_epoch = entry["by_epoch"]
    last = max(e["epoch"] for e in by_epoch)
    e3 = epoch_row(by_epoch, 3) or {}
    fin = epoch_row(by_epoch, last)
    cov = [e["coverage80"] for e in by_epoch if e.get("coverage80") is not None]
    stop = entry["early_stop"]
    base = entry["baselines"].get("gbm_statistics_curve_fixed", {}).get("by_epoch", [])
    base_fin = epoch_row(base, last) or {}
    lat = entry["latency_s"]
    return (f"| {entry['history']} | {entry['mode']} | {fmt(e3.get('r2'))} / {fmt(e3.get('kendall_tau'))} "
            f"| {fmt(fin['r2'])} / {fmt(fin['kendall_tau'])} | {fmt(base_fin.get('r2'))} / {fmt(base_fin.get('kendall_tau'))} "
            f"| {fmt(min(cov)) if cov else '—'}–{fmt(max(cov)) if cov else '—'} "
            f"| {fmt(stop['compute_saved'])}, {fmt(stop['top5_kept'])}, {'yes' if stop['top1_kept'] else 'no'} "
            f"| {fmt(lat.get('p50'))} / {fmt(lat.get('p99'))} | {sweep.get('wall_seconds', '—')} s, load {sweep.get('load_after', '—')} |")


def main(out):
    out = pathlib.Path(out)
    entries, rows = [], []
    for d in sorted(out.glob("h*"), key=lambda p: int(p.name[1:]) if p.name[1:].isdigit() else -1):
        if not (d / "live.json").is_file():
            continue
        live = json.loads((d / "live.json").read_text())
        sweep = json.loads((d / "sweep.json").read_text()) if (d / "sweep.json").is_file() else {}
        for entry in live["by_history"]:
            entries.append(dict(entry, wall_seconds=sweep.get("wall_seconds"), load_after=sweep.get("load_after")))
            rows.append(row(entry, sweep))
    (out / "live-sweep.json").write_text(json.dumps({"benchmark": "live sweep (issue 19 item 2)", "by_history": entries},
                                                    indent=2) + "\n")
    md = ["# Live benchmark by history size (issue 19 item 2)", "",
          "Each row: `./weightcast eval-live` at that history size H (eval/sweep-live.sh); the scores and alerts topics "
          "judged; baseline: LightGBM with fixed parameters on statistics + curve, fitted on the same H runs.", "",
          "| H | mode | epoch 3 R² / τ | final R² / τ | baseline final R² / τ | 80% coverage | early stop: saved, "
          "top-5% kept, top-1 kept | p50 / p99 s | wall |",
          "|---|---|---|---|---|---|---|---|---|"] + rows
    (out / "live-sweep.md").write_text("\n".join(md) + "\n")
    print(f"{len(rows)} rows: {out / 'live-sweep.md'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "eval/results/live-sweep")
