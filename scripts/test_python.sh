#!/usr/bin/env bash
# The Python binding from a fresh clone: a venv with the pinned tools, the abi3 wheel (debug
# profile) built by maturin through zig against glibc 2.17 and checked by auditwheel to be
# manylinux2014, installed from the built file into a clean venv that runs the quickstart,
# mypy --strict on the typed example, and the pytest suite (every conformance vector, sync and
# async) against the emulator.
# Installs what it needs itself; talks only to loopback (and PyPI for the pinned tools).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv="$root/.venv-python"
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "emulator binary"
cargo build --quiet -p foundry-emulator

step "Python venv with the pinned tools (python/requirements-dev.txt)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt

step "abi3 manylinux2014 wheel (maturin through zig, debug profile; releases add --release)"
# zig links against glibc 2.17's symbol versions whatever this machine's glibc is, so the wheel
# installs on every distribution since CentOS 7. maturin finds zig through the ziglang wheel.
rm -f "$target"/wheels/foundry_client-*.whl
(cd python && PATH="$venv/bin:$PATH" "$venv/bin/maturin" build --quiet --profile dev \
    --zig --compatibility manylinux2014 --out "$target/wheels")
wheel=$(ls "$target"/wheels/foundry_client-*.whl)
echo "$wheel ($(du -k "$wheel" | cut -f1) KiB)"

step "auditwheel: the wheel's symbols allow manylinux2014 (glibc 2.17) and its tag says abi3"
audit=$("$venv/bin/auditwheel" show "$wheel" | tr -s ' \n' ' ')
echo "$audit"
case "$audit" in
  *'consistent with the following platform tag: "manylinux_2_17_x86_64"'*) ;;
  *) echo "auditwheel does not confirm manylinux_2_17 (manylinux2014) for $wheel" >&2; exit 1 ;;
esac
case "$(basename "$wheel")" in
  foundry_client-*-cp39-abi3-*manylinux2014_x86_64.whl) ;;
  *) echo "$wheel is not tagged cp39-abi3 manylinux2014" >&2; exit 1 ;;
esac

step "the wheel alone in a clean venv (no dev tools) runs python/examples/quickstart.py"
clean=$(mktemp -d)
trap 'kill "${FOUNDRY_EMULATOR_PID:-}" 2>/dev/null || true; rm -rf "$clean"' EXIT
source scripts/lib/emulator.sh
start_emulator "$target/debug/foundry-emulator" "$clean"
python3 -m venv "$clean/venv"
"$clean/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
(cd "$clean" && FOUNDRY_ENDPOINT=$FOUNDRY_EMULATOR_ENDPOINT FOUNDRY_API_KEY=emulator-key-0000 \
    "$clean/venv/bin/python" "$root/python/examples/quickstart.py" > quickstart.out)
tail -n 1 "$clean/quickstart.out"
kill "$FOUNDRY_EMULATOR_PID"

step "install the wheel from the built file"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"

# The abi3 floor: the same file must install and import on the oldest supported Python.
py39=""
for candidate in python3.9 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
        py39=$candidate
        break
    fi
done
if [ -n "$py39" ]; then
    step "the same wheel on $("$py39" --version)"
    tmp39=$(mktemp -d)
    "$py39" -m venv "$tmp39/venv"
    "$tmp39/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$wheel"
    (cd "$tmp39" && "$tmp39/venv/bin/python" - <<'PY'
import foundry_client as fc
client = fc.Foundry(endpoint="http://127.0.0.1:9/", api_key="k", env={})
assert client.deployments() == [] and fc.__version__
try:
    fc.Foundry({"deployments": [{"name": "x"}]})
except fc.ConfigError as e:
    assert e.kind == "config"
else:
    raise SystemExit("a catalog without an endpoint was accepted")
print("imported foundry_client", fc.__version__, "on Python 3.9")
PY
    )
    rm -rf "$tmp39"
else
    echo "(no Python 3.9 interpreter found: skipping the abi3-floor install check)"
fi

step "ruff (lint and format) on python/"
"$venv/bin/ruff" check python
"$venv/bin/ruff" format --check python

step "mypy --strict on the typed example and the installed package"
"$venv/bin/mypy" --strict --cache-dir "$target/mypy-cache" python/examples/quickstart.py
"$venv/bin/mypy" --strict --cache-dir "$target/mypy-cache" -p foundry_client

step "pytest (against $target/debug/foundry-emulator)"
cd python
FOUNDRY_EMULATOR_BIN="$target/debug/foundry-emulator" \
    "$venv/bin/pytest" -q -p no:cacheprovider --timeout 300
