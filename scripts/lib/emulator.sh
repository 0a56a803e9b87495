# Sourced by the language scripts whose packaged example runs outside a test harness:
# `start_emulator <binary> <dir>` starts the emulator on a free port with the conformance
# catalog and sets FOUNDRY_EMULATOR_ENDPOINT and FOUNDRY_EMULATOR_PID (the caller's EXIT trap
# kills it: a trap set here would replace the caller's own).
FOUNDRY_EMULATOR_CATALOG=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/conformance" && pwd)/emulator.yaml

start_emulator() {
  local binary=$1 dir=$2
  mkdir -p "$dir"
  local info="$dir/emulator.json"
  rm -f "$info"
  "$binary" --config "$FOUNDRY_EMULATOR_CATALOG" --port 0 > "$info" &
  FOUNDRY_EMULATOR_PID=$!
  for _ in $(seq 100); do
    [[ -s "$info" ]] && break
    sleep 0.1
  done
  FOUNDRY_EMULATOR_ENDPOINT=$(sed -n 's/.*"endpoint":"\([^"]*\)".*/\1/p' "$info")
  [[ -n "$FOUNDRY_EMULATOR_ENDPOINT" ]] || { echo "the emulator did not start (see $info)" >&2; return 1; }
  export FOUNDRY_EMULATOR_ENDPOINT
}
