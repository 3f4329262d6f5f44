#!/usr/bin/env bash
# Creates the Weightcast topics (design §4) on a broker; idempotent. docker-compose runs it once in
# the apache/kafka image before the services start (k8s uses KafkaTopic resources instead).
# Env: BOOTSTRAP (kafka:9092), TOPIC_PREFIX (weightcast.), PARTITIONS (6), REPLICATION (1),
# COMMAND_CONFIG (client properties of a principal allowed to create topics, e.g. the compose admin's).
set -euo pipefail

bootstrap=${BOOTSTRAP:-kafka:9092}
prefix=${TOPIC_PREFIX:-weightcast.}
partitions=${PARTITIONS:-6}
replication=${REPLICATION:-1}
kafka_topics=${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}
config=()
[[ -n ${COMMAND_CONFIG:-} ]] && config=(--command-config "$COMMAND_CONFIG")
# 8 MiB records (KafkaConfigs.MAX_RECORD_BYTES) plus 64 KiB of headroom, as the services set it.
max_bytes=8454144

create() {
  local name=$1 parts=$2
  shift 2
  "$kafka_topics" --bootstrap-server "$bootstrap" "${config[@]}" --create --if-not-exists \
    --topic "$prefix$name" --partitions "$parts" --replication-factor "$replication" \
    --config max.message.bytes=$max_bytes "$@"
}

create checkpoints  "$partitions" --config retention.ms=259200000    # 3 days: large; features are kept
create runs         "$partitions" --config retention.ms=-1           # labels of the zoo
create features     "$partitions" --config retention.ms=-1           # the zoo's training data
create spectra      "$partitions" --config retention.ms=-1           # spectra of large checkpoints (join features)
create scores       "$partitions" --config retention.ms=2592000000   # 30 days
create alerts       "$partitions" --config retention.ms=2592000000   # 30 days
create models       1             --config cleanup.policy=compact    # latest version per model name
create encoders     1             --config cleanup.policy=compact    # latest weight encoder (trainer → streams)
create dead-letters "$partitions" --config retention.ms=1209600000   # 14 days

"$kafka_topics" --bootstrap-server "$bootstrap" "${config[@]}" --list | grep -F "$prefix"
