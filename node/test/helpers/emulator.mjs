// Starts the `foundry-emulator` binary (tests/emulator) with the conformance config and reads
// the one JSON line it prints: {endpoint, https_endpoint, ca_file}.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const API_KEY = 'emulator-key-0000';

export async function startEmulator() {
  const bin = process.env.FOUNDRY_EMULATOR_BIN ?? `${REPO}target/debug/foundry-emulator`;
  const child = spawn(bin, ['--config', `${REPO}tests/conformance/emulator.yaml`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`foundry-emulator exited with ${code} before it listened`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  child.removeAllListeners('exit');
  const info = JSON.parse(firstLine);
  return {
    ...info,
    caPem: readFileSync(info.ca_file, 'utf8'),
    stop: () => child.kill('SIGTERM'),
  };
}

/** Registers (or resets) a scenario: POST {endpoint}_emulator/scenarios/{name}. */
export async function registerScenario(endpoint, name, scenario = {}) {
  const res = await fetch(`${endpoint}_emulator/scenarios/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(scenario),
  });
  if (!res.ok) throw new Error(`scenario ${name} refused: ${await res.text()}`);
}

/** The model calls a scenario's requests made, in arrival order. */
export async function requestLog(endpoint, name) {
  const res = await fetch(`${endpoint}_emulator/scenarios/${name}/requests`);
  return res.json();
}
