// onEvent: the core's attempt and result events, camelCase, delivered on the JS thread
// without holding up calls or the process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { API_KEY, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const tick = () => new Promise((r) => setImmediate(r));

describe('onEvent', () => {
  it('receives one event per attempt and one per call', async () => {
    const events = [];
    const client = await scenarioClient(emu, 'node-events', {
      scenario: { deployments: { 'DeepSeek-V3.2': ['status=500', 'ok'] } },
      pricing: { input: 1, output: 2 },
      onEvent: (e) => events.push(e),
    });
    const r = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
    assert.equal(r.attempts, 2);
    for (let i = 0; i < 50 && events.length < 3; i++) await tick();
    assert.deepEqual(
      events.map((e) => e.type),
      ['attempt', 'attempt', 'result'],
    );
    const [first, second, result] = events;
    assert.equal(first.status, 500);
    assert.equal(first.error, 'server');
    assert.equal(first.attempt, 1);
    assert.equal(typeof first.retryInMs, 'number');
    assert.equal(first.requestId, 'req-node-events-1');
    assert.equal(second.status, 200);
    assert.equal(second.retryInMs, null);
    assert.equal(result.operation, 'chat');
    assert.equal(result.deployment, 'DeepSeek-V3.2');
    assert.equal(result.attempts, 2);
    assert.equal(result.usage.inputTokens, 2);
    assert.equal(result.usage.totalTokens, r.usage.total_tokens);
    assert.equal(result.costUsd, r.costUsd);
    assert.ok(result.costUsd > 0);
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.contentFiltered, false);
    assert.equal(result.error, null);
    assert.equal(typeof result.latencyMs, 'number');
    assert.ok(!('latency_ms' in result), 'snake_case key');
  });

  it('reports failed calls and streams', async () => {
    const events = [];
    const client = await scenarioClient(emu, 'node-events-fail', {
      retry: { max_retries: 0, base_delay_ms: 1, max_delay_ms: 1, max_server_wait_ms: 10 },
      onEvent: (e) => events.push(e),
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello('[[filter:hate]]') }),
    );
    const stream = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), stream: true });
    await stream.finalResult();
    for (let i = 0; i < 50 && events.filter((e) => e.type === 'result').length < 2; i++) await tick();
    const results = events.filter((e) => e.type === 'result');
    assert.equal(results[0].error, 'content_filter');
    assert.equal(results[0].contentFiltered, true);
    assert.equal(results[1].error, null);
    assert.equal(results[1].usage.outputTokens, 4);
  });

  it('a callback that throws is a warning, not a failure', async () => {
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const client = await scenarioClient(emu, 'node-events-throw', {
        onEvent: () => {
          throw new Error('observer bug');
        },
      });
      const r = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
      assert.equal(r.text, 'DeepSeek-V3.2 heard: Hello there');
      for (let i = 0; i < 50 && warnings.length < 2; i++) await tick();
      assert.ok(warnings.some((w) => /observer bug/.test(w.message)), 'no warning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a client with a callback does not keep the process alive', async () => {
    const script = `
      const { Foundry } = require(${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)});
      const client = new Foundry({ endpoint: ${JSON.stringify(emu.endpoint)}, apiKey: ${JSON.stringify(API_KEY)},
        env: {}, onEvent: (e) => { if (e.type === 'result') console.log('event', e.deployment); } });
      client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'hi' }] })
        .then((r) => console.log('answer', r.text));
      globalThis.keep = client;
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the process did not exit on its own; output: ${out}`));
      }, 10_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0);
    assert.match(out, /answer DeepSeek-V3.2 heard: hi/);
  });
});
