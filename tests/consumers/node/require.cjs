// The installed package through `require`, as a CommonJS user loads it. scripts/test_node.sh
// copies this file next to a node_modules/ holding only the packed tarballs and runs it with
// FOUNDRY_ENDPOINT and FOUNDRY_API_KEY pointing at the emulator.
const assert = require('node:assert/strict');
const { ContentFilterError, Foundry } = require('foundry-client');

async function main() {
  const client = new Foundry();
  const r = await client.chat.completions.create({
    model: 'DeepSeek-V3.2',
    messages: [{ role: 'user', content: 'Hello from require' }],
  });
  assert.match(r.choices[0].message.content, /Hello from require/);
  await assert.rejects(
    client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: [{ role: 'user', content: '[[filter:violence]]' }] }),
    (e) => e instanceof ContentFilterError && e.categories.includes('violence'),
  );
  console.log('require: ok', r.deployment, r.usage.total_tokens);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
