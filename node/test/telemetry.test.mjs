// The core's OpenTelemetry export from Node (issue 14, part 3), received by the emulator's OTLP
// receiver: a call under the caller's span is the parent of the core's span, which the request
// carries; the GenAI metrics arrive; flushTelemetry() sends them, and so does a process that
// simply runs out of work ('beforeExit'). The export is set up once per process from OTEL_*, so
// each case runs in a child process with those variables set.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { flushTelemetry } from '../index.mjs';
import { registerScenario, requestLog, startEmulator } from './helpers/emulator.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * A child that makes `calls` (an async function body using `client`) under a caller's span,
 * with the export pointed at the emulator; prints the caller span's ids and what `finish`
 * returns. Batching is set to wait a minute, so only a flush sends anything in time.
 */
function runTraced(service, scenario, calls, finish) {
  const script = `
    const { context, trace } = require('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
    const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
    const { Foundry, flushTelemetry } = require(${JSON.stringify(dist)});
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    const client = Foundry.fromCatalog({
      defaults: { endpoint: process.env.EMU, auth: { type: 'api_key', key: 'emulator-key-0000' },
                  headers: { 'x-emulator-scenario': ${JSON.stringify(scenario)} } },
      deployments: [{ name: 'DeepSeek-V3.2', pricing: { input: 0.14, output: 0.42 } }, { name: 'text-embedding-3-small' }],
    }, { env: {} });
    trace.getTracer('caller').startActiveSpan('caller', async (span) => {
      ${calls}
      span.end();
      const { traceId, spanId } = span.spanContext();
      const finished = await (async () => { ${finish} })();
      console.log(JSON.stringify({ traceId, spanId, finished }));
    });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        EMU: emu.endpoint,
        OTEL_EXPORTER_OTLP_ENDPOINT: emu.endpoint.replace(/\/$/, ''),
        OTEL_SERVICE_NAME: service,
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited with ${code}: ${out}`))));
  });
}

async function received() {
  const res = await fetch(`${emu.endpoint}_emulator/otlp`);
  return res.json();
}

const ofService = (items, service) => items.filter((x) => x.resource['service.name'] === service);

describe('OpenTelemetry export', () => {
  it("the core's spans are children of the caller's span, with the GenAI attributes and metrics", async () => {
    await registerScenario(emu.endpoint, 'node-otel');
    const caller = await runTraced(
      'node-otel-flush',
      'node-otel',
      `
      await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'say hello' }] });
      const stream = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'x' }], stream: true });
      for await (const _ of stream);
      await client.embeddings.create({ model: 'text-embedding-3-small', input: 'one' });
      `,
      'return flushTelemetry();',
    );
    assert.equal(caller.finished, true, 'flushTelemetry() resolved false');
    const got = await received();
    const spans = ofService(got.spans, 'node-otel-flush');
    assert.deepEqual(spans.map((s) => s.name).sort(), ['chat DeepSeek-V3.2', 'chat DeepSeek-V3.2', 'embeddings text-embedding-3-small']);
    for (const span of spans) {
      assert.equal(span.trace_id, caller.traceId, JSON.stringify(span));
      assert.equal(span.parent_span_id, caller.spanId, JSON.stringify(span));
      assert.equal(span.kind, 'client');
      assert.equal(span.scope, 'foundry-client');
      assert.equal(span.attributes['gen_ai.provider.name'], 'azure.ai.openai');
    }
    const [chat] = spans;
    assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(chat.attributes['gen_ai.request.model'], 'DeepSeek-V3.2');
    assert.equal(chat.attributes['foundry.deployment'], 'DeepSeek-V3.2');
    assert.ok(chat.attributes['gen_ai.usage.input_tokens'] > 0);
    assert.ok(chat.attributes['gen_ai.usage.output_tokens'] > 0);
    assert.ok(chat.attributes['foundry.cost_usd'] > 0);
    assert.equal(chat.attributes['foundry.attempts'], 1);
    const embeddings = spans.find((s) => s.name.startsWith('embeddings'));
    assert.equal(embeddings.attributes['gen_ai.operation.name'], 'embeddings');
    // The service saw each call's core span as its parent, in the caller's trace.
    const log = await requestLog(emu.endpoint, 'node-otel');
    assert.deepEqual(
      log.map((r) => r.headers.traceparent.split('-').slice(0, 3).join('-')).sort(),
      spans.map((s) => `00-${caller.traceId}-${s.span_id}`).sort(),
    );
    // The GenAI client metrics, from this process.
    const metrics = ofService(got.metrics, 'node-otel-flush');
    const names = new Set(metrics.map((m) => m.name));
    for (const name of ['gen_ai.client.operation.duration', 'gen_ai.client.token.usage', 'foundry.client.cost']) {
      assert.ok(names.has(name), `${name} not received: ${[...names]}`);
    }
    const durations = metrics.find((m) => m.name === 'gen_ai.client.operation.duration').points;
    const chatDuration = durations.find(
      (p) => p.attributes['gen_ai.request.model'] === 'DeepSeek-V3.2' && p.attributes['gen_ai.operation.name'] === 'chat',
    );
    assert.equal(chatDuration.count, 2);
    const tokens = metrics.find((m) => m.name === 'gen_ai.client.token.usage').points;
    assert.ok(tokens.some((p) => p.attributes['gen_ai.token.type'] === 'input' && p.sum > 0));
    // No secret reaches the receiver.
    assert.ok(!JSON.stringify(got).includes('emulator-key-0000'));
  });

  it('a process that runs out of work flushes at beforeExit', async () => {
    await registerScenario(emu.endpoint, 'node-otel-exit');
    const caller = await runTraced(
      'node-otel-exit',
      'node-otel-exit',
      "await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'bye' }] });",
      'return null;',
    );
    const spans = ofService((await received()).spans, 'node-otel-exit');
    assert.equal(spans.length, 1, JSON.stringify(spans));
    assert.equal(spans[0].parent_span_id, caller.spanId);
  });

  it('without OTEL_* in this process, flushTelemetry() resolves true at once and nothing is sent', async () => {
    const before = (await received()).requests;
    assert.equal(await flushTelemetry(), true);
    assert.deepEqual((await received()).requests, before);
  });
});
