#!/usr/bin/env bash
# Outside use: packs the tarballs, installs them into a scratch service in a temporary folder
# outside the repository (zod and TypeScript 7 and 6 from the registry; testcontainers, an optional
# peer of the test kit, left out), type-checks the service strict with module nodenext,
# checks that a wrong payload does not compile, runs the kbus and kbus-stack commands, and runs a
# publish/consume round trip against KAFKA_BROKERS and SCHEMA_REGISTRY_URL. Needs a build (`npm run build`).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
  echo "outside use FAILED: $*" >&2
  exit 1
}
[ -n "${KAFKA_BROKERS:-}" ] && [ -n "${SCHEMA_REGISTRY_URL:-}" ] ||
  fail 'KAFKA_BROKERS and SCHEMA_REGISTRY_URL must point at a running stack (eval "$(npm run -s stack -- up)")'

work=$(mktemp -d "${TMPDIR:-/tmp}/kbus-outside-use.XXXXXX")
trap 'rm -rf "$work"' EXIT
node "$repo/.ci/pack.ts" --out "$work/tarballs" >/dev/null
cp -r "$repo/.ci/outside-use/service" "$work/service"
cd "$work/service"

# The versions the repository itself builds and tests with.
version() { node -p "require('$repo/$1').$2['$3']"; }
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz \
  "zod@$(version packages/core/package.json dependencies zod)" \
  "typescript@$(version package.json devDependencies typescript)" \
  "@types/node@$(version package.json devDependencies @types/node)" \
  "typescript-6@npm:typescript@$(version tools/api-docs/package.json devDependencies typescript)"
[ ! -e node_modules/testcontainers ] || fail 'testcontainers was installed, but it is an optional peer of @kbus/testkit'
echo "outside use: installed $(ls "$work"/tarballs/*.tgz | wc -l) tarballs into $work/service"

npx tsc -p tsconfig.json || fail 'the service does not type-check (strict, module nodenext)'
if npx tsc -p tsconfig.wrong-payload.json >wrong-payload.txt 2>&1; then
  fail 'src/wrong-payload.ts compiled, but its payload breaks the contract'
fi
grep -q "src/wrong-payload.ts.*error TS2322.*'string' is not assignable to type 'number'" wrong-payload.txt ||
  fail "src/wrong-payload.ts failed for another reason than its payload: $(cat wrong-payload.txt)"
# TypeScript 7 dropped node10 resolution; TypeScript 6 with "module": "commonjs" still uses it.
node node_modules/typescript-6/bin/tsc -p tsconfig.commonjs.json ||
  fail 'TypeScript 6 with module commonjs (node10 resolution) cannot resolve the packages'
echo 'outside use: strict nodenext type check passes; a wrong payload does not compile; commonjs finds the types'

# Without a source condition in the published exports, --conditions=source changes nothing.
node --conditions=source -e "await import('@kbus/publisher'); await import('@kbus/subscriber')" ||
  fail 'the packages do not load with --conditions=source'
# The test kit loads without testcontainers; only its container provider asks for it, by name.
missing=$(node -e "const { startContainerStack } = await import('@kbus/testkit/containers'); await startContainerStack().then(() => console.log('started?'), (e) => console.log(e.message))")
case "$missing" in
  *"needs testcontainers, an optional peer dependency that is not installed: run \`npm install --save-dev testcontainers\`"*) ;;
  *) fail "the container provider without testcontainers said: $missing" ;;
esac
echo 'outside use: @kbus/testkit works without testcontainers; its container provider says what to install'

npx kbus-stack --help | grep -q '^usage: kbus-stack <command>' || fail 'the kbus-stack command of @kbus/testkit does not run'
kbus_help=$(npx kbus --help) || fail "the kbus command of @kbus/cli does not run: $kbus_help"
grep -q '^usage: kbus <command>' <<<"$kbus_help" || fail "kbus --help printed: $kbus_help"

# An older Node.js (the machine's own, when it is one) gets one clear message at import.
old_node=${KBUS_OLD_NODE:-/usr/bin/node}
if [ -x "$old_node" ] && "$old_node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 22) ? 1 : 0)'; then
  said=$("$old_node" -e "import('@kbus/publisher').then(() => console.log('loaded'), (e) => console.log(e.message))")
  case "$said" in
    "kbus needs Node.js >= 22.22.0, and this is Node.js $("$old_node" -p process.versions.node)"*) ;;
    *) fail "Node.js $("$old_node" -v) importing @kbus/publisher said: $said" ;;
  esac
  echo "outside use: Node.js $("$old_node" -v) gets: $said"
  # The kbus command too: no import of it may fail to link before the check runs.
  said=$("$old_node" node_modules/@kbus/cli/dist/bin/kbus.js --help 2>&1) && fail "kbus --help ran on Node.js $("$old_node" -v)"
  grep -q '^Error: kbus needs Node.js >= 22.22.0' <<<"$said" || fail "Node.js $("$old_node" -v) running kbus said: $said"
  echo "outside use: Node.js $("$old_node" -v) running kbus gets the same message"
fi

node dist/main.js
