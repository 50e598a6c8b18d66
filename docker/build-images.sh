#!/usr/bin/env bash
# Builds the container images for the Kafka test stack locally, without an image registry.
#
#   docker/build-images.sh            # kbus/kafka:4.3.1 and kbus/apicurio-registry:3.3.3
#   KBUS_KAFKA_VERSION=3.9.2 docker/build-images.sh
#
# Then use them with docker-compose.yml or the testcontainers provider:
#   export KBUS_KAFKA_IMAGE=kbus/kafka:4.3.1 KBUS_REGISTRY_IMAGE=kbus/apicurio-registry:3.3.3
#
# What it does (each step is skipped when its result already exists, so a second run takes seconds):
#   1. a Docker engine: installs docker.io (apt-get) and starts `dockerd` in the background if no
#      engine answers; its log goes to $KBUS_DOCKERD_LOG (default ~/.cache/kbus/docker/dockerd.log).
#   2. base images from Debian with `debootstrap --variant=minbase` + `docker import`
#      (rootfs tarballs cached under ~/.cache/kbus/docker/):
#        kbus/jre17-bookworm  Debian 12 + openjdk-17-jre-headless   (Kafka)
#        kbus/jre21-trixie    Debian 13 + openjdk-21-jre-headless   (Apicurio Registry 3.x needs Java 21;
#                             bookworm and bookworm-backports carry no openjdk-21)
#   3. kbus/kafka:<version>: Kafka jars from Maven Central (the same resolution and cache as the
#      process stack, ~/.cache/kbus/kafka/<version>/libs) and a start script that turns KAFKA_* env
#      vars into server.properties the way the official apache/kafka image does.
#   4. kbus/apicurio-registry:<version>: the apicurio-registry-app -all.tar.gz from Maven Central
#      (cache ~/.cache/kbus/apicurio/<version>/app).
#
# Environment:
#   KBUS_KAFKA_VERSION      Kafka version to package (default 4.3.1)
#   KBUS_REGISTRY_VERSION   Apicurio Registry version (default 3.3.3)
#   KBUS_KAFKA_IMAGE        tag for the Kafka image (default kbus/kafka:<version>)
#   KBUS_REGISTRY_IMAGE     tag for the registry image (default kbus/apicurio-registry:<version>)
#   KBUS_HOME               cache root (default ${XDG_CACHE_HOME:-~/.cache}/kbus)
#   KBUS_DEBIAN_MIRROR      Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   KBUS_DOCKERD_LOG        where a dockerd started by this script logs
#   KBUS_REBUILD=1          rebuild the kbus/kafka and registry images even if up to date
set -euo pipefail

