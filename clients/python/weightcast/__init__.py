"""Weightcast client for training loops: publish a checkpoint per epoch, read predictions back.

    import weightcast
    run = weightcast.start_run("127.0.0.1:9092", study="digits", hparams=hp, planned_steps=18, activation="relu")
    run.watch(model)   # optional: measures dead ReLU units, adds dead_fraction/<layer> to each step's metrics
    run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": val_acc})
    run.latest_score()  # prediction of the final accuracy, its interval, model version, alerts
    run.should_stop()   # Weightcast's early-stop decision (and broken-run alerts)
    run.finish(test_accuracy=test_acc, train_accuracy=train_acc)

``import weightcast`` needs neither torch nor any framework (numpy and, for Kafka, confluent_kafka);
torch is imported when a torch tensor or model is handed over. Framework callbacks are in
``weightcast.integrations``; the demo zoo and benchmark tools in ``weightcast.demo``.
"""

from .client import (DEFAULT_TOPIC_PREFIX, ENV_VARS, MAX_RECORD_BYTES, DeliveryError, DirectoryTransport, HttpTransport,
                     KafkaTransport, MemoryTransport, NullTransport, Run, Weightcast, WeightcastError, open_reader,
                     start_run)
from .readback import HttpReader, Interval, Score
from .alerts import DEFAULT_STOP_ON, AlertWatcher, StopRules
from .dead_units import DeadUnitMonitor
from .safetensors import SafeTensorsFormatError, load_state_dict, save_state_dict

__version__ = "0.2.0"

import logging as _logging

# A library stays quiet unless the application configures logging (librdkafka's retries included).
_logging.getLogger("weightcast").addHandler(_logging.NullHandler())

__all__ = [
    "start_run", "Weightcast", "Run", "WeightcastError", "DeliveryError",
    "KafkaTransport", "HttpTransport", "MemoryTransport", "DirectoryTransport", "MAX_RECORD_BYTES", "DEFAULT_TOPIC_PREFIX",
    "save_state_dict", "load_state_dict", "SafeTensorsFormatError", "__version__",
    "AlertWatcher", "StopRules", "DEFAULT_STOP_ON", "DeadUnitMonitor",
    "NullTransport", "ENV_VARS", "open_reader", "HttpReader", "Score", "Interval",
]
