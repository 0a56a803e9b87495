#!/usr/bin/env bash
# The one benchmark command (issue 6): builds the bench in release, runs the Rust cells against
# a loopback mock, then the Python, Node and Kotlin benchmarks where their scripts exist, and
# prints one combined table. Every number, the machine and the load land in
# target/bench/results.json. Benchmarks print; they never fail on a number.
#
#   tests/bench/run.sh                 # the full run (about 19 minutes on 2 cores, plus the builds)
#   tests/bench/run.sh --quick         # a smoke run of the same cells (numbers not meaningful)
#   tests/bench/run.sh --only 1,1b     # just these Rust cells (1, 1b, 2, 3, 8, g, q): no other
#                                      # language's bench runs
#
# The release build shares nothing with the debug build `make test` uses: the first run
# compiles every dependency again, which takes a few minutes on 2 cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=target/bench
mkdir -p "$out"
rm -f "$out"/rust.json "$out"/results.json "$out"/{python,node,kotlin}.{json,status,stdout.txt}

# Cell 2 holds 1,000 connections open at once.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "load average before the build: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "building foundry-bench in release (a few minutes on a fresh checkout)..." >&2
cargo build --release --quiet -p foundry-bench
bench=target/release/foundry-bench

"$bench" run --no-table --out "$out" "$@"

# `--only` names Rust cells: the other languages' benches run only in a full (or quick) run.
only=0
for arg in "$@"; do
    [ "$arg" = "--only" ] && only=1
done

for lang in python node kotlin; do
    [ "$only" = 1 ] && break
    script="tests/bench/$lang/run.sh"
    [ -f "$script" ] || continue
    # Its stdout (its table) is printed once, with the combined report; progress goes to stderr.
    echo "running $script (its table follows the combined one)..." >&2
    set +e
    timeout 900 bash "$script" > "$out/$lang.stdout.txt"
    status=$?
    set -e
    echo "$status" > "$out/$lang.status"
done

"$bench" report --out "$out"
