// The conformance matcher itself: what it accepts and what it refuses.
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { mismatch } from './helpers/matcher.mjs';

it('matches subsets, arrays by position and numbers within 1e-9', () => {
  assert.equal(mismatch({ a: 1, b: { c: 'x' } }, { a: 1 + 1e-12, b: { c: 'x', d: 2 }, e: 3 }), null);
  assert.equal(mismatch([1, { a: 2 }], [1, { a: 2, b: 3 }]), null);
  assert.equal(mismatch({ a: null }, {}), null);
  assert.match(mismatch({ a: 1 }, { a: 2 }), /\$\.a: want 1, got 2/);
  assert.match(mismatch({ a: 1 }, {}), /\$\.a: missing/);
  assert.match(mismatch([1], [1, 2]), /want 1 items, got 2/);
  assert.match(mismatch({ a: 'x' }, { a: 'y' }), /\$\.a/);
  assert.notEqual(mismatch({ a: 1 }, { a: '1' }), null);
});

it('understands the matcher objects', () => {
  assert.equal(mismatch({ a: { $contains: 'ell' } }, { a: 'hello' }), null);
  assert.notEqual(mismatch({ a: { $contains: 'z' } }, { a: 'hello' }), null);
  assert.equal(mismatch({ a: { $gte: 2, $lte: 3 } }, { a: 2.5 }), null);
  assert.notEqual(mismatch({ a: { $gte: 3 } }, { a: 2.5 }), null);
  assert.equal(mismatch({ a: { $absent: true } }, {}), null);
  assert.equal(mismatch({ a: { $absent: true } }, { a: null }), null);
  assert.notEqual(mismatch({ a: { $absent: true } }, { a: 0 }), null);
  assert.equal(mismatch({ a: { $len: 2 } }, { a: [1, 2] }), null);
  assert.equal(mismatch({ a: { $len: 2 } }, { a: 'hé' }), null);
  assert.notEqual(mismatch({ a: { $len: 2 } }, { a: [1] }), null);
  assert.match(mismatch({ a: { $nope: 1 } }, { a: 1 }), /unknown matcher/);
});
