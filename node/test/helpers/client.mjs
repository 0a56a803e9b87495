// A client on the emulator for one scenario, as the Node-specific tests use it.
import { Foundry } from '../../index.mjs';
import { API_KEY, registerScenario } from './emulator.mjs';

/** Registers `scenario` under `name` and returns a client whose calls all carry it. */
export async function scenarioClient(emu, name, { scenario = {}, retry, pricing, onEvent, governance } = {}) {
  await registerScenario(emu.endpoint, name, scenario);
  const deployments = ['DeepSeek-V3.2', 'Kimi-K2.6', 'gpt-4o-mini', 'text-embedding-3-small'].map((n) => ({
    name: n,
    ...(pricing && { pricing }),
  }));
  deployments.push({ name: 'gpt-5.1-codex', responses_only: true, max_tokens_param: 'max_completion_tokens' });
  deployments.push({ name: 'Phi-4', shape: 'inference' });
  return Foundry.fromCatalog(
    {
      defaults: {
        endpoint: emu.endpoint,
        auth: { type: 'api_key', key: API_KEY },
        headers: { 'x-emulator-scenario': name },
        retry: retry ?? { max_retries: 2, base_delay_ms: 5, max_delay_ms: 20, max_server_wait_ms: 2000 },
      },
      deployments,
      ...(governance && { governance }),
    },
    { env: {}, ...(onEvent && { onEvent }) },
  );
}

export const hello = (text = 'Hello there') => [{ role: 'user', content: text }];

/** Polls the scenario's request log until `check(log)` holds (the emulator notices a hang-up
 * when it next writes), or fails after `ms`. */
export async function waitForLog(emu, name, check, ms = 3000) {
  const { requestLog } = await import('./emulator.mjs');
  const deadline = Date.now() + ms;
  let log = [];
  while (Date.now() < deadline) {
    log = await requestLog(emu.endpoint, name);
    if (check(log)) return log;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the request log never satisfied the check: ${JSON.stringify(log)}`);
}
