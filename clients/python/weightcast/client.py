"""Publishing a training run to Weightcast: checkpoints and run events (design §4).

A loop needs three calls::

    run = weightcast.start_run("127.0.0.1:9092", study="digits", hparams={...}, planned_steps=18,
                               activation="relu")
    for epoch in range(1, 19):
        ...train...
        run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": acc})
    run.finish(test_accuracy=test_acc, train_accuracy=train_acc)

``start_run(..., model=model)`` (or ``run.watch(model)``) also measures dead ReLU units on a few of
the batches the loop runs and adds ``dead_fraction/<layer>`` to each step's metrics (``dead_units``).

Checkpoints go to ``<prefix>checkpoints`` as safetensors bytes, run events to ``<prefix>runs`` as
JSON, both keyed by the run id, through an idempotent acks=all producer. Sends are asynchronous;
a failed delivery is raised (``DeliveryError``) by the next call, and ``finish``/``flush`` wait for
every record to be acknowledged, so a run that finished without an exception was delivered.
"""

import email.utils
import json
import logging
import math
import numbers
import os
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from . import alerts, claim_check, dead_units, kafka_security, readback, safetensors

#: Largest record the platform's topics accept (``KafkaConfigs.MAX_RECORD_BYTES`` in Java);
#: larger checkpoints are split into parts.
MAX_RECORD_BYTES = 8 * 1024 * 1024
DEFAULT_TOPIC_PREFIX = "weightcast."

log = logging.getLogger("weightcast")


class WeightcastError(RuntimeError):
    """Weightcast could not be reached or used (unreachable broker, missing topic, bad argument)."""


class DeliveryError(WeightcastError):
    """At least one record was not acknowledged by the broker (or the HTTP gateway)."""


# ------------------------------------------------------------------------------------ JSON helpers

def _number(name: str, value) -> float:
    """Any real scalar (int, float, numpy, 0-d torch tensor) as a float."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"metric '{name}' must be a number, got {type(value).__name__}")
    return float(value)


def _json_value(value):
    """Makes a value JSON-safe the way the Java side writes it: non-finite floats become the
    strings "NaN", "Infinity", "-Infinity" (Jackson's convention; JSON has no such numbers)."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, RuntimeError):
            value = value.tolist()
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value)


def _metrics(metrics: Optional[Mapping[str, object]]) -> Dict[str, float]:
    return {str(k): _number(str(k), v) for k, v in (metrics or {}).items()}


def _scalar_hparams(hparams: Mapping[str, object]) -> Dict[str, object]:
    """The hyper-parameters a checkpoint carries: scalars only (nested values stay in the started event)."""
    out = {}
    for k, v in hparams.items():
        v = _json_value(v)
        if v is None or isinstance(v, (bool, int, float, str)):
            if v is not None:
                out[str(k)] = v
    return out


def _dumps(obj) -> bytes:
    return json.dumps(_json_value(obj), allow_nan=False, separators=(",", ":")).encode("utf-8")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _check_step(step) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise WeightcastError(f"step must be a non-negative integer, was {step!r}")


def layer_order(names: Sequence[str]) -> List[str]:
    """Layers in order of first appearance: 'conv1.weight', 'conv1.bias' -> 'conv1'."""
    out: List[str] = []
    for n in names:
        layer = n.rsplit(".", 1)[0] if "." in n else n
        if layer not in out:
            out.append(layer)
    return out


# ------------------------------------------------------------------------------------ transports

