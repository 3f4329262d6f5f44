"""The client logs in to Kafka with the services' variables."""
import os
import unittest
from unittest import mock

from weightcast import kafka_security
from weightcast.alerts import AlertWatcher
from weightcast.client import KafkaTransport, WeightcastError

SASL = {
    "WEIGHTCAST_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "WEIGHTCAST_KAFKA_SASL_MECHANISM": "PLAIN",
    "WEIGHTCAST_KAFKA_SASL_USERNAME": "weightcast-producer",
    "WEIGHTCAST_KAFKA_SASL_PASSWORD": "s3cret",
}


class KafkaSecurityTest(unittest.TestCase):
    def test_maps_the_services_variables_to_librdkafka_properties(self):
        with mock.patch.dict(os.environ, SASL, clear=False):
            self.assertEqual(kafka_security.from_env(), {
                "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
                "sasl.username": "weightcast-producer", "sasl.password": "s3cret"})

    def test_nothing_set_means_a_plaintext_client(self):
        with mock.patch.dict(os.environ, {k: "" for k in kafka_security.VARIABLES}, clear=False):
            self.assertEqual(kafka_security.from_env(), {})

    def test_the_producer_gets_the_login(self):
        # librdkafka refuses an unknown mechanism when the producer is built: proof that the variables reach it
        with mock.patch.dict(os.environ, dict(SASL, WEIGHTCAST_KAFKA_SASL_MECHANISM="NO-SUCH-MECHANISM")):
            with self.assertRaises(WeightcastError) as e:
                KafkaTransport("127.0.0.1:1", check=False)
        self.assertIn("NO-SUCH-MECHANISM", str(e.exception))

    def test_the_alert_watcher_gets_the_login(self):
        seen = {}
        with mock.patch.dict(os.environ, SASL):
            watcher = AlertWatcher("127.0.0.1:1", "weightcast.alerts", consumer_factory=lambda c: seen.update(c))
        self.assertEqual(watcher._config["sasl.username"], "weightcast-producer")


if __name__ == "__main__":
    unittest.main()
