#!/usr/bin/env bash
# Acceptance of the secured stack beyond the tests: a third-party client (kcat, librdkafka)
# connects with the variables `up --secure` prints, a plain-text connection to the broker port
# is refused, the registry answers only over TLS with basic auth, and `down --secure` leaves
# none of its processes behind.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run -s stack -- down --secure
eval "$(npm run -s stack -- up --secure)"
echo "secure-check: KAFKA_BROKERS=$KAFKA_BROKERS ($KAFKA_SECURITY_PROTOCOL, $KAFKA_SASL_MECHANISM)"

# Debian's librdkafka (2.0.x) fails SCRAM against Kafka >= 4.0 (fixed in librdkafka 2.6.1), so
# kcat uses PLAIN here with the same printed user and password; the SDK's tests cover SCRAM.
kcat_sasl=(-b "$KAFKA_BROKERS" -X "security.protocol=$KAFKA_SECURITY_PROTOCOL" -X sasl.mechanisms=PLAIN
  -X "sasl.username=$KAFKA_SASL_USERNAME" -X "sasl.password=$KAFKA_SASL_PASSWORD" -X "ssl.ca.location=$KAFKA_SSL_CA_LOCATION")
topic="secure-check-$(date +%s)"
# Topics are not created automatically: Kafka's own tool creates it, as the allowed user.
libs="${KBUS_HOME:-$HOME/.cache/kbus}/kafka/${KBUS_KAFKA_VERSION:-4.3.1}/libs"
admin_config=$(mktemp)
trap 'rm -f "$admin_config"' EXIT
cat >"$admin_config" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_SASL_USERNAME" password="$KAFKA_SASL_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_SSL_CA_LOCATION
PROPS
java -cp "$libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --command-config "$admin_config" \
  --create --topic "$topic" --partitions 1 >/dev/null 2>&1
echo "secure-check: Kafka's TopicCommand created $topic over SCRAM-SHA-512"
echo "hello over SASL_SSL" | kcat "${kcat_sasl[@]}" -P -t "$topic"
got=$(kcat "${kcat_sasl[@]}" -C -t "$topic" -o beginning -c 1 -e -q)
[ "$got" = "hello over SASL_SSL" ] || { echo "secure-check: kcat read back '$got'"; exit 1; }
echo "secure-check: kcat produced and consumed over SASL_SSL"

got=$(kcat -b "$KAFKA_MTLS_BROKERS" -X security.protocol=SSL -X "ssl.ca.location=$KAFKA_SSL_CA_LOCATION" \
  -X "ssl.certificate.location=$KAFKA_SSL_CERTIFICATE_LOCATION" -X "ssl.key.location=$KAFKA_SSL_KEY_LOCATION" \
  -C -t "$topic" -o beginning -c 1 -e -q)
[ "$got" = "hello over SASL_SSL" ] || { echo "secure-check: kcat over mTLS read back '$got'"; exit 1; }
echo "secure-check: kcat consumed over mTLS"

if timeout 20 kcat -b "$KAFKA_BROKERS" -L -m 5 >/dev/null 2>&1; then
  echo "secure-check: a plain-text client got metadata from the SASL_SSL port"; exit 1
fi
echo "secure-check: a plain-text connection to the broker port is refused"

status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$SCHEMA_REGISTRY_CA_LOCATION" -u "$SCHEMA_REGISTRY_USER_INFO" "$SCHEMA_REGISTRY_URL/subjects")
[ "$status" = 200 ] || { echo "secure-check: registry with basic auth answered $status"; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$SCHEMA_REGISTRY_CA_LOCATION" "$SCHEMA_REGISTRY_URL/subjects")
[ "$status" = 401 ] || { echo "secure-check: registry without credentials answered $status"; exit 1; }
echo "secure-check: the registry answers over TLS with basic auth only"

npm run -s stack -- down --secure
stack_dir=${KBUS_STACK_DIR:-${KBUS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kbus}/stack}-secure
if pgrep -f "kbus.stack=${stack_dir}[ ;]" >/dev/null; then
  echo "secure-check: secured stack processes still running after down:"; pgrep -af "kbus.stack=${stack_dir}[ ;]"; exit 1
fi
echo "secure-check: down --secure left no stack process running"
