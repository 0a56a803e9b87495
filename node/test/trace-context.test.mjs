// The caller's OpenTelemetry span on the request (issue 14, part 3): with a current span, every
// call kind sends its W3C traceparent (and tracestate); the caller's own traceparent wins; with
// no span, or no @opentelemetry/api installed, nothing is added and calls still work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { context, createTraceState, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { startEmulator, requestLog } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const tracer = trace.getTracer('foundry-client-tests');

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

/** The traceparent a span's context is written as (W3C Trace Context, version 00). */
const traceparentOf = (span) => {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
};

/** Runs `fn` inside a new active span and returns that span's traceparent. */
const inSpan = (name, fn) =>
  tracer.startActiveSpan(name, async (span) => {
    try {
      await fn();
      return traceparentOf(span);
    } finally {
      span.end();
    }
  });

describe('trace context', () => {
  it('every call kind carries the current span as its traceparent', async () => {
    const client = await scenarioClient(emu, 'node-trace-kinds');
    const expected = [
      await inSpan('chat', () => client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() })),
      await inSpan('chat stream', async () => {
        const stream = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), stream: true });
        for await (const _ of stream);
      }),
      await inSpan('responses', () => client.responses.create({ model: 'gpt-5.1-codex', input: 'Hello there' })),
      await inSpan('responses stream', async () => {
        const stream = await client.responses.create({ model: 'gpt-5.1-codex', input: 'x y', stream: true });
        for await (const _ of stream);
      }),
      await inSpan('embeddings', () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'one' })),
    ];
    const log = await requestLog(emu.endpoint, 'node-trace-kinds');
    assert.deepEqual(
      log.map((r) => r.headers.traceparent),
      expected,
    );
    // Five spans, five traces: nothing leaks from one call's span into the next.
    assert.equal(new Set(expected.map((t) => t.split('-')[1])).size, 5);
    assert.ok(log.every((r) => r.headers.tracestate === undefined));
  });

  it('the sampled flag and the tracestate of the current span go out as they are', async () => {
    const client = await scenarioClient(emu, 'node-trace-state');
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
      traceState: createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
    };
    await context.with(trace.setSpanContext(context.active(), spanContext), () =>
      client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }),
    );
    const [request] = await requestLog(emu.endpoint, 'node-trace-state');
    assert.equal(request.headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
    assert.equal(request.headers.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it("the caller's own traceparent wins, in any case, with its tracestate", async () => {
    const client = await scenarioClient(emu, 'node-trace-own');
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await inSpan('outer', async () => {
      await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }, { headers: { TraceParent: own } });
      await client.chat.completions.create({
        model: 'DeepSeek-V3.2',
        messages: hello(),
        extra_headers: { traceparent: own, tracestate: 'mine=1' },
      });
      const stream = await client.responses.create(
        { model: 'gpt-5.1-codex', input: 'x', stream: true },
        { headers: { traceparent: own } },
      );
      for await (const _ of stream);
    });
    const log = await requestLog(emu.endpoint, 'node-trace-own');
    assert.deepEqual(
      log.map((r) => [r.headers.traceparent, r.headers.tracestate]),
      [
        [own, undefined],
        [own, 'mine=1'],
        [own, undefined],
      ],
    );
  });

  it('with no current span nothing is added', async () => {
    const client = await scenarioClient(emu, 'node-trace-none');
    await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
    // Once a span's callback has returned, its span is no longer current.
    await inSpan('done', async () => {});
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'one' });
    // A span context that is not valid (all-zero ids) is no trace to join.
    const invalid = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.SAMPLED };
    await context.with(trace.setSpanContext(context.active(), invalid), () =>
      client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }),
    );
    const log = await requestLog(emu.endpoint, 'node-trace-none');
    assert.equal(log.length, 3);
    assert.ok(
      log.every((r) => r.headers.traceparent === undefined && r.headers.tracestate === undefined),
      JSON.stringify(log.map((r) => r.headers)),
    );
  });
});

/** Runs `script` in a child node from node/ and resolves with its stdout (rejects on a non-zero exit). */
const runChild = (script, env = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited with ${code}: ${text}`))));
  });

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

it('importing the package does not load @opentelemetry/api; the first call does', async () => {
  const out = await runChild(
    `
    const loaded = () => Object.keys(require.cache).some((k) => k.includes('/@opentelemetry/api/'));
    const { Foundry } = require(${JSON.stringify(dist)});
    const before = loaded();
    const client = Foundry.fromCatalog({ defaults: { endpoint: process.env.EMU, auth: { type: 'api_key', key: 'emulator-key-0000' } },
                                        deployments: [{ name: 'DeepSeek-V3.2' }] }, { env: {} });
    client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'hi' }] })
      .then(() => console.log(JSON.stringify({ before, after: loaded() })));
  `,
    { EMU: emu.endpoint },
  );
  assert.deepEqual(JSON.parse(out), { before: false, after: true });
});

describe('without @opentelemetry/api', () => {
  it('a call inside a span adds nothing and succeeds when the package cannot load the API', async () => {
    // The child starts a span with the API, but the package's own require of it fails as it
    // would where the optional peer dependency is not installed.
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, parent, ...rest) {
        if (request === '@opentelemetry/api' && parent?.filename?.startsWith(${JSON.stringify(dist)})) {
          throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolve.call(this, request, parent, ...rest);
      };
      const { context, trace } = require('@opentelemetry/api');
      const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
      const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
      const { Foundry } = require(${JSON.stringify(dist)});
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      const client = Foundry.fromCatalog({
        defaults: { endpoint: process.env.EMU, auth: { type: 'api_key', key: 'emulator-key-0000' },
                    headers: { 'x-emulator-scenario': 'node-trace-no-api' } },
        deployments: [{ name: 'DeepSeek-V3.2' }],
      }, { env: {} });
      trace.getTracer('t').startActiveSpan('outer', async (span) => {
        const r = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: 'hi' }] });
        span.end();
        console.log(JSON.stringify({ text: r.text, span: span.spanContext().traceId }));
      });
    `;
    const out = await runChild(script, { EMU: emu.endpoint });
    const { text, span } = JSON.parse(out);
    assert.equal(text, 'DeepSeek-V3.2 heard: hi');
    assert.match(span, /^[0-9a-f]{32}$/);
    const [request] = await requestLog(emu.endpoint, 'node-trace-no-api');
    assert.equal(request.headers.traceparent, undefined);
  });
});
