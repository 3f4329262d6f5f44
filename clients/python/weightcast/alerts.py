"""Stop signals for a training loop: Weightcast's alerts (and scores) for this run, read from Kafka.

The scorer publishes alerts to ``<prefix>alerts`` and scores to ``<prefix>scores`` (JSON, key = run
id). ``AlertWatcher`` follows the alerts topic, and the scores topic when given one, in a background
thread (started on the first ``should_stop``/``latest_score`` call) and remembers, per watched run,
the first alert that matches the stop rules, every alert and the latest score; ``Run.should_stop()``
and ``Run.latest_score()`` ask it.

Stop rules are strings ``KIND`` or ``KIND:min_severity`` (info < warning < critical); the default
stops on an early-stop candidate, a critical dying-ReLU alert and non-finite weights.
"""

import json
import logging
import threading
import time
import uuid
from typing import Callable, Dict, Iterable, List, Optional, Set

from . import kafka_security

log = logging.getLogger("weightcast")

DEFAULT_STOP_ON = ("EARLY_STOP_CANDIDATE", "DYING_RELU:critical", "NONFINITE_WEIGHTS")
SEVERITIES = {"info": 0, "warning": 1, "critical": 2}
#: How far before the watcher's creation it looks back, so an alert raised just before the first
#: should_stop() call (or for a run started a little earlier) is not missed.
LOOKBACK_MS = 10 * 60 * 1000
#: Alerts kept per watched run for ``latest_score`` (the oldest are dropped), as the scorer's HTTP view.
MAX_ALERTS_PER_RUN = 1000


class StopRules:
    """Which alerts mean "stop": ``KIND`` (any severity) or ``KIND:min_severity``."""

    def __init__(self, rules: Iterable[str] = DEFAULT_STOP_ON):
        self.min_severity: Dict[str, int] = {}
        for rule in rules:
            kind, _, severity = rule.partition(":")
            severity = severity.strip().lower() or "info"
            if severity not in SEVERITIES:
                raise ValueError(f"stop rule {rule!r}: severity must be info, warning or critical")
            self.min_severity[kind.strip().upper()] = SEVERITIES[severity]

    def matches(self, alert: dict) -> bool:
        if not isinstance(alert, dict):
            return False
        need = self.min_severity.get(str(alert.get("kind", "")).upper())
        # an unknown severity ranks lowest, as in the scorer's hook filters
        have = SEVERITIES.get(str(alert.get("severity", "")).lower(), 0)
        return need is not None and have >= need


def parse_alert(value: Optional[bytes]) -> Optional[dict]:
    """The alert record, or None for anything that is not a JSON object."""
    if not value:
        return None
    try:
        alert = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return None
    return alert if isinstance(alert, dict) else None


