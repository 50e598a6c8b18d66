#!/usr/bin/env bash
# Smoke test of docker-compose.yml: start it, wait for health, produce one record with kcat and
# consume it back, check the schema registry, then `down -v`. Every step is bounded in time;
# any failure exits non-zero with a message (and the failing containers' log tails).
#
#   docker/compose-roundtrip.sh
#
# Environment:
#   KBUS_KAFKA_IMAGE / KBUS_REGISTRY_IMAGE  images to run (default: the local kbus/* images, built
#                                           by docker/build-images.sh when missing)
#   KBUS_COMPOSE_PROJECT                    compose project name (default kbus-roundtrip)
#   KBUS_COMPOSE_HEALTH_TIMEOUT             seconds to wait for all services healthy (default 180)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPOSE_FILE=$ROOT/docker-compose.yml
export KBUS_KAFKA_IMAGE=${KBUS_KAFKA_IMAGE:-kbus/kafka:4.3.1}
export KBUS_REGISTRY_IMAGE=${KBUS_REGISTRY_IMAGE:-kbus/apicurio-registry:3.3.3}
PROJECT=${KBUS_COMPOSE_PROJECT:-kbus-roundtrip}
HEALTH_TIMEOUT=${KBUS_COMPOSE_HEALTH_TIMEOUT:-180}
BROKERS=127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
REGISTRY=http://127.0.0.1:8081/apis/ccompat/v7
SERVICES=(kafka-1 kafka-2 kafka-3 registry)

started=$SECONDS
log() { printf '[roundtrip %3ds] %s\n' "$((SECONDS - started))" "$*" >&2; }
fail() {
  printf '[roundtrip] FAILED: %s\n' "$*" >&2
  exit 1
}

command -v kcat >/dev/null || fail "kcat is not installed (apt-get install kcat)"
command -v curl >/dev/null || fail "curl is not installed (apt-get install curl)"

