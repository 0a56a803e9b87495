#!/usr/bin/env bash
# Instructions per call under callgrind (issue 14): each client makes cell 1's call (the 1.2 KB
# answer) N1 and then N2 times in a fresh process (and each parser parses it, in process); (I(N2) - I(N1)) / (N2 - N1) is its
# instructions per call (per stream for stream-* and first-token-*), with start-up, connection set-up and the mock cancelled out. The figure
# repeats to a fraction of a percent on a loaded machine where wall time does not: it decides
# each optimisation. Prints a table with ratios against bare reqwest and writes
# target/bench/callgrind.json. Not part of `make test` (valgrind is slow: about a minute a row).
#
#   tests/bench/callgrind.sh                       # every client, N1=200, N2=1200
#   tests/bench/callgrind.sh call-core call-reqwest
#   N1=100 N2=600 tests/bench/callgrind.sh
#   SKIP_BUILD=1 BENCH=path/to/foundry-bench tests/bench/callgrind.sh   # an earlier build
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v valgrind >/dev/null || { echo "callgrind.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
n1=${N1:-200}
n2=${N2:-1200}
whats=("$@")
[ ${#whats[@]} -gt 0 ] || whats=(call-reqwest call-async-openai call-liter-llm call-core call-ungoverned call-governed parse-value parse-async-openai parse-core stream-reqwest stream-core first-token-reqwest first-token-core)
out=target/bench
mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release --quiet -p foundry-bench
fi
bench=${BENCH:-target/release/foundry-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Total instructions (Ir) of one run of `count`; the mock child is not traced.
instructions() {
    local what=$1 n=$2 file="$work/$1.$2.out"
    valgrind --tool=callgrind --callgrind-out-file="$file" "$bench" count --what "$what" --calls "$n" \
        >/dev/null 2>"$work/$1.$2.log" || { cat "$work/$1.$2.log" >&2; exit 1; }
    awk '/^(summary|totals):/ {print $2; exit}' "$file"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
json="{\"n1\": $n1, \"n2\": $n2, \"load_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"instructions_per_call\": {"
declare -A per_call
sep=""
for what in "${whats[@]}"; do
    echo "callgrind: $what at $n1 and $n2 calls..." >&2
    a=$(instructions "$what" "$n1")
    b=$(instructions "$what" "$n2")
    per_call[$what]=$(( (b - a) / (n2 - n1) ))
    json+="$sep\"$what\": ${per_call[$what]}"
    sep=", "
done
json+="}}"
echo "$json" > "$out/callgrind.json"

# Calls compare with bare reqwest's call, parses with the bare `Value` parse.
printf '| work | instructions per call | vs bare reqwest (calls) or a bare Value parse (parses) |\n|---|---:|---:|\n'
for what in "${whats[@]}"; do
    case $what in
        parse-*) base=${per_call[parse-value]:-} ;;
        stream-*) base=${per_call[stream-reqwest]:-} ;;
        first-token-*) base=${per_call[first-token-reqwest]:-} ;;
        *) base=${per_call[call-reqwest]:-} ;;
    esac
    ratio="-"
    [ -n "$base" ] && ratio=$(awk -v a="${per_call[$what]}" -v b="$base" 'BEGIN {printf "%.3fx", a / b}')
    printf '| %s | %s | %s |\n' "${what#call-}" "${per_call[$what]}" "$ratio"
done
echo "wrote $out/callgrind.json" >&2
