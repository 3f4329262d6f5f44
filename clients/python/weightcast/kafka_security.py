"""Kafka login settings from the environment, named as the services name them.

A deployment whose broker authenticates (docker-compose's SASL/PLAIN, Strimzi's SCRAM-SHA-512) gives a
training loop a principal that may write only checkpoints and runs (``weightcast-producer``); the client
reads its login from the same variables the services use, so one environment serves both.
"""
import os
from typing import Dict

#: variable -> librdkafka property
VARIABLES = {
    "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL": "security.protocol",
    "WEIGHTCAST_KAFKA_SASL_MECHANISM": "sasl.mechanisms",
    "WEIGHTCAST_KAFKA_SASL_USERNAME": "sasl.username",
    "WEIGHTCAST_KAFKA_SASL_PASSWORD": "sasl.password",
    "WEIGHTCAST_KAFKA_SSL_CA_LOCATION": "ssl.ca.location",
}


def from_env() -> Dict[str, str]:
    """The librdkafka settings of the variables that are set (none: an empty dict, a plaintext client)."""
    out = {}
    for variable, prop in VARIABLES.items():
        value = os.environ.get(variable, "").strip()
        if value:
            out[prop] = value
    return out
