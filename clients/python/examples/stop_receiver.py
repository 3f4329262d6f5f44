"""A tiny webhook receiver that tells training runs to stop (standard library only).

Point a scorer hook at it, with a secret and the generic JSON format (the Alertmanager format works too):

    scorer.hook.stopper.url=http://127.0.0.1:9000/
    scorer.hook.stopper.secret=change-me
    scorer.hook.stopper.kinds=EARLY_STOP_CANDIDATE,DYING_RELU,NONFINITE_WEIGHTS

    /usr/bin/python3 clients/python/examples/stop_receiver.py --port 9000 --secret change-me --stop-dir /tmp/stops

Each request is trusted only if its signatures verify: ``X-Weightcast-Signature`` is
``sha256=<hex HMAC-SHA256(secret, raw body)>`` and ``X-Weightcast-Signature-Timestamped`` is
``sha256=<hex HMAC-SHA256(secret, "<X-Weightcast-Timestamp>." + raw body)>``, with the timestamp (Unix
seconds) at most ``--window`` seconds from this machine's clock, so a captured request cannot be
replayed later. Verified alerts that match the stop rules (as ``Run.should_stop()``) print the run
and write ``<stop-dir>/<run id>.stop``; ``train_digits.py --stop-dir`` checks for that file.
Answers: 204 accepted, 401 bad or missing signature, 400 not an alert.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout
from weightcast.alerts import DEFAULT_STOP_ON, StopRules  # noqa: E402

SIGNATURE = "X-Weightcast-Signature"
TIMESTAMP = "X-Weightcast-Timestamp"
TIMESTAMPED = "X-Weightcast-Signature-Timestamped"


def _hex_hmac(secret: str, data: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: Optional[float] = None,
           window: float = 300) -> Tuple[bool, str]:
    """(ok, reason): both signatures match the raw body and the timestamp is within ``window`` seconds."""
    signature, timestamp, timestamped = headers.get(SIGNATURE), headers.get(TIMESTAMP), headers.get(TIMESTAMPED)
    if not (signature and timestamp and timestamped):
        return False, "unsigned request"
    if not hmac.compare_digest(signature.strip(), _hex_hmac(secret, body)):
        return False, "bad signature"
    try:
        ts = int(timestamp.strip())
    except ValueError:
        return False, "bad timestamp"
    if abs((time.time() if now is None else now) - ts) > window:
        return False, "timestamp outside the replay window"
    if not hmac.compare_digest(timestamped.strip(), _hex_hmac(secret, timestamp.strip().encode("ascii") + b"." + body)):
        return False, "bad timestamped signature"
    return True, "ok"


def alerts_in(body: bytes) -> List[dict]:
    """The alerts of a JSON-format body (one record) or an Alertmanager-format body (an array)."""
    doc = json.loads(body)
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list):  # Alertmanager format: labels carry run_id, kind, severity
        return [dict(a.get("labels", {}), step=None) for a in doc if isinstance(a, dict)]
    raise ValueError("not an alert")


def runs_to_stop(body: bytes, rules: StopRules) -> List[Tuple[str, dict]]:
    return [(a["run_id"], a) for a in alerts_in(body) if a.get("run_id") and rules.matches(a)]


def stop_file(stop_dir: Path, run_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    return stop_dir / f"{safe}.stop"


def make_handler(secret: str, rules: StopRules, stop_dir: Optional[Path], window: float):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20))
            ok, reason = verify(secret, body, self.headers, window=window)
            if not ok:
                self.log_message("refused: %s", reason)
                return self._answer(401)
            try:
                stops = runs_to_stop(body, rules)
            except ValueError:
                return self._answer(400)
            for run_id, alert in stops:
                print(f"STOP {run_id}: {alert.get('kind')} ({alert.get('severity')}) at step {alert.get('step')}", flush=True)
                if stop_dir is not None:
                    stop_dir.mkdir(parents=True, exist_ok=True)
                    stop_file(stop_dir, run_id).write_text(json.dumps(alert) + "\n")
            self._answer(204)

        def _answer(self, status: int):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    p.add_argument("--secret", default=os.environ.get("WEIGHTCAST_HOOK_SECRET"),
                   help="the hook's scorer.hook.<name>.secret (or env WEIGHTCAST_HOOK_SECRET)")
    p.add_argument("--stop-dir", type=Path, help="write <run id>.stop files here")
    p.add_argument("--stop-on", default=",".join(DEFAULT_STOP_ON), help="KIND or KIND:min_severity, comma-separated")
    p.add_argument("--window", type=float, default=300, help="replay window in seconds")
    args = p.parse_args(argv)
    if not args.secret:
        p.error("--secret (or WEIGHTCAST_HOOK_SECRET) is required: unsigned stop requests are not trusted")
    rules = StopRules(r for r in args.stop_on.split(",") if r.strip())
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret, rules, args.stop_dir, args.window))
    print(f"listening on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
