#!/usr/bin/env bash
# The Node benchmark (printed, never asserted): foundry-client vs the `openai` package's
# AzureOpenAI on the emulator (cell 6), and a no-op call into the addon vs one in JS (cell 4).
# Release builds of the emulator and the addon; the addon is loaded from a temporary copy, so
# node/'s debug build (the tests') stays as it is. The table goes to stdout, progress to
# stderr, the rows to $target/bench/node.json. BENCH_QUICK=1: a tenth of the work.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"

cargo build --quiet --release -p foundry-emulator -p foundry-client-node
(cd node && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && node_modules/.bin/tsc -p tsconfig.json)
addon_dir=$(mktemp -d)
trap 'rm -rf "$addon_dir"' EXIT
cp "$target/release/libfoundry_client_node.so" "$addon_dir/foundry-client.node"

FOUNDRY_EMULATOR_BIN="$target/release/foundry-emulator" \
NAPI_RS_NATIVE_LIBRARY_PATH="$addon_dir/foundry-client.node" \
BENCH_JSON="$target/bench/node.json" \
  node tests/bench/node/bench.mjs
