#!/usr/bin/env bash
# The Kotlin benchmark (printed, never asserted): the binding's Foundry.chat against a
# hand-written Ktor HttpClient call (the usage guide's snippet, plus reading the answer's text)
# of the same deployment on the emulator, in one JVM: per-call latency at concurrency 1 and
# throughput at concurrency 64 (cell 7); and a no-op sync and suspend call into Rust against
# the same calls in plain Kotlin (cell 4). Release builds of the emulator and the cdylib. Prints
# tables; writes its rows to target/bench/kotlin.json for tests/bench/run.sh's combined report.
# BENCH_QUICK=1 does a fraction of the work: a check that it runs, not a measurement.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$target/bench"

echo "building the emulator and the UniFFI library in release..." >&2
cargo build --quiet --release -p foundry-emulator -p foundry-client-uniffi

emulator_out="$target/bench/kotlin-emulator.json"
"$target/release/foundry-emulator" > "$emulator_out" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
# Wait for the endpoint itself: the file can be non-empty before its line is complete.
endpoint=
for _ in $(seq 100); do
  endpoint=$(sed -n 's/.*"endpoint":"\([^"]*\)".*/\1/p' "$emulator_out")
  [[ -n "$endpoint" ]] && break
  sleep 0.1
done
[[ -n "$endpoint" ]] || { echo "the emulator did not start" >&2; exit 1; }

echo "compiling and running the Kotlin benchmark..." >&2
# Maven's console still emits a colour reset now and then: strip escapes from the table.
mvn -q -B -Dstyle.color=never -f tests/bench/kotlin/pom.xml compile exec:java \
  -Dnative.dir="$target/release" -Dexec.args="$endpoint $target/bench/kotlin.json" |
  sed 's/\x1b\[[0-9;]*m//g'
