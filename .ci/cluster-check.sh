#!/usr/bin/env bash
# Acceptance of the local stack beyond the tests: a 3-node cluster seen by third-party
# clients (kcat and Kafka's own TopicCommand), a topic with RF 3 and min.insync.replicas=2,
# a registry answering GET /subjects, and `down` leaving none of its processes behind.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run -s stack -- down
eval "$(npm run -s stack -- up --brokers 3)"
echo "cluster-check: KAFKA_BROKERS=$KAFKA_BROKERS"

brokers=$(kcat -b "$KAFKA_BROKERS" -L -J | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.parse(s).brokers.length))')
[ "$brokers" = 3 ] || { echo "cluster-check: kcat sees $brokers brokers, expected 3"; exit 1; }
echo "cluster-check: kcat sees 3 brokers"

libs="${KBUS_HOME:-$HOME/.cache/kbus}/kafka/${KBUS_KAFKA_VERSION:-4.3.1}/libs"
java -cp "$libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" \
  --create --topic ci-rf3 --partitions 3 --replication-factor 3 --config min.insync.replicas=2 >/dev/null
described=$(java -cp "$libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --describe --topic ci-rf3)
echo "$described" | grep -q 'ReplicationFactor: 3' || { echo "cluster-check: RF is not 3"; echo "$described"; exit 1; }
echo "$described" | grep -q 'min.insync.replicas=2' || { echo "cluster-check: min.insync.replicas is not 2"; echo "$described"; exit 1; }
echo "cluster-check: topic ci-rf3 has RF 3 and min.insync.replicas=2"

curl -sf "$SCHEMA_REGISTRY_URL/subjects" >/dev/null || { echo "cluster-check: registry does not answer GET /subjects"; exit 1; }
echo "cluster-check: registry answers GET /subjects"

npm run -s stack -- down
# Only this stack's processes (another stack, e.g. a benchmark's, may run in its own KBUS_STACK_DIR).
stack_dir=${KBUS_STACK_DIR:-${KBUS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kbus}/stack}
if pgrep -f "kbus.stack=${stack_dir} " >/dev/null; then
  echo "cluster-check: stack processes still running after down:"; pgrep -af "kbus.stack=${stack_dir} "; exit 1
fi
echo "cluster-check: down left no stack process running"
