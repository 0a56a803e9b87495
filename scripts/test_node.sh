#!/usr/bin/env bash
# The Node package's gates, from a fresh clone: install the pinned tools (npm ci), build the
# addon (debug), regenerate the TypeScript declarations and fail if they differ from the
# committed ones (and node/src/generated/, the result and deployment shapes and the error kinds
# generated from the Rust types), type-check the example under --strict, and run the node:test suites (every
# conformance vector against the emulator, plus abort, event loop, errors, events, API), then
# packs the napi-rs layout (the main package and npm/linux-x64-gnu/ holding the addon), installs
# both tarballs offline into an empty directory and runs tests/consumers/node/ there, through
# require and import. Talks only to the npm registry (npm ci) and loopback.
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
packed=$(mktemp -d)
trap 'rm -rf "$committed" "$packed"; kill "${FOUNDRY_EMULATOR_PID:-}" 2>/dev/null || true' EXIT
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

step "npm packages: foundry-client and foundry-client-linux-x64-gnu (napi-rs layout), packed"
# The addon goes into its platform package (npm/linux-x64-gnu/, made by `napi create-npm-dirs`);
# the main package carries no .node file, so its loader must find the platform package.
node_modules/.bin/napi artifacts --output-dir . --npm-dir npm > /dev/null
npm pack --silent --pack-destination "$packed" ./npm/linux-x64-gnu > /dev/null
# On release `napi pre-publish` adds the platform packages to the main package's
# optionalDependencies; the development manifest leaves them out so that `npm ci` here never
# asks the registry for them. The packed copy gets them as a release would.
mkdir "$packed/stage"
npm pack --silent --pack-destination "$packed/stage" . > /dev/null
tar -xzf "$packed"/stage/foundry-client-*.tgz -C "$packed/stage"
if tar -tzf "$packed"/stage/foundry-client-*.tgz | grep '\.node$'; then
  echo "the main package must not carry the addon: it belongs to npm/linux-x64-gnu/" >&2
  exit 1
fi
(cd "$packed/stage/package" && npm pkg set "optionalDependencies.foundry-client-linux-x64-gnu=$(node -p 'require("./package.json").version')")
npm pack --silent --pack-destination "$packed" "$packed/stage/package" > /dev/null
for tarball in "$packed"/*.tgz; do
  echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB"
done

step "the two tarballs installed offline into an empty directory run tests/consumers/node/ (require and import)"
mkdir "$packed/app"
cp "$root"/tests/consumers/node/require.cjs "$root"/tests/consumers/node/import.mjs "$packed/app/"
(cd "$packed/app" && npm install --offline --no-audit --no-fund --loglevel=error "$packed"/*.tgz)
source "$root/scripts/lib/emulator.sh"
start_emulator "$FOUNDRY_EMULATOR_BIN" "$packed/emulator"
(cd "$packed/app" && export FOUNDRY_ENDPOINT=$FOUNDRY_EMULATOR_ENDPOINT FOUNDRY_API_KEY=emulator-key-0000 \
  && node require.cjs && node import.mjs)
echo "Node packages: all checks passed"