class AlertWatcher:
    """Follows the alerts topic for the runs it is told to watch.

    ``consumer_factory(config) -> consumer`` builds a confluent_kafka-like consumer (tests pass a
    fake); the thread starts lazily on the first ``should_stop``.
    """

    def __init__(self, bootstrap_servers: Optional[str], topic: str, stop_on: Iterable[str] = DEFAULT_STOP_ON,
                 consumer_factory: Optional[Callable[[dict], object]] = None, consumer_config: Optional[dict] = None,
                 poll_timeout: float = 0.5, scores_topic: Optional[str] = None):
        self.topic = topic
        self.scores_topic = scores_topic
        self.rules = StopRules(stop_on)
        self.poll_timeout = poll_timeout
        self.error: Optional[str] = None
        self._since_ms = int(time.time() * 1000) - LOOKBACK_MS
        self._config = {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"weightcast-stop-{uuid.uuid4().hex[:12]}",  # offsets are never committed
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",  # the scorer writes alerts in Kafka Streams transactions
        }
        self._config.update(kafka_security.from_env())
        self._config.update(consumer_config or {})
        self._factory = consumer_factory or _confluent_consumer
        self._watched: Set[str] = set()
        self._stops: Dict[str, dict] = {}
        self._alerts: Dict[str, List[dict]] = {}
        self._scores: Dict[str, dict] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def watch(self, run_id: str) -> None:
        with self._lock:
            self._watched.add(run_id)

    def should_stop(self, run_id: str) -> bool:
        self.watch(run_id)
        self._start()
        with self._lock:
            return run_id in self._stops

    def stop_reason(self, run_id: str) -> Optional[dict]:
        """The first alert that matched the stop rules for ``run_id``, or None."""
        with self._lock:
            return self._stops.get(run_id)

    def latest_score(self, run_id: str):
        """The run's latest score read so far with its alerts (a ``readback.Score``), or None. Starts the
        consumer on first use; no I/O here."""
        from .readback import Score

        self.watch(run_id)
        self._start()
        with self._lock:
            record = self._scores.get(run_id)
            return Score.of(record, list(self._alerts.get(run_id, ()))) if record is not None else None

    def offer_score(self, key: Optional[bytes], value: Optional[bytes]) -> bool:
        """Takes one scores-topic record; True when it became a watched run's latest score (pure logic)."""
        score = parse_alert(value)
        if score is None:
            return False
        run_id = score.get("run_id") or (key.decode("utf-8", "replace") if key else None)
        try:
            rank = (int(score.get("step", 0)), int(score.get("scored_at") or 0))
        except (TypeError, ValueError):
            return False
        with self._lock:
            if run_id not in self._watched:
                return False
            current = self._scores.get(run_id)
            if current is not None and rank < (int(current.get("step", 0)), int(current.get("scored_at") or 0)):
                return False
            self._scores[run_id] = score
        return True

    def offer(self, key: Optional[bytes], value: Optional[bytes]) -> bool:
        """Takes one alerts-topic record; returns True when it made a watched run stop (pure logic)."""
        alert = parse_alert(value)
        if alert is None:
            return False
        run_id = alert.get("run_id") or (key.decode("utf-8", "replace") if key else None)
        with self._lock:
            if run_id not in self._watched:
                return False
            kept = self._alerts.setdefault(run_id, [])
            kept.append(alert)
            if len(kept) > MAX_ALERTS_PER_RUN:
                del kept[0]
            if run_id in self._stops or not self.rules.matches(alert):
                return False
            self._stops[run_id] = alert
        log.warning("run %s should stop: %s (%s) at step %s", run_id, alert.get("kind"), alert.get("severity"),
                    alert.get("step"))
        return True

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="weightcast-alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            consumer = self._factory(self._config)
        except Exception as e:  # a bad configuration; should_stop() then stays False
            self.error = f"cannot create the alerts consumer: {e}"
            log.error("weightcast: %s", self.error)
            return
        try:
            _assign_from(consumer, [self.topic] + ([self.scores_topic] if self.scores_topic else []), self._since_ms)
            while not self._stopping.is_set():
                msg = consumer.poll(self.poll_timeout)
                if msg is None:
                    continue
                if msg.error() is not None:
                    log.debug("alerts consumer: %s", msg.error())
                    continue
                if self.scores_topic and msg.topic() == self.scores_topic:
                    self.offer_score(msg.key(), msg.value())
                else:
                    self.offer(msg.key(), msg.value())
        except Exception as e:  # keep the training loop alive; report through .error
            self.error = f"alerts consumer stopped: {e}"
            log.error("weightcast: %s", self.error)
        finally:
            try:
                consumer.close()
            except Exception:  # noqa: BLE001 closing is best effort
                pass

    def close(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _assign_from(consumer, topics: List[str], since_ms: int) -> None:
    """Reads every partition of ``topics`` from ``since_ms`` on (records are keyed by run id, but which
    partition a key lands on is the Java partitioner's business: reading all partitions is simpler)."""
    from confluent_kafka import TopicPartition

    wanted = []
    for topic in topics:
        metadata = consumer.list_topics(topic, timeout=10)
        t = metadata.topics.get(topic)
        if t is None or t.error is not None or not t.partitions:
            raise RuntimeError(f"topic {topic!r} not found")
        wanted += [TopicPartition(topic, p, since_ms) for p in sorted(t.partitions)]
    # Each partition's end BEFORE the time lookup: where a partition has no record at or after since_ms,
    # reading starts there. Not OFFSET_END (resolved only at the first fetch) nor an end taken after the
    # lookup: either would skip a record produced meanwhile (the score of a step logged right before the
    # first latest_score() call).
    ends = {(tp.topic, tp.partition): consumer.get_watermark_offsets(TopicPartition(tp.topic, tp.partition),
                                                                     timeout=10)[1] for tp in wanted}
    offsets = consumer.offsets_for_times(wanted, timeout=10)
    assigned = []
    for o in offsets:
        start = o.offset if o.offset >= 0 else ends.get((o.topic, o.partition), -1)
        assigned.append(TopicPartition(o.topic, o.partition, start if start is not None and start >= 0 else -1))
    consumer.assign(assigned)


def _confluent_consumer(config: dict):
    from confluent_kafka import Consumer

    return Consumer(config)