class KafkaTransport:
    """Sends through one confluent_kafka Producer: idempotent, acks=all, lz4."""

    def __init__(self, bootstrap_servers: str, topic_prefix: str = DEFAULT_TOPIC_PREFIX,
                 client_id: Optional[str] = None, connect_timeout: float = 10.0,
                 delivery_timeout: float = 30.0, max_record_bytes: int = MAX_RECORD_BYTES,
                 producer_config: Optional[Mapping[str, object]] = None, check: bool = True):
        from confluent_kafka import Producer  # imported here so dry runs work without librdkafka

        self.bootstrap_servers = bootstrap_servers
        self.checkpoints_topic = topic_prefix + "checkpoints"
        self.runs_topic = topic_prefix + "runs"
        self.max_record_bytes = max_record_bytes
        self.connect_timeout = connect_timeout
        self.delivery_timeout = delivery_timeout
        self._errors: List[str] = []
        self._lock = threading.Lock()
        config = {
            "bootstrap.servers": bootstrap_servers,
            "client.id": client_id or "weightcast-python",
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": "lz4",
            # The Java clients' partitioner (murmur2): a run id lands on the same partition number
            # whichever client produced it, which Kafka Streams' co-partitioned joins rely on.
            "partitioner": "murmur2_random",
            "linger.ms": 5,
            # 9 MiB: room for an 8 MiB record plus protocol overhead; bigger checkpoints are split.
            "message.max.bytes": 9 * 1024 * 1024,
            # Bounded: an unreachable broker fails the delivery instead of retrying forever.
            "message.timeout.ms": int(delivery_timeout * 1000),
            "socket.connection.setup.timeout.ms": int(max(1.0, connect_timeout) * 1000),
            "error_cb": self._on_error,
            "logger": logging.getLogger("weightcast.kafka"),
        }
        config.update(kafka_security.from_env())  # the login the services' variables give (compose, Strimzi)
        config.update(producer_config or {})
        try:
            self._producer = Producer(config)
        except Exception as e:  # KafkaException for a bad configuration
            raise WeightcastError(f"cannot create a Kafka producer for {bootstrap_servers}: {e}") from e
        if check:
            self.check()

    def check(self) -> None:
        """Fails fast (within ``connect_timeout``) when the broker or our topics are missing."""
        from confluent_kafka import KafkaException

        try:
            md = self._producer.list_topics(timeout=self.connect_timeout)
        except KafkaException as e:
            raise WeightcastError(
                f"cannot reach Kafka at {self.bootstrap_servers} within {self.connect_timeout:g} s "
                f"({e.args[0].str() if e.args else e}); is the broker (e.g. `weightcast local`) running?") from None
        for topic in (self.checkpoints_topic, self.runs_topic):
            t = md.topics.get(topic)
            if t is None or t.error is not None:
                raise WeightcastError(
                    f"topic '{topic}' does not exist at {self.bootstrap_servers}; start the platform "
                    f"(`weightcast local` creates the topics) or check the topic prefix")

    def _on_error(self, err) -> None:
        # Fatal errors (e.g. the idempotent producer lost its sequence) can never recover.
        if err.fatal():
            with self._lock:
                self._errors.append(f"fatal producer error: {err.str()}")
        else:
            log.debug("kafka: %s", err.str())

    def _on_delivery(self, err, msg) -> None:
        if err is not None:
            with self._lock:
                self._errors.append(f"{msg.topic()} key={msg.key()!r}: {err.str()}")

    def raise_pending(self) -> None:
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise DeliveryError(f"delivery to Kafka at {self.bootstrap_servers} failed: {errors[0]}{more}")

    def _produce(self, topic: str, key: str, value: bytes) -> None:
        deadline = time.monotonic() + self.delivery_timeout
        while True:
            try:
                self._producer.produce(topic, value=value, key=key.encode("utf-8"), on_delivery=self._on_delivery)
                break
            except BufferError:  # local queue full: let deliveries drain, bounded by the delivery timeout
                if time.monotonic() > deadline:
                    raise DeliveryError(f"producer queue stayed full for {self.delivery_timeout:g} s "
                                        f"(Kafka at {self.bootstrap_servers} not keeping up or unreachable)")
                self._producer.poll(0.1)
        self._producer.poll(0)
        self.raise_pending()

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        parts = safetensors.split(value, self.max_record_bytes)
        for part in parts:
            self._produce(self.checkpoints_topic, run_id, part)
        return len(parts)

    def send_event(self, run_id: str, value: bytes) -> None:
        self._produce(self.runs_topic, run_id, value)

    def flush(self, timeout: Optional[float] = None) -> None:
        timeout = self.delivery_timeout + 5 if timeout is None else timeout
        remaining = self._producer.flush(timeout)
        self.raise_pending()
        if remaining:
            raise DeliveryError(f"{remaining} record(s) not acknowledged by Kafka at {self.bootstrap_servers} "
                                f"within {timeout:g} s")

    def close(self) -> None:
        self.flush()


#: Statuses a busy gateway answers (429: admission control, 503: Kafka unavailable, 409: the same request, by its
#: Idempotency-Key, still in progress); retried after Retry-After.
RETRY_STATUSES = (409, 429, 503)


def retry_delay(retry_after: Optional[str], attempt: int, backoff: float, max_backoff: float) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): the server's ``Retry-After`` (seconds or an
    HTTP date) when it sent one, else ``backoff * 2**attempt``; never more than ``max_backoff``."""
    delay = None
    if retry_after:
        value = retry_after.strip()
        try:
            delay = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
                delay = when.timestamp() - time.time()
            except (TypeError, ValueError, IndexError):
                delay = None
    if delay is None or not math.isfinite(delay):
        delay = backoff * (2 ** attempt)
    return min(max(0.0, delay), max_backoff)


class HttpTransport:
    """Sends through the ingest gateway: POST /v1/runs/{run}/checkpoints and /v1/runs/{run}/events.
    Each call returns only after the gateway answered 2xx (it answers after Kafka acked).

    A busy gateway (429 or 503, or 409: the same request still in progress) is retried up to ``max_retries``
    times, each after the answer's ``Retry-After`` (else ``backoff`` doubling per retry), every wait capped at
    ``max_backoff`` seconds; then ``DeliveryError`` says how often and how long it tried. A lost connection
    (reset, timeout, refused) is retried the same way: every request carries an ``Idempotency-Key``, the same on
    each of its retries, so a retry of a request the gateway had already answered gets that answer back and
    nothing is produced twice. Other errors are raised at once."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30.0, max_retries: int = 5,
                 backoff: float = 0.5, max_backoff: float = 30.0):
        if max_retries < 0 or backoff < 0 or max_backoff < 0:
            raise WeightcastError("max_retries, backoff and max_backoff must be >= 0")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retries = 0  # retries so far (all requests), for monitoring

    def _post(self, path: str, body: bytes, content_type: str) -> None:
        waited = 0.0
        key = uuid.uuid4().hex  # one per request, the same on every retry of it
        for attempt in range(self.max_retries + 1):
            req = urllib.request.Request(self.url + path, data=body, method="POST")
            req.add_header("Content-Type", content_type)
            req.add_header("Idempotency-Key", key)
            if self.token:
                req.add_header("Authorization", f"Bearer {self.token}")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
                return
            except urllib.error.HTTPError as e:
                reason = e.read().decode("utf-8", "replace")[:500]
                if e.code not in RETRY_STATUSES:
                    raise DeliveryError(f"POST {self.url}{path} answered {e.code}: {reason}") from None
                if attempt == self.max_retries:
                    raise DeliveryError(
                        f"POST {self.url}{path} answered {e.code} ({reason}) {attempt + 1} times; gave up after "
                        f"{self.max_retries} retries and {waited:.1f} s of waiting (the gateway is overloaded or "
                        f"Kafka is unavailable; raise max_retries/max_backoff to wait longer)") from None
                delay = retry_delay(e.headers.get("Retry-After") if e.headers else None, attempt, self.backoff,
                                    self.max_backoff)
                log.info("POST %s%s answered %s; retry %d/%d in %.2f s", self.url, path, e.code, attempt + 1,
                         self.max_retries, delay)
            except (urllib.error.URLError, OSError) as e:
                if attempt == self.max_retries:
                    raise DeliveryError(f"POST {self.url}{path} failed {attempt + 1} times, last: {getattr(e, 'reason', e)}; "
                                        f"gave up after {waited:.1f} s of waiting") from None
                delay = retry_delay(None, attempt, self.backoff, self.max_backoff)
                log.info("POST %s%s failed (%s); retry %d/%d in %.2f s", self.url, path, getattr(e, "reason", e),
                         attempt + 1, self.max_retries, delay)
            self.retries += 1
            waited += delay
            time.sleep(delay)

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        run = urllib.parse.quote(run_id, safe="")
        self._post(f"/v1/runs/{run}/checkpoints?step={int(step)}", value, "application/octet-stream")
        return 1

    def send_event(self, run_id: str, value: bytes) -> None:
        self._post(f"/v1/runs/{urllib.parse.quote(run_id, safe='')}/events", value, "application/json")

    def flush(self, timeout: Optional[float] = None) -> None:
        pass

    def close(self) -> None:
        pass


