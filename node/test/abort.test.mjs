// Cancellation: `break` in `for await`, an AbortSignal on any call, and the stream's own
// controller all abort the HTTP request; the emulator's log shows `aborted: true`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { APIUserAbortError, AbortError, FoundryError } from '../index.mjs';
import { requestLog, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient, waitForLog } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

// Paced so that the client can hang up while the emulator still has events to write.
const PACED = { headers: { 'x-emulator-fault': 'chunk-delay-ms=5' } };
const aborted = (log) => log.length === 1 && log[0].aborted === true;

describe('aborting', () => {
  it('break in for-await closes the connection', async () => {
    const client = await scenarioClient(emu, 'node-abort-break');
    const stream = await client.chat.completions.create(
      { model: 'Kimi-K2.6', messages: hello(), stream: true },
      PACED,
    );
    let seen = 0;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (++seen === 3) break;
    }
    assert.equal(seen, 3);
    const log = await waitForLog(emu, 'node-abort-break', aborted);
    assert.equal(log[0].status, 200);
    await assert.rejects(stream.finalResult(), AbortError);
  });

  it('an AbortSignal aborts a stream mid-way', async () => {
    const client = await scenarioClient(emu, 'node-abort-signal-stream');
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'Kimi-K2.6', messages: hello(), stream: true },
      { ...PACED, signal: controller.signal },
    );
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) {
          if (++seen === 2) controller.abort();
        }
      })(),
      (e) => e instanceof APIUserAbortError && e instanceof AbortError && e instanceof FoundryError && e.kind === 'cancelled' && e.code === null && e.name === 'APIUserAbortError',
    );
    assert.ok(seen >= 2 && seen < 10, `chunks after the abort: ${seen}`);
    await waitForLog(emu, 'node-abort-signal-stream', aborted);
  });

  it('the stream controller aborts a pending read', async () => {
    const client = await scenarioClient(emu, 'node-abort-controller');
    const stream = await client.chat.completions.create(
      { model: 'DeepSeek-V3.2', messages: hello('one two three four'), stream: true },
      { headers: { 'x-emulator-fault': 'chunk-delay-ms=2000' } },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    const pending = iterator.next();
    setTimeout(() => stream.controller.abort(), 50);
    const started = Date.now();
    await assert.rejects(pending, AbortError);
    assert.ok(Date.now() - started < 1500, 'the pending read waited for the next event');
    await waitForLog(emu, 'node-abort-controller', aborted);
  });

  it('an AbortSignal aborts a non-streamed call in flight', async () => {
    const client = await scenarioClient(emu, 'node-abort-call');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    const started = Date.now();
    await assert.rejects(
      client.chat.completions.create(
        { model: 'DeepSeek-V3.2', messages: hello() },
        { signal: controller.signal, headers: { 'x-emulator-fault': 'delay-ms=5000' } },
      ),
      (e) => e instanceof AbortError && e.cause instanceof Error && e.cause.message === 'user gave up',
    );
    assert.ok(Date.now() - started < 2000, 'the call was not cut short');
    await waitForLog(emu, 'node-abort-call', aborted);
  });

  it('a signal in the request body works the same', async () => {
    const client = await scenarioClient(emu, 'node-abort-body-signal');
    const signal = AbortSignal.timeout(100);
    await assert.rejects(
      client.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'x',
        signal,
        extra_headers: { 'x-emulator-fault': 'delay-ms=5000' },
      }),
      AbortError,
    );
    const log = await waitForLog(emu, 'node-abort-body-signal', aborted);
    assert.equal(log[0].body.signal, undefined, 'the signal was sent as a parameter');
  });

  it('an already-aborted signal sends nothing', async () => {
    const client = await scenarioClient(emu, 'node-abort-before');
    const signal = AbortSignal.abort();
    await assert.rejects(client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }, { signal }), AbortError);
    await assert.rejects(
      client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), stream: true }, { signal }),
      AbortError,
    );
    await assert.rejects(client.responses.create({ model: 'gpt-5.1-codex', input: 'x' }, { signal }), AbortError);
    assert.deepEqual(await requestLog(emu.endpoint, 'node-abort-before'), []);
  });

  it('a signal that never fires changes nothing', async () => {
    const client = await scenarioClient(emu, 'node-abort-unfired');
    const controller = new AbortController();
    const r = await client.chat.completions.create(
      { model: 'DeepSeek-V3.2', messages: hello() },
      { signal: controller.signal },
    );
    assert.equal(r.text, 'DeepSeek-V3.2 heard: Hello there');
    const stream = await client.chat.completions.create(
      { model: 'DeepSeek-V3.2', messages: hello(), stream: true },
      { signal: controller.signal },
    );
    const final = await stream.finalResult();
    assert.equal(final.text, 'DeepSeek-V3.2 heard: Hello there');
    controller.abort(); // after the end: nothing left to abort
    const log = await requestLog(emu.endpoint, 'node-abort-unfired');
    assert.deepEqual(
      log.map((e) => e.aborted),
      [false, false],
    );
  });
});
