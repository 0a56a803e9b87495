// Issue 13 in Node: the constructor is openai-node's (`config` with `endpoint` is the core's
// conflict error), `withOptions` derives a client, a stream read after a cancel rejects with
// `cancelled` and after the end keeps ending, and a token provider's rejection is the cause.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { APIUserAbortError, ConfigError, CredentialError, Foundry } from '../index.mjs';
import { API_KEY, registerScenario, requestLog, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const PACED = { headers: { 'x-emulator-fault': 'chunk-delay-ms=5' } };

describe('construction', () => {
  it('config and endpoint together are the core conflict error, not config winning', () => {
    assert.throws(
      () => new Foundry({ config: '/no/such.yaml', endpoint: emu.endpoint, env: {} }),
      (e) => e instanceof ConfigError && /both a catalog/.test(e.message),
    );
  });

  it('a bad timeout or maxRetries fails at construction, under the caller name', () => {
    const base = { endpoint: emu.endpoint, apiKey: API_KEY, env: {} };
    assert.throws(() => new Foundry({ ...base, timeout: -5 }), (e) => e instanceof ConfigError && /timeout/.test(e.message));
    assert.throws(() => new Foundry({ ...base, maxRetries: 99 }), (e) => e instanceof ConfigError && /max_retries/.test(e.message));
    assert.throws(() => new Foundry({ ...base, maxRetries: 1.5 }), ConfigError);
  });

  it('withOptions returns a new client with its own headers; the original is unchanged', async () => {
    await registerScenario(emu.endpoint, 'node-with-options', {});
    const client = new Foundry({
      endpoint: emu.endpoint,
      apiKey: API_KEY,
      env: {},
      defaultHeaders: { 'x-emulator-scenario': 'node-with-options' },
    });
    const derived = client.withOptions({ defaultHeaders: { 'x-team': 'ads' }, timeout: 30_000, maxRetries: 0 });
    assert.ok(derived instanceof Foundry && derived !== client);
    await derived.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
    await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
    const log = await requestLog(emu.endpoint, 'node-with-options');
    assert.equal(log.length, 2);
    assert.equal(log[0].headers['x-team'], 'ads');
    assert.equal(log[1].headers['x-team'], undefined);
    assert.throws(() => client.withOptions({ timeout: 0 }), (e) => e instanceof ConfigError && /with_options/.test(e.message));
  });

  it("azureADTokenProvider's rejection is the CredentialError's cause", async () => {
    const reason = new Error('no token for this identity', { cause: new Error('the vault is sealed') });
    const client = new Foundry({
      endpoint: emu.endpoint,
      env: {},
      azureADTokenProvider: async () => {
        throw reason;
      },
    });
    const e = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }).catch((x) => x);
    assert.ok(e instanceof CredentialError, String(e));
    assert.equal(e.kind, 'credential');
    assert.ok(e.cause instanceof Error);
    assert.equal(e.cause.message, 'no token for this identity');
    assert.equal(e.cause.cause?.message, 'the vault is sealed');
  });
});

describe('streams (the core StreamHandle)', () => {
  it('a read after cancel() rejects with cancelled, never a quiet end', async () => {
    const client = await scenarioClient(emu, 'node-stream-cancel-read');
    const stream = await client.chat.completions.create({ model: 'Kimi-K2.6', messages: hello(), stream: true }, PACED);
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    stream.abort();
    await assert.rejects(it.next(), (e) => e instanceof APIUserAbortError && e.kind === 'cancelled');
    await assert.rejects(stream.finalResult(), APIUserAbortError);
  });

  it('controller.abort() then read rejects with cancelled', async () => {
    const client = await scenarioClient(emu, 'node-stream-controller-read');
    const stream = await client.chat.completions.create({ model: 'Kimi-K2.6', messages: hello(), stream: true }, PACED);
    stream.controller.abort();
    await assert.rejects(stream.finalResult(), (e) => e instanceof APIUserAbortError && e.kind === 'cancelled');
  });

  it('after a clean end a read ends again and the result stays', async () => {
    const client = await scenarioClient(emu, 'node-stream-clean-end');
    const stream = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), stream: true });
    const it = stream[Symbol.asyncIterator]();
    let n = 0;
    while (!(await it.next()).done) n += 1;
    assert.ok(n > 0);
    assert.equal((await it.next()).done, true);
    for (let i = 0; i < 2; i += 1) {
      const r = await stream.finalResult();
      assert.equal(r.choices[0].message.content, 'DeepSeek-V3.2 heard: Hello there');
    }
  });
});