class MemoryTransport:
    """Keeps what would have been sent (dry runs and tests). ``keep_values=False`` keeps sizes only."""

    def __init__(self, keep_values: bool = True, max_record_bytes: int = MAX_RECORD_BYTES):
        self.keep_values = keep_values
        self.max_record_bytes = max_record_bytes
        self.records: List[tuple] = []  # (kind "checkpoint"|"event", run_id, value bytes or size)

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        parts = safetensors.split(value, self.max_record_bytes)
        for part in parts:
            self.records.append(("checkpoint", run_id, part if self.keep_values else len(part)))
        return len(parts)

    def send_event(self, run_id: str, value: bytes) -> None:
        self.records.append(("event", run_id, value if self.keep_values else len(value)))

    def events(self, run_id: Optional[str] = None) -> List[dict]:
        return [json.loads(v) for kind, r, v in self.records
                if kind == "event" and (run_id is None or r == run_id)]

    def checkpoints(self, run_id: Optional[str] = None) -> List[bytes]:
        return [v for kind, r, v in self.records if kind == "checkpoint" and (run_id is None or r == run_id)]

    def flush(self, timeout: Optional[float] = None) -> None:
        pass

    def close(self) -> None:
        pass


class DirectoryTransport:
    """Writes exactly what would be published to a directory instead (zoos kept on disk, offline runs)::

        DIR/<run_id>/events.jsonl         every run event, the runs topic's JSON, one per line
        DIR/<run_id>/step-001.safetensors each checkpoint's bytes (unsplit), named by step

    A run is written under ``DIR/.tmp-<run_id>/`` and renamed to ``DIR/<run_id>/`` by its
    ``finished`` event, so a directory named after a run is always a complete run; a ``started``
    event discards a partial ``.tmp-`` directory left by an interrupted writer (and a finished run
    of the same id is replaced when the new one finishes).
    """

    TMP_PREFIX = ".tmp-"

    def __init__(self, directory):
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WeightcastError(f"cannot create the output directory {self.directory}: {e}") from None
        self._lock = threading.Lock()
        self._open: Dict[str, Path] = {}  # run id -> its .tmp- directory

    @staticmethod
    def check_run_id(run_id: str) -> None:
        # The id names a directory: no separators, no hidden/relative names.
        if not run_id or run_id.startswith(".") or any(c in run_id for c in "/\\\0") or run_id != run_id.strip():
            raise WeightcastError(f"run id {run_id!r} cannot name a directory (no '/', '\\', NUL, "
                                  f"leading '.' or surrounding spaces)")

    def run_dir(self, run_id: str) -> Path:
        """Where a finished run is (``DIR/<run_id>``)."""
        return self.directory / run_id

    def _tmp(self, run_id: str, fresh: bool = False) -> Path:
        with self._lock:
            d = self._open.get(run_id)
            if d is None or fresh:
                self.check_run_id(run_id)
                d = self.directory / (self.TMP_PREFIX + run_id)
                if d.exists():  # left by an interrupted writer (or a restarted run): start over
                    shutil.rmtree(d)
                d.mkdir(parents=True)
                self._open[run_id] = d
            return d

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        (self._tmp(run_id) / f"step-{int(step):03d}.safetensors").write_bytes(value)
        return 1

    def send_event(self, run_id: str, value: bytes) -> None:
        kind = json.loads(value).get("type")
        d = self._tmp(run_id, fresh=kind == "started")
        with open(d / "events.jsonl", "ab") as f:
            f.write(value + b"\n")
        if kind == "finished":
            self._complete(run_id)

    def _complete(self, run_id: str) -> None:
        with self._lock:
            tmp = self._open.pop(run_id)
            final = self.run_dir(run_id)
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)

    def flush(self, timeout: Optional[float] = None) -> None:
        pass

    def close(self) -> None:
        pass


