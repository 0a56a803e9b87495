// The installed package through `import`, as an ES module user loads it (see require.cjs).
import assert from 'node:assert/strict';
import { ContentFilterError, Foundry } from 'foundry-client';

const client = new Foundry();
const r = await client.chat.completions.create({
  model: 'DeepSeek-V3.2',
  messages: [{ role: 'user', content: 'Hello from import' }],
});
assert.match(r.choices[0].message.content, /Hello from import/);
await assert.rejects(
  client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: '[[filter:violence]]' }] }),
  (e) => e instanceof ContentFilterError && e.categories.includes('violence'),
);
console.log('import: ok', r.deployment, r.usage.total_tokens);
