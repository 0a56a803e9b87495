#!/usr/bin/env bash
# The Kotlin binding: builds the UniFFI cdylib (debug, workspace target dir) and the workspace's
# uniffi-bindgen, regenerates the Kotlin bindings in library mode and fails if the committed
# kotlin/src/main/kotlin/foundryclient/foundry_client_uniffi.kt differs, then runs the Maven
# build (the jar takes the .so as its linux-x86-64 JNA resource) and its JUnit tests against
# the emulator: the conformance vectors, the Kotlin-specific tests, the Ktor example compiled;
# then installs the jar into the local Maven repository and runs tests/consumers/kotlin/, a
# project outside kotlin/ that depends on it by its coordinates only, against the emulator.
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

step "mvn install (JUnit: conformance vectors, Kotlin surface, Ktor example; then the jar into ~/.m2)"
cd kotlin
rm -rf target/surefire-reports
status=0
mvn -q -B -Dstyle.color=never install -Dnative.dir="$target/debug" -Demulator.bin="$target/debug/foundry-emulator" || status=$?
echo
# `-q` hides Surefire's own summary: total its reports into the plain closing line.
cat target/surefire-reports/TEST-*.xml 2>/dev/null | sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)"[^>]*errors="\([0-9]*\)"[^>]*skipped="\([0-9]*\)"[^>]*failures="\([0-9]*\)".*/\1 \2 \3 \4/p' \
  | awk '{t += $1; e += $2; s += $3; f += $4} END {printf "kotlin: %d passed, %d failed, %d skipped\n", t - e - s - f, e + f, s}'
[[ $status -eq 0 ]] || exit "$status"

step "the jar carries the native library where JNA looks for it"
jar=target/foundry-client-0.1.0.jar
unzip -l "$jar" | grep ' linux-x86-64/libfoundry_client_uniffi\.so$' > /dev/null \
  || { echo "$jar lacks linux-x86-64/libfoundry_client_uniffi.so" >&2; exit 1; }
echo "$jar: $(du -k "$jar" | cut -f1) KiB"

step "tests/consumers/kotlin/: foundryclient:foundry-client:0.1.0 by its coordinates, one call to the emulator"
cd "$root/tests/consumers/kotlin"
rm -rf target
mvn -q -B -Dstyle.color=never compile
source "$root/scripts/lib/emulator.sh"
trap 'kill "${FOUNDRY_EMULATOR_PID:-}" 2>/dev/null || true' EXIT
start_emulator "$target/debug/foundry-emulator" target/emulator
# Nothing but the resolved classpath: no jna.library.path, no LD_LIBRARY_PATH. JNA's load log
# must show the library taken out of the installed jar.
env -u LD_LIBRARY_PATH FOUNDRY_ENDPOINT="$FOUNDRY_EMULATOR_ENDPOINT" FOUNDRY_API_KEY=emulator-key-0000 \
  java -Djna.debug_load=true -cp "target/classes:$(cat target/runtime-classpath.txt)" MainKt 2> target/jna-load.log
grep -q 'Found library resource at jar:file:.*/foundryclient/foundry-client/0\.1\.0/foundry-client-0\.1\.0\.jar!/linux-x86-64/libfoundry_client_uniffi\.so' target/jna-load.log \
  || { cat target/jna-load.log; echo "JNA did not load libfoundry_client_uniffi.so from the installed jar" >&2; exit 1; }
echo "libfoundry_client_uniffi.so came from the installed foundry-client-0.1.0.jar"
echo "Kotlin binding: all checks passed"