# ------------------------------------------------------------------------------------ public API

#: The environment variables the client reads (README "Configuration from the environment"); an
#: argument given in code wins over its variable, except the mode: ``WEIGHTCAST_MODE`` (disabled or
#: dryrun) overrides the destination the code gives, and ``disabled`` also a ``mode=`` in code, so it
#: turns every run into a no-op whatever the code passes (a kill switch for CI and notebooks).
ENV_VARS = {
    "WEIGHTCAST_MODE": "online (default), disabled (no-op runs that never connect) or dryrun (build every record, send none)",
    "WEIGHTCAST_BOOTSTRAP": "Kafka bootstrap servers (WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS, the services' variable, also works)",
    "WEIGHTCAST_URL": "the ingest gateway's URL (HTTP transport)",
    "WEIGHTCAST_TOKEN": "bearer token for the ingest gateway (and the scorer, without WEIGHTCAST_SCORER_TOKEN)",
    "WEIGHTCAST_SCORER_TOKEN": "read token for the scorer's HTTP API (one of its scorer.tokens)",
    "WEIGHTCAST_DIR": "write the records to this directory instead (DirectoryTransport)",
    "WEIGHTCAST_SCORER_URL": "the scorer's HTTP API, for latest_score()/should_stop() (else the topics are read)",
    "WEIGHTCAST_STUDY": "the study of runs started without one",
    "WEIGHTCAST_TOPIC_PREFIX": "topic prefix (default weightcast.)",
    "WEIGHTCAST_STOP_ON": "comma-separated stop rules, e.g. EARLY_STOP_CANDIDATE,DYING_RELU:critical",
    "WEIGHTCAST_STORE_URI": "claim check (Kafka transport): checkpoints above WEIGHTCAST_STORE_THRESHOLD_BYTES go to this "
                            "store (file:///dir shared with the streams service, or s3://bucket/prefix with boto3) and "
                            "Kafka carries their reference; over HTTP, claim_store= in code (the gateway also has its "
                            "own store.* settings)",
    "WEIGHTCAST_STORE_THRESHOLD_BYTES": "checkpoints above this many bytes go by reference (default 64 MiB)",
    "WEIGHTCAST_STORE_MAX_SHARD_BYTES": "checkpoints by reference larger than this are stored as a Hugging Face sharded "
                                        "checkpoint (shards of at most this many bytes + model.safetensors.index.json; "
                                        "default 5000000000)",
    "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL": "Kafka login: SASL_PLAINTEXT, SASL_SSL or SSL (with _SASL_MECHANISM, "
                                          "_SASL_USERNAME, _SASL_PASSWORD, _SSL_CA_LOCATION; the services' names)",
}
MODES = ("online", "disabled", "dryrun")


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def env_mode(mode: Optional[str] = None) -> str:
    """The mode: WEIGHTCAST_MODE=disabled wins; else ``mode``; else WEIGHTCAST_MODE; else online."""
    from_env = _env("WEIGHTCAST_MODE")
    chosen = from_env if from_env and from_env.lower() == "disabled" else (mode or from_env or "online")
    chosen = chosen.lower().replace("_", "").replace("-", "")
    if chosen not in MODES:
        raise WeightcastError(f"mode must be one of {', '.join(MODES)}, was {mode or from_env!r} "
                              f"({'WEIGHTCAST_MODE' if not mode else 'mode='})")
    return chosen


class NullTransport:
    """The transport of a disabled client: takes nothing, sends nothing, never connects."""

    def send_checkpoint(self, run_id: str, step: int, value: bytes) -> int:
        return 0

    def send_event(self, run_id: str, value: bytes) -> None:
        pass

    def flush(self, timeout: Optional[float] = None) -> None:
        pass

    def close(self) -> None:
        pass