# Docker engine and the local images (build-images.sh is quick when they already exist).
if [[ $KBUS_KAFKA_IMAGE == kbus/* || $KBUS_REGISTRY_IMAGE == kbus/* ]]; then
  timeout 1800 "$ROOT/docker/build-images.sh" >/dev/null || fail "docker/build-images.sh failed (output above)"
fi
timeout 10 docker info >/dev/null 2>&1 || fail "no Docker engine answers (run docker/build-images.sh, which starts one)"

# Compose: the v2 plugin if present, else Debian's docker-compose 1.29 (installed if missing).
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null; then
  COMPOSE=(docker-compose)
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing docker-compose (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1 ||
    fail "apt-get install docker-compose failed"
  COMPOSE=(docker-compose)
else
  fail "neither 'docker compose' nor 'docker-compose' is available (apt-get install docker-compose)"
fi
compose() { timeout "${COMPOSE_TIMEOUT:-120}" "${COMPOSE[@]}" -f "$COMPOSE_FILE" -p "$PROJECT" "$@"; }
log "using ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || true)), images $KBUS_KAFKA_IMAGE, $KBUS_REGISTRY_IMAGE"

for port in 9092 9093 9094 8081; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "host port $port is already in use (another compose stack or broker?); stop it first"
  fi
done

dump_logs() {
  for service in "${SERVICES[@]}"; do
    echo "----- $service (last 25 lines)" >&2
    COMPOSE_TIMEOUT=30 compose logs --no-color --tail=25 "$service" >&2 2>&1 || true
  done
}
teardown() {
  local status=$?
  [ $status -ne 0 ] && dump_logs
  log "tearing down (down -v)"
  COMPOSE_TIMEOUT=120 compose down -v --remove-orphans >/dev/null 2>&1 || echo "[roundtrip] warning: 'down -v' failed" >&2
  exit $status
}
trap teardown EXIT

log "starting ${SERVICES[*]}"
compose up -d --no-build "${SERVICES[@]}" >/dev/null 2>&1 || fail "'compose up' failed"
log "containers created; waiting for health (up to ${HEALTH_TIMEOUT}s)"

# Wait until every service reports healthy (Docker runs the healthchecks defined in the file).
# Containers are found by compose's labels with plain docker: docker-compose 1.x (python) takes
# a second of CPU per call, which the starting JVMs need more.
declare -A ids=()
for service in "${SERVICES[@]}"; do
  ids[$service]=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$service" | head -n 1)
  [ -n "${ids[$service]}" ] || fail "service $service has no container"
done
deadline=$((SECONDS + HEALTH_TIMEOUT))
while :; do
  pending=()
  for service in "${SERVICES[@]}"; do
    state=$(timeout 10 docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "${ids[$service]}" 2>&1) ||
      fail "cannot inspect $service: $state"
    case $state in
    "running healthy") ;;
    running\ unhealthy) fail "$service is unhealthy" ;;
    running\ none) fail "$service has no healthcheck" ;;
    running\ *) pending+=("$service") ;;
    *) fail "$service is not running ($state)" ;;
    esac
  done
  [ ${#pending[@]} -eq 0 ] && break
  [ $SECONDS -lt $deadline ] || fail "not healthy within ${HEALTH_TIMEOUT}s: ${pending[*]}"
  sleep 2
done
log "all services healthy"

metadata=$(timeout 20 kcat -b "$BROKERS" -L -m 10 2>&1) || fail "kcat could not read metadata: $metadata"
grep -q '^ *3 brokers:' <<<"$metadata" || fail "expected 3 brokers in metadata, got: $(grep brokers: <<<"$metadata")"

topic=roundtrip-$(date +%s)-$$
log "creating topic $topic (RF 3)"
timeout 60 docker exec "${ids[kafka-1]}" /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka-1:19092 \
  --create --topic "$topic" --partitions 1 --replication-factor 3 >/dev/null ||
  fail "could not create topic $topic"
for _ in $(seq 1 20); do
  topic_md=$(timeout 20 kcat -b "$BROKERS" -L -t "$topic" -m 10 2>&1 || true)
  grep -q 'replicas: [0-9],[0-9],[0-9], isrs: [0-9],[0-9],[0-9]' <<<"$topic_md" && break
  sleep 0.5
done
grep -q 'replicas: [0-9],[0-9],[0-9], isrs: [0-9],[0-9],[0-9]' <<<"$topic_md" ||
  fail "topic $topic has no 3 in-sync replicas: $topic_md"

value="hello-$(date +%s%N)"
log "producing one record (acks=all)"
printf 'k1:%s\n' "$value" | timeout 30 kcat -b "$BROKERS" -P -t "$topic" -K: -X acks=all -X message.timeout.ms=20000 ||
  fail "kcat could not produce to $topic"
log "consuming it back"
got=$(timeout 30 kcat -b "$BROKERS" -C -t "$topic" -o beginning -c 1 -e -f '%k:%s\n' -X fetch.wait.max.ms=100 2>&1) ||
  fail "kcat could not consume from $topic: $got"
[ "$got" = "k1:$value" ] || fail "consumed '$got', expected 'k1:$value'"

log "checking the registry"
subjects=$(curl -fsS -m 10 "$REGISTRY/subjects") || fail "GET $REGISTRY/subjects failed"
[[ $subjects == \[* ]] || fail "GET $REGISTRY/subjects did not return a JSON array: $subjects"
schema='{"schema":"{\"type\":\"record\",\"name\":\"Ping\",\"fields\":[{\"name\":\"v\",\"type\":\"string\"}]}"}'
first=$(curl -fsS -m 10 -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$schema" "$REGISTRY/subjects/$topic-value/versions") ||
  fail "registering a schema failed"
spaced=${schema//\\\"type\\\":/\\\"type\\\": }
second=$(curl -fsS -m 10 -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$spaced" "$REGISTRY/subjects/$topic-value/versions") ||
  fail "re-registering a schema failed"
[ "$first" = "$second" ] || fail "re-registering the same schema gave $second, first $first (canonical hash off?)"

log "OK: produced and consumed '$value' on $topic (RF 3, 3 brokers); registry answered ($first)"
