#!/usr/bin/env bash
# The Python benchmark (issue 6 cells 4 and 5): foundry-client vs openai's AzureOpenAI /
# AsyncAzureOpenAI (httpx and aiohttp) vs LiteLLM, all against one local emulator, and a no-op
# call into Rust vs a no-op Python call. Builds release binaries, installs the peers into
# target/venv-bench, prints a table and writes its rows to $CARGO_TARGET_DIR/bench/python.json
# (default target/bench). Numbers are printed, never asserted. Talks only to loopback (and PyPI).
#
#   tests/bench/python/run.sh            # the full run
#   tests/bench/python/run.sh --quick    # a tenth of the work (or BENCH_QUICK=1): checks the harness
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
venv="$root/target/venv-bench"  # under target/: ignored by git, removed by cargo clean
export CARGO_TERM_COLOR=never

echo "==> release builds (emulator, wheel)" >&2
cargo build --quiet --release -p foundry-emulator
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bench/python/requirements.txt
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bench/python/requirements-aiohttp.txt; then
    echo "openai[aiohttp] failed to install: AsyncAzureOpenAI on aiohttp is reported as not measured" >&2
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/bench/python/requirements-litellm.txt; then
    echo "LiteLLM failed to install: it is reported as not measured" >&2
fi
rm -rf target/bench-wheels
(cd python && "$venv/bin/maturin" build --quiet --release --out "$root/target/bench-wheels")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/bench-wheels/foundry_client-*.whl

echo "==> benchmark" >&2
cd /tmp  # import the installed wheel, not the source tree
"$venv/bin/python" "$root/tests/bench/python/bench.py" --emulator "$root/target/release/foundry-emulator" \
    --out "${CARGO_TARGET_DIR:-$root/target}/bench/python.json" "$@"
