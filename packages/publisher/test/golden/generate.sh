#!/usr/bin/env bash
# Regenerates murmur2-vectors.json (golden vectors for the publisher's key
# partitioner) from the REAL Java Kafka client, org.apache.kafka:kafka-clients:4.3.1.
#
# Needs: java (11+; single-file source launch) and mvn, with access to Maven Central
# (or a local ~/.m2 that already has the artifacts). Nothing is written inside the
# repo except murmur2-vectors.json; jars go to a temp dir that is removed on exit.
#
# Usage: packages/publisher/test/golden/generate.sh [out.json]
set -euo pipefail

KAFKA_CLIENTS_VERSION=4.3.1
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/murmur2-vectors.json}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kbus-murmur2-golden.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A throwaway pom whose only dependency is kafka-clients, so that
# copy-dependencies resolves kafka-clients plus its declared runtime deps
# (slf4j-api is required at runtime: Utils has a static slf4j Logger).
cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kbus</groupId>
  <artifactId>murmur2-golden</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-clients</artifactId>
      <version>${KAFKA_CLIENTS_VERSION}</version>
    </dependency>
  </dependencies>
</project>
EOF

mvn -q -B -f "$work/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
  -DincludeScope=runtime \
  -DoutputDirectory="$work/lib"

jar="$work/lib/kafka-clients-${KAFKA_CLIENTS_VERSION}.jar"
if [[ ! -f "$jar" ]]; then
  echo "kafka-clients-${KAFKA_CLIENTS_VERSION}.jar was not fetched into $work/lib" >&2
  exit 1
fi

# Classpath: every fetched jar, sorted for a stable order.
cp="$(find "$work/lib" -name '*.jar' | LC_ALL=C sort | paste -sd: -)"

cd "$here"
MURMUR2_VECTORS_VIA="bash packages/publisher/test/golden/generate.sh" \
  java -cp "$cp" Murmur2Vectors.java "$out"

echo "wrote $out" >&2
