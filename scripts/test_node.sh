#!/usr/bin/env bash
# The Node package's gates, from a fresh clone: install the pinned tools (npm ci), build the
# addon (debug), regenerate the TypeScript declarations and fail if they differ from the
# committed ones (and node/src/generated/, the result and deployment shapes and the error kinds
# generated from the Rust types), type-check the example under --strict, and run the node:test suites (every
# conformance vector against the emulator, plus abort, event loop, errors, events, API).
# Talks only to the npm registry (npm ci) and loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "emulator binary"
cargo build --quiet -p foundry-emulator
export FOUNDRY_EMULATOR_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/foundry-emulator"

step "node/src/generated/ matches the Rust types (FOUNDRY_UPDATE_GENERATED=1 rewrites it)"
cargo test --quiet -p foundry-client-node generated

cd node
step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

# What is committed, to compare the regenerated files with.
committed=$(mktemp -d)
trap 'rm -rf "$committed"' EXIT
cp -r native.js native.d.ts types "$committed/"
rm -rf types dist

step "addon (debug build) and its generated loader and declarations"
npm run --silent build:native

step "TypeScript wrapper and its generated declarations"
node_modules/.bin/tsc -p tsconfig.json

step "generated files match the committed ones"
stale=0
for f in native.js native.d.ts; do
  diff -u "$committed/$f" "$f" || stale=1
done
diff -ru "$committed/types" types || stale=1
if [ "$stale" -ne 0 ]; then
  echo "the generated declarations changed: run 'npm run build' in node/ and commit native.js, native.d.ts and types/" >&2
  exit 1
fi
echo "native.js, native.d.ts and types/ are up to date"

step "tsc --noEmit --strict on the example"
node_modules/.bin/tsc --noEmit --strict -p examples/tsconfig.json
echo "examples/example.ts type-checks"

step "node --test"
log=$(mktemp)
if ! node --test --test-reporter=tap --test-timeout=120000 test/ >"$log" 2>&1; then
  cat "$log"
  rm -f "$log"
  echo "node tests failed" >&2
  exit 1
fi
grep -c '^    ok .* - .*\.json$' "$log" | sed 's/^/conformance vectors passed: /'
grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$log"
rm -f "$log"
