#!/usr/bin/env bash
# Generated from io.weightcast.core.kafka.ServiceAcls, the least ACLs each Weightcast principal needs
# (KafkaAclIntegrationTest runs every service under exactly these). Do not edit; regenerate with
#   mvn -B -ntp -q -pl core -am test -Dtest=AclManifestsTest -Dsurefire.failIfNoSpecifiedTests=false -Dweightcast.acls.write=true
# Adds the ACLs of every Weightcast principal (User:weightcast-<role>); adding an existing ACL is a no-op.
# Env: BOOTSTRAP (kafka:9092), TOPIC_PREFIX (weightcast.), COMMAND_CONFIG (the admin's client properties),
# KAFKA_ACLS (/opt/kafka/bin/kafka-acls.sh).
set -euo pipefail

TOPIC_PREFIX=${TOPIC_PREFIX:-weightcast.}
bootstrap=${BOOTSTRAP:-kafka:9092}
kafka_acls=${KAFKA_ACLS:-/opt/kafka/bin/kafka-acls.sh}
config=()
[[ -n ${COMMAND_CONFIG:-} ]] && config=(--command-config "$COMMAND_CONFIG")

allow() {
  local user=$1
  shift
  "$kafka_acls" --bootstrap-server "$bootstrap" "${config[@]}" --add --allow-principal "User:$user" "$@" >/dev/null
}

# weightcast-producer
allow weightcast-producer --operation Write --operation Describe --topic "${TOPIC_PREFIX}checkpoints" --resource-pattern-type literal
allow weightcast-producer --operation Write --operation Describe --topic "${TOPIC_PREFIX}runs" --resource-pattern-type literal

# weightcast-ingest
allow weightcast-ingest --operation Write --operation Describe --topic "${TOPIC_PREFIX}checkpoints" --resource-pattern-type literal
allow weightcast-ingest --operation Write --operation Describe --topic "${TOPIC_PREFIX}runs" --resource-pattern-type literal

# weightcast-streams
allow weightcast-streams --operation Describe --topic "${TOPIC_PREFIX}" --resource-pattern-type prefixed
allow weightcast-streams --operation Read --topic "${TOPIC_PREFIX}checkpoints" --resource-pattern-type literal
allow weightcast-streams --operation Read --topic "${TOPIC_PREFIX}runs" --resource-pattern-type literal
allow weightcast-streams --operation Read --topic "${TOPIC_PREFIX}encoders" --resource-pattern-type literal
allow weightcast-streams --operation Read --topic "${TOPIC_PREFIX}features" --resource-pattern-type literal
allow weightcast-streams --operation Write --topic "${TOPIC_PREFIX}features" --resource-pattern-type literal
allow weightcast-streams --operation Write --topic "${TOPIC_PREFIX}spectra" --resource-pattern-type literal
allow weightcast-streams --operation Write --topic "${TOPIC_PREFIX}dead-letters" --resource-pattern-type literal
allow weightcast-streams --operation All --topic "${TOPIC_PREFIX}streams" --resource-pattern-type prefixed
allow weightcast-streams --operation Read --operation Describe --group "${TOPIC_PREFIX}streams" --resource-pattern-type prefixed
allow weightcast-streams --operation Write --operation Describe --transactional-id "${TOPIC_PREFIX}streams" --resource-pattern-type prefixed

# weightcast-scorer
allow weightcast-scorer --operation Describe --topic "${TOPIC_PREFIX}" --resource-pattern-type prefixed
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}features" --resource-pattern-type literal
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}spectra" --resource-pattern-type literal
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}runs" --resource-pattern-type literal
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}models" --resource-pattern-type literal
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}scores" --resource-pattern-type literal
allow weightcast-scorer --operation Read --topic "${TOPIC_PREFIX}alerts" --resource-pattern-type literal
allow weightcast-scorer --operation Write --topic "${TOPIC_PREFIX}scores" --resource-pattern-type literal
allow weightcast-scorer --operation Write --topic "${TOPIC_PREFIX}alerts" --resource-pattern-type literal
allow weightcast-scorer --operation Write --topic "${TOPIC_PREFIX}dead-letters" --resource-pattern-type literal
allow weightcast-scorer --operation All --topic "${TOPIC_PREFIX}scorer" --resource-pattern-type prefixed
allow weightcast-scorer --operation Read --operation Describe --group "${TOPIC_PREFIX}scorer" --resource-pattern-type prefixed
allow weightcast-scorer --operation Write --operation Describe --transactional-id "${TOPIC_PREFIX}scorer" --resource-pattern-type prefixed

# weightcast-trainer
allow weightcast-trainer --operation Describe --topic "${TOPIC_PREFIX}" --resource-pattern-type prefixed
allow weightcast-trainer --operation Read --topic "${TOPIC_PREFIX}checkpoints" --resource-pattern-type literal
allow weightcast-trainer --operation Read --topic "${TOPIC_PREFIX}runs" --resource-pattern-type literal
allow weightcast-trainer --operation Read --topic "${TOPIC_PREFIX}features" --resource-pattern-type literal
allow weightcast-trainer --operation Read --topic "${TOPIC_PREFIX}models" --resource-pattern-type literal
allow weightcast-trainer --operation Read --topic "${TOPIC_PREFIX}encoders" --resource-pattern-type literal
allow weightcast-trainer --operation Write --topic "${TOPIC_PREFIX}models" --resource-pattern-type literal
allow weightcast-trainer --operation Write --topic "${TOPIC_PREFIX}encoders" --resource-pattern-type literal
allow weightcast-trainer --operation Write --operation Describe --transactional-id "${TOPIC_PREFIX}trainer" --resource-pattern-type literal

echo "ACLs for 5 Weightcast principals are in place"
