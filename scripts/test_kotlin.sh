#!/usr/bin/env bash
# The Kotlin binding: builds the UniFFI cdylib (debug, workspace target dir) and the workspace's
# uniffi-bindgen, regenerates the Kotlin bindings in library mode and fails if the committed
# kotlin/src/main/kotlin/foundryclient/foundry_client_uniffi.kt differs, then runs the Maven
# build (the jar takes the .so as its linux-x86-64 JNA resource) and its JUnit tests against
# the emulator: the conformance vectors, the Kotlin-specific tests, the Ktor example compiled.
# FOUNDRY_UPDATE_GENERATED=1 copies regenerated bindings over the committed ones instead.
# Maven downloads its plugins and dependencies into ~/.m2 on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "build the UniFFI library, uniffi-bindgen and the emulator"
cargo build --quiet -p foundry-client-uniffi -p uniffi-bindgen -p foundry-emulator

step "the committed Kotlin bindings match what uniffi-bindgen generates"
generated_dir="$target/kotlin-bindings"
rm -rf "$generated_dir"
"$target/debug/uniffi-bindgen" generate --no-format --library "$target/debug/libfoundry_client_uniffi.so" \
  --language kotlin --out-dir "$generated_dir" > /dev/null
generated="$generated_dir/foundryclient/foundry_client_uniffi.kt"
committed=kotlin/src/main/kotlin/foundryclient/foundry_client_uniffi.kt
if ! cmp -s "$generated" "$committed"; then
  if [[ "${FOUNDRY_UPDATE_GENERATED:-}" == 1 ]]; then
    cp "$generated" "$committed"
    echo "updated $committed"
  else
    diff -u "$committed" "$generated" | head -50 || true
    echo "$committed is stale: rerun with FOUNDRY_UPDATE_GENERATED=1 and commit it" >&2
    exit 1
  fi
fi

step "mvn test (JUnit: conformance vectors, Kotlin surface, Ktor example)"
cd kotlin
rm -rf target/surefire-reports
status=0
mvn -q -B -Dstyle.color=never test -Dnative.dir="$target/debug" -Demulator.bin="$target/debug/foundry-emulator" || status=$?
echo
# `-q` hides Surefire's own summary: total its reports into the plain closing line.
cat target/surefire-reports/TEST-*.xml 2>/dev/null | sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)"[^>]*errors="\([0-9]*\)"[^>]*skipped="\([0-9]*\)"[^>]*failures="\([0-9]*\)".*/\1 \2 \3 \4/p' \
  | awk '{t += $1; e += $2; s += $3; f += $4} END {printf "kotlin: %d passed, %d failed, %d skipped\n", t - e - s - f, e + f, s}'
[[ $status -eq 0 ]] || exit "$status"
echo "Kotlin binding: all checks passed"