class Weightcast:
    """A connection to Weightcast (one producer) that any number of runs share.

    Give at most one of ``bootstrap_servers`` (Kafka, the default path), ``http_url`` (the ingest
    gateway, with an optional bearer ``token``), ``directory`` (write the records to files, see
    ``DirectoryTransport``), ``dry_run=True`` (build every record, send nothing) or ``transport``
    (an object with send_checkpoint/send_event/flush/close); with none, the environment names it
    (``WEIGHTCAST_BOOTSTRAP``, ``WEIGHTCAST_URL`` or ``WEIGHTCAST_DIR``; see ``ENV_VARS``).
    ``mode="disabled"`` (or ``WEIGHTCAST_MODE=disabled``) makes every run a no-op that never connects.

    Claim check (design §10): with ``claim_store`` (``file:///dir`` shared with the streams service, or
    ``s3://bucket/prefix`` with boto3; else ``WEIGHTCAST_STORE_URI``), checkpoints above
    ``claim_threshold_bytes`` (default 64 MiB) are written there and Kafka carries their reference
    (``claim_check``); smaller ones stay inline. The ingest gateway does the same on its side. Such a
    checkpoint is streamed to the store tensor by tensor (never whole in memory), as a Hugging Face
    sharded checkpoint when larger than ``claim_max_shard_bytes`` (default 5 GB).

    Read-back (``Run.latest_score``, ``Run.should_stop``) comes from the scorer's HTTP API when
    ``scorer_url`` is set (with the read token ``scorer_token``, else ``WEIGHTCAST_SCORER_TOKEN``, else
    ``token``), else from the scores and alerts topics of ``alerts_bootstrap_servers`` or
    ``bootstrap_servers``.
    """

    def __init__(self, bootstrap_servers: Optional[str] = None, *, topic_prefix: Optional[str] = None,
                 client_id: Optional[str] = None, http_url: Optional[str] = None, token: Optional[str] = None,
                 dry_run: bool = False, transport=None, directory=None, connect_timeout: float = 10.0,
                 delivery_timeout: float = 30.0, producer_config: Optional[Mapping[str, object]] = None,
                 stop_on: Optional[Sequence[str]] = None, alerts_bootstrap_servers: Optional[str] = None,
                 alert_watcher=None, http_max_retries: int = 5, http_max_backoff: float = 30.0,
                 scorer_url: Optional[str] = None, mode: Optional[str] = None, reader=None,
                 scorer_token: Optional[str] = None, claim_store=None, claim_threshold_bytes: Optional[int] = None,
                 claim_max_shard_bytes: Optional[int] = None):
        self.mode = env_mode(mode)
        self.disabled = self.mode == "disabled"
        if topic_prefix is None:
            topic_prefix = _env("WEIGHTCAST_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX
        if stop_on is None:
            rules = _env("WEIGHTCAST_STOP_ON")
            stop_on = [r.strip() for r in rules.split(",") if r.strip()] if rules else alerts.DEFAULT_STOP_ON
        token = token or _env("WEIGHTCAST_TOKEN")
        switched = self.disabled or self.mode == "dryrun"  # the mode decides, whatever destination is given
        given = [x for x in (bootstrap_servers, http_url, transport, directory, dry_run or None)
                 if x is not None and x != ""]
        if not given and not switched:
            env_given = {k: _env(k) for k in ("WEIGHTCAST_BOOTSTRAP", "WEIGHTCAST_URL", "WEIGHTCAST_DIR")}
            if not env_given["WEIGHTCAST_BOOTSTRAP"]:
                env_given["WEIGHTCAST_BOOTSTRAP"] = _env("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS")
            named = {k: v for k, v in env_given.items() if v}
            if len(named) > 1:
                raise WeightcastError(f"the environment names {len(named)} destinations ({', '.join(sorted(named))}); "
                                      f"set only one, or pass one in code")
            bootstrap_servers = named.get("WEIGHTCAST_BOOTSTRAP")
            http_url = named.get("WEIGHTCAST_URL")
            directory = named.get("WEIGHTCAST_DIR")
            given = list(named.values())
        if len(given) != 1 and not switched:
            raise WeightcastError("give exactly one of bootstrap_servers, http_url, directory, dry_run=True or transport "
                                  "(or set one of WEIGHTCAST_BOOTSTRAP, WEIGHTCAST_URL, WEIGHTCAST_DIR; "
                                  "WEIGHTCAST_MODE=disabled for no-op runs)")
        dry_run = dry_run or self.mode == "dryrun"
        if self.disabled:
            self.transport = NullTransport()
        elif self.mode == "dryrun":
            self.transport = MemoryTransport(keep_values=False)
        elif transport is not None:
            self.transport = transport
        elif directory is not None and directory != "":
            self.transport = DirectoryTransport(directory)
        elif dry_run:
            self.transport = MemoryTransport(keep_values=False)
        elif http_url:
            self.transport = HttpTransport(http_url, token, delivery_timeout, max_retries=http_max_retries,
                                           max_backoff=http_max_backoff)
        else:
            self.transport = KafkaTransport(bootstrap_servers, topic_prefix, client_id, connect_timeout,
                                            delivery_timeout, producer_config=producer_config)
        self.transport = self._claim_check(claim_store, claim_threshold_bytes,
                                           transport is not None and not switched and not dry_run,
                                           claim_max_shard_bytes)
        self._closed = False
        self.topic_prefix = topic_prefix
        # read-back: the scorer's HTTP API, else one consumer of the scores and alerts topics for all runs
        # of this client, created on first use; nothing in a disabled client or a dry run
        self._stop_on = tuple(stop_on)
        alerts.StopRules(self._stop_on)  # a bad rule fails here, not in the training loop
        self.scorer_url = scorer_url or _env("WEIGHTCAST_SCORER_URL")
        self._token = token
        # the scorer wants a read token (scorer.tokens), not necessarily the producer's token
        self._scorer_token = scorer_token or _env("WEIGHTCAST_SCORER_TOKEN") or token
        self._reads = not (self.disabled or dry_run)
        self._alerts_bootstrap = (alerts_bootstrap_servers or bootstrap_servers) if self._reads else None
        self._alerts_topic = topic_prefix + "alerts"
        self._scores_topic = topic_prefix + "scores"
        self._watcher = reader if reader is not None else alert_watcher
        self._watcher_lock = threading.Lock()

    def _claim_check(self, store, threshold_bytes: Optional[int], given_transport: bool,
                     max_shard_bytes: Optional[int] = None):
        """The transport, wrapped in the claim check (``claim_check``) when a store is given (or, for Kafka, named by
        WEIGHTCAST_STORE_URI): around Kafka, HTTP (the gateway passes a reference record on; without a client store it
        stores big bodies itself) or a transport the caller passed, never in a dry run or no-op run."""
        kafka = isinstance(self.transport, KafkaTransport)
        if store is None and kafka:
            store = _env("WEIGHTCAST_STORE_URI")
        if store is None or not (kafka or given_transport or isinstance(self.transport, HttpTransport)):
            return self.transport
        if threshold_bytes is None:
            env = _env("WEIGHTCAST_STORE_THRESHOLD_BYTES")
            threshold_bytes = int(env) if env else claim_check.DEFAULT_THRESHOLD_BYTES
        if max_shard_bytes is None:
            env = _env("WEIGHTCAST_STORE_MAX_SHARD_BYTES")
            max_shard_bytes = int(env) if env else claim_check.DEFAULT_MAX_SHARD_BYTES
        if isinstance(store, (str, os.PathLike)):
            store = claim_check.store_for(os.fspath(store))
        return claim_check.ClaimCheckTransport(self.transport, store, threshold_bytes, max_shard_bytes)

    def reader(self):
        """Where ``latest_score``/``should_stop`` answers come from: a ``readback.HttpReader`` with a scorer
        URL, else the shared ``AlertWatcher`` of the scores and alerts topics; None without either (dry
        run, disabled, HTTP transport without scorer_url or alerts_bootstrap_servers)."""
        with self._watcher_lock:
            if self._watcher is None and self._reads:
                if self.scorer_url:
                    from .readback import HttpReader
                    self._watcher = HttpReader(self.scorer_url, self._stop_on, token=self._scorer_token)
                elif self._alerts_bootstrap:
                    self._watcher = alerts.AlertWatcher(self._alerts_bootstrap, self._alerts_topic, self._stop_on,
                                                        scores_topic=self._scores_topic)
            return self._watcher

    def alert_watcher(self):
        """The reader (kept under its earlier name)."""
        return self.reader()

    def start_run(self, study: Optional[str] = None, hparams: Optional[Mapping[str, object]] = None,
                  planned_steps: Optional[int] = None, activation: Optional[str] = None,
                  run_id: Optional[str] = None, framework: str = "pytorch",
                  layers: Optional[Sequence[str]] = None, model=None) -> "Run":
        """Publishes the ``started`` event and returns the run to log checkpoints to. With ``model``
        (a torch.nn.Module) the run watches it for dead ReLU units (``Run.watch``). ``study`` defaults
        to ``WEIGHTCAST_STUDY``."""
        study = study or _env("WEIGHTCAST_STUDY")
        run = Run(self, run_id or f"{study or 'run'}-{uuid.uuid4().hex[:12]}", study, hparams, planned_steps,
                  activation, framework, layers, owns_client=False)
        if model is not None:
            run.watch(model)
        return run

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until every record sent so far is acknowledged; raises DeliveryError otherwise."""
        self.transport.flush(timeout)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._watcher is not None:
                self._watcher.close()
            self.transport.close()

    def __enter__(self) -> "Weightcast":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:  # keep the original exception; still try to deliver what was sent
            try:
                self.close()
            except WeightcastError as e:
                log.warning("while closing after an error: %s", e)


class Run:
    """One training run: log a checkpoint per epoch, then ``finish`` with the final accuracy."""

    def __init__(self, client: Weightcast, run_id: str, study: Optional[str], hparams, planned_steps: Optional[int],
                 activation: Optional[str], framework: str, layers: Optional[Sequence[str]], owns_client: bool):
        if not run_id or not isinstance(run_id, str):
            raise WeightcastError("run_id must be a non-empty string")
        if planned_steps is not None and (not isinstance(planned_steps, int) or planned_steps <= 0):
            raise WeightcastError(f"planned_steps must be a positive integer, was {planned_steps!r}")
        self.client = client
        self.run_id = run_id
        self.study = study
        self.hparams = dict(hparams or {})
        self.planned_steps = planned_steps
        self.activation = activation
        self.framework = framework
        self.layers = list(layers) if layers else None
        self.finished = False
        self._owns_client = owns_client
        self._monitor: Optional[dead_units.DeadUnitMonitor] = None
        self.disabled = client.disabled
        if self.disabled:
            return
        reader = client.reader()
        if reader is not None:  # so the topics' records of this run are kept from the start (no I/O)
            reader.watch(run_id)
        self._event({"type": "started", "run_id": run_id, "study": study, "hparams": self.hparams,
                     "planned_steps": planned_steps, "timestamp": _now_ms()})

    # ---------------------------------------------------------------- dead units

    def watch(self, model, batches: int = dead_units.DEFAULT_BATCHES,
              functional: bool = True) -> "dead_units.DeadUnitMonitor":
        """Measures dead ReLU units of ``model`` (a torch.nn.Module, the one the loop calls) and adds
        ``dead_fraction/<layer>`` to the metrics of every following ``log_checkpoint``/``log_metrics``
        (metrics the loop passes itself win). Forward hooks on nn.ReLU/nn.ReLU6 modules (and, found
        with torch.fx when ``functional``, on the layers feeding F.relu) measure the first ``batches``
        forward passes per mode (train, eval) after each report; the rest of the time they return at
        once. A layer's units are dead when its ReLU output is 0 for every sampled input (the eval-mode
        sample when there is one, else the train-mode one). Replaces an earlier watch; ``unwatch``,
        ``finish`` and ``close`` remove the hooks. See ``weightcast.dead_units``. A disabled run
        installs nothing and returns None."""
        self.unwatch()
        if self.disabled:
            return None
        self._monitor = dead_units.DeadUnitMonitor(model, batches=batches, functional=functional)
        if not self._monitor.layers:
            log.info("run %s: no nn.ReLU/ReLU6 module or functional relu after a conv/linear layer found in %s; "
                     "no dead fractions will be measured", self.run_id, type(model).__name__)
        return self._monitor

    def unwatch(self) -> None:
        """Removes the hooks ``watch`` registered (idempotent); later steps carry no measured fractions."""
        monitor, self._monitor = self._monitor, None
        if monitor is not None:
            monitor.remove()

    @property
    def dead_units(self) -> Optional["dead_units.DeadUnitMonitor"]:
        """The monitor ``watch`` installed (its ``errors``, ``layers``, ``fractions()``), or None."""
        return self._monitor

    def _with_measured(self, step: int, metrics: Optional[Mapping[str, object]]) -> Optional[Mapping[str, object]]:
        """The loop's metrics plus the fractions measured since the last step (the loop's keys win)."""
        if self._monitor is None:
            return metrics
        measured = self._monitor.collect(step)
        if not measured:
            return metrics
        measured.update(metrics or {})
        return measured

    def _event(self, event: dict) -> None:
        self.client.transport.send_event(self.run_id, _dumps({k: v for k, v in event.items() if v is not None}))

    def checkpoint_bytes(self, state_dict: Mapping[str, object], step: int,
                         metrics: Optional[Mapping[str, object]] = None) -> bytes:
        """The safetensors record ``log_checkpoint`` sends (useful to save the same file locally)."""
        return safetensors.save_state_dict(state_dict, self.checkpoint_metadata(state_dict, step, metrics))

    def checkpoint_metadata(self, state_dict: Mapping[str, object], step: int,
                            metrics: Optional[Mapping[str, object]] = None) -> Dict[str, str]:
        """The ``__metadata__`` of the checkpoint ``log_checkpoint`` sends."""
        _check_step(step)
        meta = {"run_id": self.run_id, "step": str(step), "framework": self.framework}
        if self.planned_steps is not None:
            meta["planned_steps"] = str(self.planned_steps)
        if self.activation:
            meta["activation"] = self.activation
        if self.study:
            meta["study"] = self.study
        if metrics:
            meta["metrics"] = _dumps(_metrics(metrics)).decode("utf-8")
        scalar_hparams = _scalar_hparams(self.hparams)
        if scalar_hparams:  # features of the checkpoint alone (layout v4's hp_* section)
            meta["hparams"] = _dumps(scalar_hparams).decode("utf-8")
        meta["layers"] = ",".join(self.layers or layer_order(list(state_dict.keys())))
        return meta

    def log_checkpoint(self, state_dict: Mapping[str, object], step: int,
                       metrics: Optional[Mapping[str, object]] = None) -> int:
        """Sends the weights (a state_dict: name -> tensor) of ``step`` (epoch index from 1) with
        the metrics the loop measured (train_loss, train_acc, val_loss, val_acc, ...).
        Returns the checkpoint's size in bytes (0 in a disabled run, which builds nothing). Asynchronous:
        see ``flush``."""
        self._check_open()
        if self.disabled:
            _check_step(step)
            return 0
        meta = self.checkpoint_metadata(state_dict, step, self._with_measured(step, metrics))
        transport = self.client.transport
        if isinstance(transport, claim_check.ClaimCheckTransport):
            specs = safetensors.specs_of(state_dict)
            size = safetensors.file_size(specs, meta)
            if transport.claims(size):  # streamed to the store, never built in memory
                transport.send_state_dict(self.run_id, step, specs, meta)
                return size
        value = safetensors.save_state_dict(state_dict, meta)
        transport.send_checkpoint(self.run_id, step, value)
        return len(value)

    def log_metrics(self, step: int, metrics: Mapping[str, object]) -> None:
        """Sends a ``metrics`` run event (no weights)."""
        self._check_open()
        _check_step(step)
        if self.disabled:
            return
        self._event({"type": "metrics", "run_id": self.run_id, "study": self.study, "step": step,
                     "metrics": _metrics(self._with_measured(step, metrics)), "timestamp": _now_ms()})

    def finish(self, test_accuracy: float, train_accuracy: Optional[float] = None, **final: float) -> None:
        """Sends ``finished`` with the final accuracies (the label that makes the run a zoo member),
        then waits until everything of this client was acknowledged."""
        self._check_open()
        acc = _number("test_accuracy", test_accuracy)
        if not math.isfinite(acc):
            raise WeightcastError(f"test_accuracy must be finite, was {acc}")
        values = {"test_accuracy": acc}
        if train_accuracy is not None:
            values["train_accuracy"] = _number("train_accuracy", train_accuracy)
        values.update(_metrics(final))
        if self.disabled:
            self.finished = True
            return
        self._event({"type": "finished", "run_id": self.run_id, "study": self.study, "final": values,
                     "timestamp": _now_ms()})
        self.finished = True
        self.unwatch()
        if self._owns_client:
            self.client.close()
        else:
            self.client.flush()

    def _reader(self, what: str):
        reader = None if self.disabled else self.client.reader()
        if reader is None and not self.disabled and not getattr(self, "_warned_no_reader", False):
            self._warned_no_reader = True
            log.warning("run %s: %s has nothing to read from (dry run, or HTTP transport without scorer_url or "
                        "alerts_bootstrap_servers); it answers %s", self.run_id, what,
                        "False" if what == "should_stop()" else "None")
        return reader

    def should_stop(self) -> bool:
        """True once Weightcast raised an alert for this run that matches the client's ``stop_on`` rules
        (default: EARLY_STOP_CANDIDATE, critical DYING_RELU, NONFINITE_WEIGHTS). With a ``scorer_url``
        each call asks the scorer (``GET /v1/runs/{run}``) until the run should stop; else the first call
        starts a background consumer of ``<prefix>alerts`` and ``<prefix>scores`` and calls are cheap (no
        I/O). Always False with nothing to read from (a warning is logged once) and in a disabled run."""
        reader = self._reader("should_stop()")
        return reader.should_stop(self.run_id) if reader is not None else False

    def stop_reason(self) -> Optional[dict]:
        """The alert that made ``should_stop()`` true (its JSON record), or None."""
        reader = None if self.disabled else self.client.reader()
        return reader.stop_reason(self.run_id) if reader is not None else None

    def latest_score(self, wait: float = 0.0, min_step: Optional[int] = None) -> Optional["readback.Score"]:
        """The run's latest score: ``predicted_final_accuracy``, its 80% ``interval`` (and ``intervals``),
        the ``model_version`` that made it, ``flags``, and the run's ``alerts`` so far; None before the
        first score. From the scorer's HTTP API with a ``scorer_url`` (one GET per call), else from the
        scores/alerts topics (a background consumer; no I/O per call). ``wait`` seconds: wait for a score
        (at ``min_step`` or later when given) instead of answering at once. None in a disabled run."""
        reader = self._reader("latest_score()")
        if reader is None:
            return None
        return readback.wait_for_score(reader, self.run_id, wait, min_step)

    def flush(self, timeout: Optional[float] = None) -> None:
        self.client.flush(timeout)

    def close(self) -> None:
        """Delivers what was sent and removes the ``watch`` hooks; closes the client if ``start_run``
        created it for this run."""
        self.unwatch()
        if self._owns_client:
            self.client.close()
        else:
            self.client.flush()

    def _check_open(self) -> None:
        if self.finished:
            raise WeightcastError(f"run {self.run_id} is already finished")

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # A run that raised gets no `finished` event (it has no label), but what it sent is delivered.
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except WeightcastError as e:
                log.warning("while closing run %s after an error: %s", self.run_id, e)


def start_run(bootstrap_servers: Optional[str] = None, *, study: Optional[str] = None,
              hparams: Optional[Mapping[str, object]] = None, planned_steps: Optional[int] = None,
              activation: Optional[str] = None, run_id: Optional[str] = None, framework: str = "pytorch",
              layers: Optional[Sequence[str]] = None, model=None, **client_options) -> Run:
    """Connects (a client of its own, closed by ``finish``) and starts one run. With ``model`` (the
    torch.nn.Module the loop trains) the run measures its dead ReLU units (``Run.watch``).

    ``client_options`` are those of ``Weightcast`` (topic_prefix, http_url, token, dry_run,
    connect_timeout, delivery_timeout, producer_config, ...).
    """
    client = Weightcast(bootstrap_servers, **client_options)
    study = study or _env("WEIGHTCAST_STUDY")
    try:
        run = Run(client, run_id or f"{study or 'run'}-{uuid.uuid4().hex[:12]}", study, hparams, planned_steps,
                  activation, framework, layers, owns_client=True)
        if model is not None:
            run.watch(model)
        return run
    except BaseException:
        try:
            client.close()
        except WeightcastError as e:
            log.warning("while closing after a failed start: %s", e)
        raise


class DisabledReader:
    """The reader of a disabled configuration: no score, never stop."""

    def watch(self, run_id: str) -> None:
        pass

    def latest_score(self, run_id: str):
        return None

    def should_stop(self, run_id: str) -> bool:
        return False

    def stop_reason(self, run_id: str) -> Optional[dict]:
        return None

    def close(self, timeout: float = 0.0) -> None:
        pass


def open_reader(scorer_url: Optional[str] = None, bootstrap_servers: Optional[str] = None, *,
                topic_prefix: Optional[str] = None, stop_on: Optional[Sequence[str]] = None,
                token: Optional[str] = None, mode: Optional[str] = None):
    """Read-back without publishing (a pruner, a stopper, a script): an object with
    ``latest_score(run_id)``, ``should_stop(run_id)`` and ``stop_reason(run_id)``. From the scorer's HTTP
    API (``scorer_url``, else ``WEIGHTCAST_SCORER_URL``), else from the topics of ``bootstrap_servers``
    (else ``WEIGHTCAST_BOOTSTRAP``). With ``WEIGHTCAST_MODE=disabled`` it never stops and has no scores."""
    if env_mode(mode) == "disabled":
        return DisabledReader()
    if stop_on is None:
        rules = _env("WEIGHTCAST_STOP_ON")
        stop_on = [r.strip() for r in rules.split(",") if r.strip()] if rules else alerts.DEFAULT_STOP_ON
    scorer_url = scorer_url or (None if bootstrap_servers else _env("WEIGHTCAST_SCORER_URL"))
    if scorer_url:
        token = token or _env("WEIGHTCAST_SCORER_TOKEN") or _env("WEIGHTCAST_TOKEN")
        return readback.HttpReader(scorer_url, stop_on, token=token)
    bootstrap_servers = (bootstrap_servers or _env("WEIGHTCAST_BOOTSTRAP")
                         or _env("WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS"))
    if not bootstrap_servers:
        raise WeightcastError("nothing to read from: give scorer_url or bootstrap_servers (or set WEIGHTCAST_SCORER_URL "
                              "or WEIGHTCAST_BOOTSTRAP)")
    prefix = topic_prefix if topic_prefix is not None else (_env("WEIGHTCAST_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX)
    return alerts.AlertWatcher(bootstrap_servers, prefix + "alerts", stop_on, scores_topic=prefix + "scores")
