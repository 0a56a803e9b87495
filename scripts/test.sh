#!/usr/bin/env bash
# Every gate in one command: formatting, lints, every Rust test (the conformance vectors and
# the recorded corpus included), the official openai SDK against the emulator, and each
# language binding's suite (which runs the same vectors).
# Installs what it needs itself (a Python venv under .venv); talks only to loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

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

step "foundry demo"
cargo run --quiet -p foundry-cli --bin foundry -- demo > /dev/null
echo "all gates passed"