KAFKA_VERSION=${KBUS_KAFKA_VERSION:-4.3.1}
REGISTRY_VERSION=${KBUS_REGISTRY_VERSION:-3.3.3}
KAFKA_IMAGE=${KBUS_KAFKA_IMAGE:-kbus/kafka:${KAFKA_VERSION}}
REGISTRY_IMAGE=${KBUS_REGISTRY_IMAGE:-kbus/apicurio-registry:${REGISTRY_VERSION}}
KBUS_HOME=${KBUS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kbus}
DOCKER_CACHE=$KBUS_HOME/docker
MIRROR=${KBUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_LOG=${KBUS_DOCKERD_LOG:-$DOCKER_CACHE/dockerd.log}
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Bump when the generated image contents change, so existing images are rebuilt.
RECIPE_VERSION=1

export DOCKER_BUILDKIT=0 # the legacy builder needs no buildx plugin and no image pulls

started=$SECONDS
log() { printf '[build-images %3ds] %s\n' "$((SECONDS - started))" "$*" >&2; }
die() {
  printf '[build-images] ERROR: %s\n' "$*" >&2
  exit 1
}

for image in "$KAFKA_IMAGE" "$REGISTRY_IMAGE"; do
  case $image in
  apache/* | apicurio/* | docker.io/*)
    die "refusing to tag a local build as '$image' (an official image name); unset KBUS_KAFKA_IMAGE/KBUS_REGISTRY_IMAGE or pick a local name"
    ;;
  esac
done

mkdir -p "$DOCKER_CACHE"
CLEANUP=()
cleanup() { if [ ${#CLEANUP[@]} -gt 0 ]; then rm -rf "${CLEANUP[@]}"; fi; }
trap cleanup EXIT

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (run as root or install it yourself: $2)"
}

apt_install() {
  need_root "installing $*" "apt-get install $*"
  command -v apt-get >/dev/null || die "no apt-get here; install $* by hand"
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >"$DOCKER_CACHE/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$DOCKER_CACHE/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$DOCKER_CACHE/apt.log" 2>&1 ||
      die "apt-get install $* failed; see $DOCKER_CACHE/apt.log"
  fi
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

# ---------------------------------------------------------------------------- 1. engine
ensure_engine() {
  if command -v docker >/dev/null && engine_answers; then return; fi
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then apt_install docker.io; fi
  if engine_answers; then return; fi
  need_root "starting dockerd" "start the Docker engine, e.g. systemctl start docker"
  if pgrep -x dockerd >/dev/null; then
    log "a dockerd process exists but does not answer yet; waiting for it"
  else
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    echo $! >"$DOCKER_CACHE/dockerd.pid"
  fi
  for _ in $(seq 1 60); do
    if engine_answers; then
      log "Docker engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
      return
    fi
    if [ -f "$DOCKER_CACHE/dockerd.pid" ] && ! kill -0 "$(cat "$DOCKER_CACHE/dockerd.pid")" 2>/dev/null; then
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up (its log above, full log: $DOCKERD_LOG)"
    fi
    sleep 1
  done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "the Docker engine did not start within 60 s (dockerd log above, full log: $DOCKERD_LOG)"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------- 2. base images
# base_image <tag> <suite> <packages>
base_image() {
  local tag=$1 suite=$2 packages=$3
  if image_exists "$tag"; then return; fi
  local tarball=$DOCKER_CACHE/rootfs-$suite-${packages//,/+}.tar
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    need_root "debootstrap" "apt-get install debootstrap"
    local root=$DOCKER_CACHE/rootfs-$suite.partial
    rm -rf "$root"
    log "debootstrap $suite with $packages (about a minute; cached in $tarball)"
    if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$MIRROR" >"$DOCKER_CACHE/debootstrap-$suite.log" 2>&1; then
      tail -n 20 "$DOCKER_CACHE/debootstrap-$suite.log" >&2
      die "debootstrap $suite failed; see $DOCKER_CACHE/debootstrap-$suite.log"
    fi
    chroot "$root" apt-get clean >/dev/null 2>&1 || true
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* \
      "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
    tar --numeric-owner -C "$root" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$root"
  fi
  log "docker import $tag"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$tag" >/dev/null
}

# ---------------------------------------------------------------------------- 3./4. artifacts
# Builds <target> in a scratch folder and renames it into place, like artifacts.ts does.
materialize() {
  local target=$1 build=$2
  [ -f "$target/.complete" ] && return
  command -v mvn >/dev/null || apt_install maven
  local scratch=$target.partial-$$
  rm -rf "$scratch"
  mkdir -p "$scratch"
  if ! "$build" "$scratch" >"$scratch.log" 2>&1; then
    tail -n 30 "$scratch.log" >&2
    rm -rf "$scratch"
    die "Maven could not download into $target (log above)"
  fi
  date -u +%FT%TZ >"$scratch/.complete"
  rm -rf "$target"
  mv "$scratch" "$target"
  rm -f "$scratch.log"
}

kafka_pom() {
  local logging=''
  # Kafka 4 logs through log4j2 and ships no backend; 3.x brings reload4j itself.
  case $KAFKA_VERSION in
  3.*) ;;
  *)
    logging='
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.26.1</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.26.1</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.17</version></dependency>'
    ;;
  esac
  cat <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kbus.local</groupId><artifactId>kafka-${KAFKA_VERSION}-libs</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>${logging}
  </dependencies>
</project>
EOF
}

build_kafka_libs() {
  local scratch=$1
  kafka_pom >"$scratch/pom.xml"
  (cd "$scratch" && mvn -B -q "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" -DincludeScope=runtime "-DoutputDirectory=$scratch/libs")
}

build_registry_app() {
  local scratch=$1
  (cd "$scratch" && mvn -B -q "$MAVEN_DEPENDENCY_PLUGIN:copy" \
    "-Dartifact=io.apicurio:apicurio-registry-app:${REGISTRY_VERSION}:tar.gz:all" "-DoutputDirectory=$scratch")
  local archive
  archive=$(find "$scratch" -maxdepth 1 -name '*.tar.gz' | head -n 1)
  [ -n "$archive" ] || return 1
  mkdir "$scratch/app"
  tar -xzf "$archive" -C "$scratch/app"
  rm -f "$archive"
}

# A short content hash of the build inputs: this script, the version and the jar names.
inputs_hash() { { cat "${BASH_SOURCE[0]}"; echo "$RECIPE_VERSION $*"; } | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------------------- Kafka image
write_kafka_context() {
  local ctx=$1 libs=$2
  mkdir -p "$ctx/bin" "$ctx/config"
  # Hard links keep the build context cheap; fall back to a copy across file systems.
  cp -al "$libs" "$ctx/libs" 2>/dev/null || cp -a "$libs" "$ctx/libs"
  rm -f "$ctx/libs/.complete"

  local console_producer=org.apache.kafka.tools.ConsoleProducer
  local api_versions=org.apache.kafka.tools.BrokerApiVersionsCommand
  local log4j_property=log4j2.configurationFile log4j_file=log4j2.properties
  case $KAFKA_VERSION in
  3.*)
    console_producer=kafka.tools.ConsoleProducer
    api_versions=kafka.admin.BrokerApiVersionsCommand
    log4j_property=log4j.configuration log4j_file=log4j.properties
    ;;
  esac

  if [ "$log4j_file" = log4j2.properties ]; then
    for name in log4j2 tools-log4j2; do
      local level=INFO
      [ $name = tools-log4j2 ] && level=WARN
      cat >"$ctx/config/$name.properties" <<EOF
rootLogger.level = \${env:KAFKA_LOG4J_ROOT_LOGLEVEL:-$level}
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.target = $([ $name = tools-log4j2 ] && echo SYSTEM_ERR || echo SYSTEM_OUT)
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
    done
  else
    for name in log4j tools-log4j; do
      local level=INFO
      [ $name = tools-log4j ] && level=WARN
      cat >"$ctx/config/$name.properties" <<EOF
log4j.rootLogger=$level, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.Target=$([ $name = tools-log4j ] && echo System.err || echo System.out)
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOF
    done
  fi

  # The entrypoint: KAFKA_* env -> server.properties, format once, run kafka.Kafka in the foreground.
  cat >"$ctx/bin/kafka-start" <<'EOF'
#!/bin/bash
# Configures and runs one Kafka node, like the official apache/kafka image:
#   KAFKA_FOO_BAR=x -> foo.bar=x   (KAFKA_FOO__BAR -> foo_bar, KAFKA_FOO___BAR -> foo-bar)
#   CLUSTER_ID      -> the KRaft cluster id used to format storage on first start
#   KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS, KAFKA_LOG4J_OPTS -> JVM options
# With no KAFKA_* property at all it runs a single combined node on localhost:9092.
set -euo pipefail
KAFKA_HOME=/opt/kafka
PROPS=$KAFKA_HOME/config/server.properties
not_properties=" HEAP_OPTS OPTS JVM_PERFORMANCE_OPTS LOG4J_OPTS LOG4J_ROOT_LOGLEVEL LOG4J_LOGGERS GC_LOG_OPTS JMX_OPTS JMX_PORT DEBUG HOME VERSION "

declare -A config=()
for var in $(compgen -e); do
  case $var in KAFKA_*) ;; *) continue ;; esac
  name=${var#KAFKA_}
  case $not_properties in *" $name "*) continue ;; esac
  key=${name,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  config[$key]=${!var}
done

if [ ${#config[@]} -eq 0 ]; then
  config=(
    [node.id]=1
    [process.roles]=broker,controller
    [listeners]=PLAINTEXT://:9092,CONTROLLER://:9093
    [advertised.listeners]=PLAINTEXT://localhost:9092
    [controller.listener.names]=CONTROLLER
    [listener.security.protocol.map]=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
    [controller.quorum.voters]=1@localhost:9093
    [offsets.topic.replication.factor]=1
    [transaction.state.log.replication.factor]=1
    [transaction.state.log.min.isr]=1
    [share.coordinator.state.topic.replication.factor]=1
    [share.coordinator.state.topic.min.isr]=1
    [group.initial.rebalance.delay.ms]=0
  )
fi
: "${config[log.dirs]:=/var/lib/kafka/data}"
for key in node.id process.roles; do
  [ -n "${config[$key]:-}" ] || { echo "kafka-start: KAFKA_${key^^} must be set (KRaft)" >&2; exit 2; }
done

{
  echo "# generated by kafka-start from KAFKA_* environment variables at $(date -u +%FT%TZ)"
  for key in $(printf '%s\n' "${!config[@]}" | sort); do printf '%s=%s\n' "$key" "${config[$key]}"; done
} >"$PROPS"
echo "kafka-start: server.properties:" >&2
sed -e 's/^\(.*\(password\|secret\|jaas\).*=\).*/\1[hidden]/I' "$PROPS" >&2

export CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
first_log_dir=${config[log.dirs]%%,*}
mkdir -p "$first_log_dir"
if [ ! -f "$first_log_dir/meta.properties" ]; then
  format=(format -t "$CLUSTER_ID" -c "$PROPS" --ignore-formatted)
  if [[ ${config[process.roles]} == *controller* && -z ${config[controller.quorum.voters]:-} ]]; then
    format+=(--standalone)
  fi
  echo "kafka-start: formatting $first_log_dir for cluster $CLUSTER_ID" >&2
  KAFKA_HEAP_OPTS="-Xmx256m" "$KAFKA_HOME/bin/kafka-run-class" kafka.tools.StorageTool "${format[@]}"
fi

# shellcheck disable=SC2086 # the *_OPTS variables are word lists
exec java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} \
  ${KAFKA_LOG4J_OPTS:-@LOG4J_OPTS@} \
  ${KAFKA_OPTS:-} \
  -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$PROPS"
