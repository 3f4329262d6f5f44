"""Weightcast client for PyTorch training loops: publish a checkpoint per epoch, get predictions.

    import weightcast
    run = weightcast.start_run("127.0.0.1:9092", study="digits", hparams=hp, planned_steps=18, activation="relu")
    run.watch(model)   # optional: measures dead ReLU units, adds dead_fraction/<layer> to each step's metrics
    run.log_checkpoint(model.state_dict(), step=epoch, metrics={"val_acc": val_acc})
    run.finish(test_accuracy=test_acc, train_accuracy=train_acc)
"""

from .client import (DEFAULT_TOPIC_PREFIX, MAX_RECORD_BYTES, DeliveryError, DirectoryTransport, HttpTransport,
                     KafkaTransport, MemoryTransport, Run, Weightcast, WeightcastError, start_run)
from .alerts import DEFAULT_STOP_ON, AlertWatcher, StopRules
from .dead_units import DeadUnitMonitor
from .safetensors import SafeTensorsFormatError, load_state_dict, save_state_dict

__version__ = "0.1.0"

import logging as _logging

# A library stays quiet unless the application configures logging (librdkafka's retries included).
_logging.getLogger("weightcast").addHandler(_logging.NullHandler())

__all__ = [
    "start_run", "Weightcast", "Run", "WeightcastError", "DeliveryError",
    "KafkaTransport", "HttpTransport", "MemoryTransport", "DirectoryTransport", "MAX_RECORD_BYTES", "DEFAULT_TOPIC_PREFIX",
    "save_state_dict", "load_state_dict", "SafeTensorsFormatError", "__version__",
    "AlertWatcher", "StopRules", "DEFAULT_STOP_ON", "DeadUnitMonitor",
]
