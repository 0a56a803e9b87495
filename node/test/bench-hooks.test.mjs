// The benchmark hooks of issue 6's cell 4 (no-op calls into the addon): they work, and stay
// out of the public API. Their cost is measured by tests/bench/node/bench.mjs, never here.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';

import * as api from 'foundry-client';

const require = createRequire(import.meta.url);
const native = require('../native.js');

it('benchNoop returns undefined', () => {
  assert.equal(native.benchNoop(), undefined);
});

it('benchNoopAsync returns a Promise that resolves to undefined', async () => {
  const p = native.benchNoopAsync();
  assert.ok(p instanceof Promise);
  assert.equal(await p, undefined);
});

it('1,000 concurrent benchNoopAsync calls all resolve', async () => {
  const results = await Promise.all(Array.from({ length: 1000 }, () => native.benchNoopAsync()));
  assert.equal(results.length, 1000);
  assert.ok(results.every((r) => r === undefined));
});

it('the hooks are not exported by the package', () => {
  assert.equal(api.benchNoop, undefined);
  assert.equal(api.benchNoopAsync, undefined);
});
