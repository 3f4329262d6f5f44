#!/usr/bin/env bash
# Makes the Kafka logins of a docker-compose deployment once, in the keys volume (SECURITY.md): a random password
# per principal (admin, and weightcast-<role> for the roles of k8s/kafka-users.yaml), the broker's JAAS file
# (SASL/PLAIN users), one client JAAS file per principal, and the admin's client properties for the CLI tools.
# Idempotent: existing passwords are kept; `docker compose down -v` makes new ones.
# Env: KEYS (/keys/kafka).
set -euo pipefail

dir=${KEYS:-/keys/kafka}
users=(admin weightcast-producer weightcast-ingest weightcast-streams weightcast-scorer weightcast-trainer)
mkdir -p "$dir"
umask 0027

password() {
  local file=$dir/$1.password
  [[ -s $file ]] || od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file"
  cat "$file"
}

{
  echo "KafkaServer {"
  echo "  org.apache.kafka.common.security.plain.PlainLoginModule required"
  echo "  username=\"admin\" password=\"$(password admin)\""
  for u in "${users[@]}"; do
    echo "  user_$u=\"$(password "$u")\""
  done
  echo "  ;"
  echo "};"
} >"$dir/kafka_server_jaas.conf"

for u in "${users[@]}"; do
  cat >"$dir/$u.jaas" <<JAAS
KafkaClient {
  org.apache.kafka.common.security.plain.PlainLoginModule required
  username="$u" password="$(password "$u")";
};
JAAS
done

cat >"$dir/admin.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$(password admin)";
PROPS
# The broker and the services run as other users than this job: they read, nobody else writes.
chmod 0444 "$dir"/*
echo "Kafka logins for ${#users[@]} principals in $dir"
