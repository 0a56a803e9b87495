#!/usr/bin/env bash
# The Python benchmark: foundry-client vs openai's AzureOpenAI/AsyncAzureOpenAI vs LiteLLM, all
# against one local emulator. Builds release binaries, installs the peers into target/venv-bench,
# prints a table. Numbers are printed, never asserted. Talks only to loopback (and PyPI).
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
venv="$root/target/venv-bench"  # under target/: ignored by git, removed by cargo clean
export CARGO_TERM_COLOR=never

echo "==> release builds (emulator, wheel)" >&2
cargo build --quiet --release -p foundry-emulator
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bench/python/requirements.txt
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bench/python/requirements-litellm.txt; then
    echo "LiteLLM failed to install: it is reported as not measured" >&2
fi
rm -rf target/bench-wheels
(cd python && "$venv/bin/maturin" build --quiet --release --out "$root/target/bench-wheels")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/bench-wheels/foundry_client-*.whl

echo "==> benchmark" >&2
cd /tmp  # import the installed wheel, not the source tree
"$venv/bin/python" "$root/tests/bench/python/bench.py" --emulator "$root/target/release/foundry-emulator"
