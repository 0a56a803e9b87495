#!/usr/bin/env bash
# Every gate in one command: formatting, lints, every Rust test (the conformance vectors and
# the recorded corpus included), the official openai SDK against the emulator, each language
# binding's suite (which runs the same vectors), and the mixed-language fleet on one Redis.
# Installs what it needs itself (a Python venv under .venv); talks only to loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

# The recorded corpus lives outside the repository (README, "The recorded corpus"). Without it
# every other suite still runs and the corpus suites say they were skipped; CI must have it.
corpus_suites="core/tests/corpus_bodies.rs, core/tests/corpus_streams.rs, core/tests/no_panic.rs, the emulator's recorded-shape checks"
corpus=${FOUNDRY_CORPUS_DIR:-$root/../shared/corpus}
if [ -f "$corpus/PROVENANCE.md" ]; then
  export FOUNDRY_CORPUS_DIR=$(cd "$corpus" && pwd)
  corpus_note=""
elif [ "${CI:-}" = "true" ]; then
  echo "error: the recorded corpus is not at $corpus, and CI=true requires it: put it at ../shared/corpus next to the checkout or set FOUNDRY_CORPUS_DIR" >&2
  exit 1
else
  export FOUNDRY_SKIP_CORPUS=1
  corpus_note="SKIPPED (no recorded corpus at $corpus; set FOUNDRY_CORPUS_DIR to run them): $corpus_suites"
  echo "$corpus_note"
fi

# The fleet ledger's tests start their own redis-server on loopback (core/tests/support/
# redis_server.rs); only the binary is needed. Installed from Debian's packages, no service.
if ! command -v redis-server >/dev/null 2>&1; then
  step "redis-server (for the Redis ledger's tests)"
  if [ "$(id -u)" = "0" ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update && DEBIAN_FRONTEND=noninteractive $apt_get install -y --no-install-recommends redis-server
fi

step "rustfmt"
cargo fmt --all --check

step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Rust tests (core, corpus, conformance vectors, emulator, CLI)"
cargo test --workspace --quiet

step "Python venv for the SDK tests"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/emulator/python/requirements.txt

step "official openai SDK against the emulator"
FOUNDRY_EMULATOR_BIN="$root/target/debug/foundry-emulator" .venv/bin/python -m pytest -q tests/emulator/python

step "Python package (PyO3 abi3 wheel): build, install, ruff, mypy --strict, pytest"
bash scripts/test_python.sh

step "Node package (napi-rs): build, declarations, vectors, node --test"
bash scripts/test_node.sh

step "C API (cbindgen header, gcc test, valgrind)"
bash scripts/test_c.sh

step "Kotlin (UniFFI + JNA): generated bindings, mvn test"
bash scripts/test_kotlin.sh

# Last, when every binding exists: their processes and a Rust one on one Redis budget. Its
# test target is left out of `cargo test --workspace` (and so of clippy's --all-targets).
step "mixed fleet: Python, Node, Kotlin and Rust processes on one Redis budget"
cargo clippy --quiet -p foundry-cli --test fleet_mixed -- -D warnings
cargo test --quiet -p foundry-cli --test fleet_mixed

step "foundry demo"
cargo run --quiet -p foundry-cli --bin foundry -- demo > /dev/null
if [ -n "$corpus_note" ]; then
  echo "all gates passed except the corpus suites: $corpus_note"
else
  echo "all gates passed"
fi