EOF
  sed -i "s|@LOG4J_OPTS@|-D$log4j_property=file:/opt/kafka/config/$log4j_file|" "$ctx/bin/kafka-start"

  cat >"$ctx/bin/kafka-run-class" <<EOF
#!/bin/bash
# kafka-run-class <main class> [args]: runs a class from the Kafka jars (quiet logging, quick start-up).
# shellcheck disable=SC2086
exec java \${KAFKA_HEAP_OPTS:--Xmx256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \\
  \${KAFKA_LOG4J_OPTS:--D$log4j_property=file:/opt/kafka/config/tools-$log4j_file} \${KAFKA_OPTS:-} \\
  -cp "/opt/kafka/libs/*" "\$@"
EOF

  # The official image's tool names, so docs and healthchecks written for apache/kafka work here too.
  local tool class
  for tool in \
    kafka-topics.sh=org.apache.kafka.tools.TopicCommand \
    kafka-broker-api-versions.sh=$api_versions \
    kafka-metadata-quorum.sh=org.apache.kafka.tools.MetadataQuorumCommand \
    kafka-storage.sh=kafka.tools.StorageTool \
    kafka-consumer-groups.sh=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    kafka-console-producer.sh=$console_producer \
    kafka-console-consumer.sh=org.apache.kafka.tools.consumer.ConsoleConsumer; do
    class=${tool#*=}
    tool=${tool%%=*}
    printf '#!/bin/bash\nexec /opt/kafka/bin/kafka-run-class %s "$@"\n' "$class" >"$ctx/bin/$tool"
  done
  printf '#!/bin/bash\nexec /opt/kafka/bin/kafka-run-class "$@"\n' >"$ctx/bin/kafka-run-class.sh"
  chmod 755 "$ctx"/bin/*

  cat >"$ctx/Dockerfile" <<EOF
FROM kbus/jre17-bookworm
RUN echo 'appuser:x:1000:1000:kafka:/home/appuser:/bin/bash' >>/etc/passwd \\
 && echo 'appuser:x:1000:' >>/etc/group \\
 && mkdir -p /home/appuser /var/lib/kafka/data /opt/kafka/config /etc/kafka/docker \\
 && chown -R 1000:1000 /home/appuser /var/lib/kafka /opt/kafka/config
COPY libs /opt/kafka/libs
COPY bin /opt/kafka/bin
COPY --chown=1000:1000 config /opt/kafka/config
RUN ln -s /opt/kafka/bin/kafka-start /etc/kafka/docker/run
ENV PATH=/opt/kafka/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 1000:1000
WORKDIR /opt/kafka
EXPOSE 9092 9093
ENTRYPOINT ["/opt/kafka/bin/kafka-start"]
EOF
}

build_kafka_image() {
  local target=$KBUS_HOME/kafka/$KAFKA_VERSION
  if [ ! -f "$target/.complete" ]; then
    log "resolving Apache Kafka $KAFKA_VERSION from Maven Central (once; cached in $target)"
    materialize "$target" build_kafka_libs
  fi
  local hash
  hash=$(inputs_hash "kafka $KAFKA_VERSION $(ls "$target/libs")")
  if [ "${KBUS_REBUILD:-}" != 1 ] && [ "$(image_label "$KAFKA_IMAGE" kbus.inputs)" = "$hash" ]; then
    log "$KAFKA_IMAGE is up to date"
    return
  fi
  local ctx
  ctx=$(mktemp -d "$DOCKER_CACHE/kafka-context.XXXXXX")
  CLEANUP+=("$ctx")
  write_kafka_context "$ctx" "$target/libs"
  log "docker build $KAFKA_IMAGE"
  docker build -q --label "kbus.inputs=$hash" --label "org.apache.kafka.version=$KAFKA_VERSION" \
    -t "$KAFKA_IMAGE" "$ctx" >"$DOCKER_CACHE/build-kafka.log" 2>&1 ||
    { tail -n 30 "$DOCKER_CACHE/build-kafka.log" >&2; die "docker build $KAFKA_IMAGE failed"; }
}

# ---------------------------------------------------------------------------- registry image
build_registry_image() {
  local base=kbus/jre21-trixie
  case $REGISTRY_VERSION in 2.*) base=kbus/jre17-bookworm ;; esac
  local target=$KBUS_HOME/apicurio/$REGISTRY_VERSION
  if [ ! -f "$target/.complete" ]; then
    log "resolving Apicurio Registry $REGISTRY_VERSION from Maven Central (once; cached in $target)"
    materialize "$target" build_registry_app
  fi
  local runner
  runner=$(find "$target/app" -name quarkus-run.jar -print -quit)
  [ -n "$runner" ] || die "no quarkus-run.jar under $target/app; delete $target to download again"
  local hash
  hash=$(inputs_hash "registry $REGISTRY_VERSION $base")
  if [ "${KBUS_REBUILD:-}" != 1 ] && [ "$(image_label "$REGISTRY_IMAGE" kbus.inputs)" = "$hash" ]; then
    log "$REGISTRY_IMAGE is up to date"
    return
  fi
  local ctx
  ctx=$(mktemp -d "$DOCKER_CACHE/registry-context.XXXXXX")
  CLEANUP+=("$ctx")
  cp -al "$(dirname "$runner")" "$ctx/app" 2>/dev/null || cp -a "$(dirname "$runner")" "$ctx/app"
  cat >"$ctx/registry-start" <<'EOF'
#!/bin/bash
# Runs Apicurio Registry. Configure it with Quarkus-style env vars, as with the official image
# (e.g. APICURIO_CCOMPAT_USE_CANONICAL_HASH=true for apicurio.ccompat.use-canonical-hash).
# JVM options: JAVA_OPTS (replaces the defaults) and JAVA_OPTS_APPEND.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xmx512m -XX:+UseSerialGC} ${JAVA_OPTS_APPEND:-} \
  -Dquarkus.http.host=0.0.0.0 -jar /opt/apicurio/quarkus-run.jar "$@"
EOF
  chmod 755 "$ctx/registry-start"
  cat >"$ctx/Dockerfile" <<EOF
FROM $base
COPY app /opt/apicurio
COPY registry-start /usr/local/bin/registry-start
RUN mkdir -p /tmp/apicurio && chown 1001:0 /tmp/apicurio
USER 1001:0
WORKDIR /opt/apicurio
EXPOSE 8080 9000
ENTRYPOINT ["/usr/local/bin/registry-start"]
EOF
  log "docker build $REGISTRY_IMAGE (on $base)"
  docker build -q --label "kbus.inputs=$hash" --label "io.apicurio.registry.version=$REGISTRY_VERSION" \
    -t "$REGISTRY_IMAGE" "$ctx" >"$DOCKER_CACHE/build-registry.log" 2>&1 ||
    { tail -n 30 "$DOCKER_CACHE/build-registry.log" >&2; die "docker build $REGISTRY_IMAGE failed"; }
}

# ---------------------------------------------------------------------------- main
ensure_engine
base_image kbus/jre17-bookworm bookworm openjdk-17-jre-headless
case $REGISTRY_VERSION in
2.*) ;;
*) base_image kbus/jre21-trixie trixie openjdk-21-jre-headless ;;
esac
build_kafka_image
build_registry_image
log "done: $KAFKA_IMAGE, $REGISTRY_IMAGE"
docker image ls --filter 'reference=kbus/*' --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sed 's/^/  /' >&2 || true
echo "export KBUS_KAFKA_IMAGE=$KAFKA_IMAGE KBUS_REGISTRY_IMAGE=$REGISTRY_IMAGE"
