#!/usr/bin/env bash
# The C binding (bindings/c): builds the cdylib, whose build script regenerates the header with
# cbindgen, fails if the committed include/foundry.h differs, compiles tests/test_foundry.c
# (with tests/test_surface.c, tests/test_governance.c and tests/harness.c) with gcc against
# the debug cdylib, and runs it against the emulator, twice: natively, then under valgrind,
# where any definitely-lost block fails the run. Between the two, every conformance vector
# (tests/conformance/). tests/test_otel.c runs as its own process (export is set up once per
# process from OTEL_*), natively and under valgrind, and run_otel.py checks what the emulator's
# OTLP receiver got from it.
# FOUNDRY_UPDATE_GENERATED=1 copies a regenerated header over the committed one instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "build the C library (cbindgen writes the header) and the emulator"
cargo build --quiet -p foundry-client-c -p foundry-emulator

step "include/foundry.h matches what cbindgen generates"
out_dir=$(cargo build -p foundry-client-c --message-format=json 2>/dev/null \
  | grep '"reason":"build-script-executed"' | grep 'foundry-client-c' \
  | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -n 1)
generated="$out_dir/foundry.h"
committed=bindings/c/include/foundry.h
if [[ ! -f "$generated" ]]; then
  echo "cbindgen produced no header (looked in '$generated')" >&2
  exit 1
fi
if ! cmp -s "$generated" "$committed"; then
  if [[ "${FOUNDRY_UPDATE_GENERATED:-}" == 1 ]]; then
    cp "$generated" "$committed"
    echo "updated $committed"
  else
    diff -u "$committed" "$generated" || true
    echo "$committed is stale: rerun with FOUNDRY_UPDATE_GENERATED=1 and commit it" >&2
    exit 1
  fi
fi

step "compile tests/test_foundry.c (with test_surface.c, test_governance.c and harness.c) against the debug cdylib"
mkdir -p "$target/c-test"
gcc -std=c11 -Wall -Wextra -Werror -g -O0 -I bindings/c/include \
  bindings/c/tests/test_foundry.c bindings/c/tests/test_surface.c bindings/c/tests/test_governance.c \
  bindings/c/tests/harness.c \
  -o "$target/c-test/test_foundry" \
  -L "$target/debug" -lfoundry_client_c -lpthread -Wl,-rpath,"$target/debug"

step "compile tests/vector_runner.c (the conformance vectors' C side)"
gcc -std=c11 -Wall -Wextra -Werror -g -O0 -I bindings/c/include \
  bindings/c/tests/vector_runner.c -o "$target/c-test/vector_runner" \
  -L "$target/debug" -lfoundry_client_c -lpthread -Wl,-rpath,"$target/debug"

step "compile tests/test_otel.c (the OpenTelemetry export test's C side)"
gcc -std=c11 -Wall -Wextra -Werror -g -O0 -I bindings/c/include \
  bindings/c/tests/test_otel.c bindings/c/tests/harness.c -o "$target/c-test/test_otel" \
  -L "$target/debug" -lfoundry_client_c -lpthread -Wl,-rpath,"$target/debug"

step "start the emulator"
emulator_out="$target/c-test/emulator.json"
# A file left by an earlier run would be read before the new emulator writes its own.
rm -f "$emulator_out"
"$target/debug/foundry-emulator" --config tests/conformance/emulator.yaml > "$emulator_out" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -s "$emulator_out" ]] && break
  sleep 0.1
done
endpoint=$(sed -n 's/.*"endpoint":"\([^"]*\)".*/\1/p' "$emulator_out")
[[ -n "$endpoint" ]] || { echo "the emulator did not start" >&2; exit 1; }
export FOUNDRY_TEST_ENDPOINT="$endpoint"

step "C tests"
"$target/c-test/test_foundry"

step "every conformance vector through the C API"
python3 bindings/c/tests/run_vectors.py "$emulator_out" "$target/c-test/vector_runner"

step "the OpenTelemetry export from C (its own process, OTEL_* pointing at the emulator)"
python3 bindings/c/tests/run_otel.py "$emulator_out" "$target/c-test/test_otel"

step "C tests under valgrind (definitely lost must be 0)"
# The shared runtime's threads live until the process exits, so their stacks, thread handles
# and thread-locals (tokio's blocking pool, std's thread records, fastrand's seed) show as
# "still reachable" or "possibly lost"; no suppression file is needed because only definite
# leaks count as errors. A leaked client, error or string is "definitely lost".
valgrind --quiet --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite "$target/c-test/test_foundry"
python3 bindings/c/tests/run_otel.py "$emulator_out" "$target/c-test/test_otel" \
  valgrind --quiet --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite
echo "C binding: all checks passed"
