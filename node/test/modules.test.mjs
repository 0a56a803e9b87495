// The package's two entry points: `import` (index.mjs) and `require` (dist/index.js) give
// the same classes, so `instanceof` holds whichever way an error class was loaded.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';

import * as esm from 'foundry-client';

const require = createRequire(import.meta.url);

it('import and require resolve to one module', () => {
  const cjs = require('foundry-client');
  const cjsNames = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule').sort();
  const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
  assert.deepEqual(esmNames, cjsNames, 'index.mjs re-exports every CommonJS export');
  for (const name of cjsNames) assert.equal(esm[name], cjs[name], name);
  assert.equal(esm.default, cjs);
});

it('package.json exports an import, a require and a types entry', () => {
  const pkg = require('../package.json');
  const root = pkg.exports['.'];
  assert.equal(pkg.name, 'foundry-client');
  assert.equal(root.import, './index.mjs');
  assert.equal(root.require, './dist/index.js');
  assert.equal(root.types, './types/index.d.ts');
});
