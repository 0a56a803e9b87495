// Issue 10 on the Node side: numbers JSON cannot carry are refused naming the parameter
// (point 6), a panic in the addon is an InternalError rather than an aborted process or a bare
// Error (point 6), and a stream dropped without being iterated releases its abort listener and
// its connection once collected (point 8).
import assert from 'node:assert/strict';
import { getEventListeners, setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import { FoundryError, InternalError, InvalidRequestError } from '../index.mjs';
import { requestLog, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient, waitForLog } from './helpers/client.mjs';

const require = createRequire(import.meta.url);
const native = require('../native.js');
const { fromNative } = require('../dist/errors.js');

// `global.gc` without a `--expose-gc` on the command line (node --test starts each file).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const refused = (message) => (e) => {
  assert.ok(e instanceof InvalidRequestError && e instanceof FoundryError, `not an InvalidRequestError: ${e}`);
  assert.equal(e.kind, 'invalid_request');
  assert.equal(e.toJSON().message, message);
  return true;
};

describe('numbers', () => {
  for (const [ms, shown] of [
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ]) {
    it(`a timeout option of ${shown} ms is refused before anything is sent`, async () => {
      const client = await scenarioClient(emu, 'node-numbers-timeout');
      await assert.rejects(
        client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }, { timeout: ms }),
        refused(`timeout must be a finite number, got ${shown}`),
      );
      assert.deepEqual(await requestLog(emu.endpoint, 'node-numbers-timeout'), []);
    });
  }

  for (const seconds of [-1, 0, 1e300]) {
    it(`a request timeout of ${seconds} s is refused by the core's range check`, async () => {
      const client = await scenarioClient(emu, 'node-numbers-range');
      await assert.rejects(
        client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), timeout: seconds }),
        (e) => e instanceof InvalidRequestError && /^timeout must be a positive number of seconds, at most 604800 \(a week\), got /.test(e.toJSON().message),
      );
      await assert.rejects(
        client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }, { timeout: seconds * 1000 }),
        InvalidRequestError,
      );
      assert.deepEqual(await requestLog(emu.endpoint, 'node-numbers-range'), []);
    });
  }

  it('NaN, Infinity and integers past 2^53 in any parameter are refused, naming it', async () => {
    const client = await scenarioClient(emu, 'node-numbers-params');
    const call = (params) => client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), ...params });
    await assert.rejects(call({ max_tokens: NaN }), refused('max_tokens must be a finite number, got NaN'));
    await assert.rejects(call({ temperature: Infinity }), refused('temperature must be a finite number, got Infinity'));
    await assert.rejects(
      call({ seed: 2 ** 53 }),
      refused(
        'seed must be an integer from -(2^53 - 1) to 2^53 - 1 (Number.MAX_SAFE_INTEGER), got 9007199254740992: larger integers are not exact in JavaScript',
      ),
    );
    await assert.rejects(call({ n: 2n ** 64n }), refused(`n must be an integer from -(2^53 - 1) to 2^53 - 1, got ${2n ** 64n}n`));
    await assert.rejects(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: NaN }),
      refused('dimensions must be a finite number, got NaN'),
    );
    await assert.rejects(call({ max_tokens: -1 }), refused('max_tokens must be a positive integer, got -1'));
    assert.deepEqual(await requestLog(emu.endpoint, 'node-numbers-params'), []);
  });

  it('a large count JSON holds exactly reaches the service unchanged (never wrapped)', async () => {
    const client = await scenarioClient(emu, 'node-numbers-sent');
    await client.chat.completions
      .create({ model: 'DeepSeek-V3.2', messages: hello(), max_tokens: 2 ** 40, seed: 5n })
      .catch((e) => assert.ok(e instanceof FoundryError, String(e)));
    const [sent] = await requestLog(emu.endpoint, 'node-numbers-sent');
    assert.equal(sent.body.max_tokens, 2 ** 40);
    assert.equal(sent.body.seed, 5);
  });
});

describe('panics', () => {
  it('a panic in a synchronous addon call throws InternalError instead of aborting the process', () => {
    assert.throws(
      () => native.debugPanic(true),
      (e) => {
        const mapped = fromNative(e);
        assert.ok(mapped instanceof InternalError && mapped instanceof FoundryError, String(mapped));
        assert.equal(mapped.kind, 'internal');
        assert.equal(mapped.retryable, false);
        assert.equal(mapped.toJSON().message, 'internal error in foundry-client: debugPanic(true); please report it');
        return true;
      },
    );
  });

  it('a panic in a spawned call rejects with InternalError', async () => {
    await assert.rejects(native.debugPanic(false), (e) => {
      const mapped = fromNative(e);
      assert.ok(mapped instanceof InternalError, String(mapped));
      assert.equal(mapped.toJSON().message, 'internal error in foundry-client: debugPanic(false); please report it');
      return true;
    });
  });
});

describe('streams dropped without being iterated', () => {
  it('release the abort listener on the signal and close their connections once collected', { timeout: 60_000 }, async () => {
    // Paced slowly, so that a connection still open is one the client did not close.
    const client = await scenarioClient(emu, 'node-stream-dropped');
    const controller = new AbortController();
    const signal = controller.signal;
    setMaxListeners(100, signal); // 50 listeners at once is what this test is about
    const open = async () => {
      for (let i = 0; i < 50; i++) {
        await client.chat.completions.create(
          { model: 'Kimi-K2.6', messages: hello(), stream: true },
          { signal, headers: { 'x-emulator-fault': 'chunk-delay-ms=5000' } },
        );
      }
    };
    await open();
    assert.equal(getEventListeners(signal, 'abort').length, 50);
    // Collected in a few rounds: finalizers run as tasks after a collection.
    const deadline = Date.now() + 30_000;
    while (getEventListeners(signal, 'abort').length > 0 && Date.now() < deadline) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(getEventListeners(signal, 'abort').length, 0);
    // The emulator notices a hang-up at its next write (every 5 s here): all 50 were cut off
    // mid-stream, before any of them could finish on its own.
    const log = await waitForLog(
      emu,
      'node-stream-dropped',
      (l) => l.length === 50 && l.every((r) => r.aborted === true),
      15_000,
    );
    assert.equal(log.length, 50);
    assert.equal(signal.aborted, false);
  });
});
