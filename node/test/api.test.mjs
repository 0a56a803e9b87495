// The surface: constructors, results that read like the OpenAI SDK's plus the extras,
// streams, responses, embeddings, the deployment list, smoke, info.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  ChatCompletion,
  ChatCompletionChunk,
  CreateEmbeddingResponse,
  DeploymentInfo,
  Foundry,
  Response,
  ResponseStreamEvent,
  SmokeResult,
  Stream,
} from '../index.mjs';
import { API_KEY, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

describe('constructors', () => {
  it('new Foundry() reads the process environment', async () => {
    const saved = { ...process.env };
    process.env.FOUNDRY_ENDPOINT = emu.endpoint;
    process.env.FOUNDRY_API_KEY = API_KEY;
    try {
      const client = new Foundry();
      const r = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() });
      assert.equal(r.text, 'DeepSeek-V3.2 heard: Hello there');
    } finally {
      delete process.env.FOUNDRY_ENDPOINT;
      delete process.env.FOUNDRY_API_KEY;
      Object.assign(process.env, saved);
    }
  });

  it('Foundry.fromConfig reads a YAML file with ${NAME} references', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foundry-node-'));
    const path = join(dir, 'foundry.yaml');
    writeFileSync(
      path,
      [
        'defaults:',
        '  endpoint: ${EMULATOR_ENDPOINT}',
        '  auth: {type: api_key, env: EMULATOR_KEY}',
        'deployments:',
        '  - name: Kimi-K2.6',
        '    thinking: true',
        '    pricing: {input: 0.28, output: 0.77}',
        'routes:',
        '  - name: thinker',
        '    deployments: [Kimi-K2.6]',
        '',
      ].join('\n'),
    );
    const client = Foundry.fromConfig(path, { env: { EMULATOR_ENDPOINT: emu.endpoint, EMULATOR_KEY: API_KEY } });
    const r = await client.chat.completions.create({ model: 'thinker', messages: hello('Hi') });
    assert.equal(r.deployment, 'Kimi-K2.6');
    assert.equal(r.text, 'Kimi-K2.6 heard: Hi');
    assert.match(r.reasoning, /^I read the conversation/);
    assert.equal(r.choices[0].message.reasoning_content, r.reasoning);
    assert.ok(Math.abs(r.costUsd - (1 * 0.28 + 67 * 0.77) / 1e6) < 1e-12);
  });

  it('new Foundry({ endpoint, apiKey }) takes any deployment name', async () => {
    const client = new Foundry({ endpoint: emu.endpoint, apiKey: API_KEY, env: {} });
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello() });
    assert.equal(r.model, 'gpt-4o-mini-2024-07-18');
  });
});

describe('results', () => {
  it('a chat completion reads like the OpenAI SDK and adds the extras', async () => {
    const client = await scenarioClient(emu, 'node-api-chat', { pricing: { input: 1, output: 2 } });
    const r = await client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello(), max_tokens: 50 });
    assert.ok(r instanceof ChatCompletion);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'DeepSeek-V3.2 heard: Hello there');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.usage.prompt_tokens, 2);
    assert.equal(r.usage.completion_tokens, 4);
    assert.equal(r.text, r.choices[0].message.content);
    assert.equal(r.reasoning, null);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.deployment, 'DeepSeek-V3.2');
    assert.equal(r.attempts, 1);
    assert.equal(r.requestId, 'req-node-api-chat-1');
    assert.equal(r.api, 'chat');
    assert.ok(Math.abs(r.costUsd - (2 * 1 + 4 * 2) / 1e6) < 1e-12);
    assert.equal(r.contentFilter.filtered, false);
    assert.deepEqual(r.tried.map((a) => [a.deployment, a.status]), [['DeepSeek-V3.2', 200]]);
    // The normalized JSON is there, and not part of the object's own JSON.
    assert.equal(r.normalized.usage.input_tokens, 2);
    assert.equal(r.normalized.cost_usd, r.costUsd);
    const json = JSON.parse(JSON.stringify(r));
    assert.equal(json.normalized, undefined);
    assert.equal(json.choices[0].message.content, r.text);
    assert.equal(json.costUsd, r.costUsd);
  });

  it('tool calls arrive as in the OpenAI SDK and as toolCalls', async () => {
    const client = await scenarioClient(emu, 'node-api-tools');
    const tools = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
        },
      },
    ];
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello('weather'), tools });
    assert.equal(r.finishReason, 'tool_calls');
    assert.equal(r.choices[0].message.tool_calls[0].function.name, 'lookup');
    assert.deepEqual(r.toolCalls, [{ id: 'call_emu_1', name: 'lookup', arguments: '{"q":"weather"}' }]);
  });

  it('a responses-only deployment answers chat calls in the chat shape', async () => {
    const client = await scenarioClient(emu, 'node-api-translated');
    const r = await client.chat.completions.create({ model: 'gpt-5.1-codex', messages: hello(), max_tokens: 100 });
    assert.equal(r.api, 'responses');
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.content, 'gpt-5.1-codex heard: Hello there');
    assert.equal(r.normalized.raw.object, 'response');
  });

  it('responses.create reads like the OpenAI SDK Response', async () => {
    const client = await scenarioClient(emu, 'node-api-responses');
    const r = await client.responses.create({ model: 'gpt-5.1-codex', input: 'Hello there', max_output_tokens: 64 });
    assert.ok(r instanceof Response);
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.output_text, 'gpt-5.1-codex heard: Hello there');
    assert.equal(r.text, r.output_text);
    assert.equal(r.usage.input_tokens, 2);
    assert.ok(r.output.some((item) => item.type === 'message'));
    assert.equal(r.deployment, 'gpt-5.1-codex');
  });

  it('embeddings.create reads like the OpenAI SDK', async () => {
    const client = await scenarioClient(emu, 'node-api-embeddings', { pricing: { input: 0.02, output: 0 } });
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two words'], dimensions: 4 });
    assert.ok(r instanceof CreateEmbeddingResponse);
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].index, 1);
    assert.equal(r.data[0].embedding.length, 4);
    assert.equal(r.usage.prompt_tokens, 3);
    assert.ok(r.costUsd > 0);
    assert.deepEqual(r.normalized.data[0].embedding, r.data[0].embedding);
  });
});

describe('streams', () => {
  it('stream: true gives an async iterable of chunks, then the folded result', async () => {
    const client = await scenarioClient(emu, 'node-api-stream', { pricing: { input: 1, output: 1 } });
    const stream = await client.chat.completions.create({
      model: 'DeepSeek-V3.2',
      messages: hello('a b c'),
      stream: true,
    });
    assert.ok(stream instanceof Stream);
    assert.equal(stream.deployment, 'DeepSeek-V3.2');
    let text = '';
    for await (const chunk of stream) {
      assert.ok(chunk instanceof ChatCompletionChunk);
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'DeepSeek-V3.2 heard: a b c');
    const final = await stream.finalResult();
    assert.ok(final instanceof ChatCompletion);
    assert.equal(final.object, 'chat.completion');
    assert.equal(final.text, text);
    assert.equal(final.usage.completion_tokens, 5);
    assert.ok(final.created > 0);
    assert.ok(final.costUsd > 0);
    await assert.rejects(async () => {
      for await (const _ of stream);
    }, /only once/);
  });

  it('a responses-only deployment streams chat-shaped chunks', async () => {
    const client = await scenarioClient(emu, 'node-api-stream-translated');
    const stream = await client.chat.completions.create({ model: 'gpt-5.1-codex', messages: hello(), stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'gpt-5.1-codex heard: Hello there');
    assert.equal((await stream.finalResult()).api, 'responses');
  });

  it('responses.create with stream: true yields the service events', async () => {
    const client = await scenarioClient(emu, 'node-api-responses-stream');
    const stream = await client.responses.create({ model: 'gpt-5.1-codex', input: 'x y', stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    assert.ok(events.every((e) => e instanceof ResponseStreamEvent));
    assert.ok(events.some((e) => e.type === 'response.output_text.delta'));
    assert.equal(events.map((e) => e.text ?? '').join(''), 'gpt-5.1-codex heard: x y');
    const final = await stream.finalResult();
    assert.ok(final instanceof Response);
    assert.equal(final.output_text, 'gpt-5.1-codex heard: x y');
  });
});

describe('the catalog', () => {
  it('lists deployments in camelCase, without secrets', async () => {
    const client = await scenarioClient(emu, 'node-api-deployments', { pricing: { input: 1, output: 3 } });
    const list = client.deployments();
    assert.ok(list.every((d) => d instanceof DeploymentInfo));
    const codex = list.find((d) => d.name === 'gpt-5.1-codex');
    assert.equal(codex.responsesOnly, true);
    assert.equal(codex.maxTokensParam, 'max_completion_tokens');
    assert.equal(codex.auth, 'api_key');
    assert.equal(list.find((d) => d.name === 'Phi-4').shape, 'inference');
    assert.equal(list[0].pricing.output, 3);
    assert.equal(list[0].normalized.responses_only, false);
    assert.ok(!JSON.stringify(list).includes(API_KEY));
    assert.ok(!JSON.stringify(list.map((d) => d.normalized)).includes(API_KEY));
  });

  it('smoke pings every deployment', async () => {
    const client = await scenarioClient(emu, 'node-api-smoke');
    const results = await client.smoke();
    assert.ok(results.every((s) => s instanceof SmokeResult));
    const byName = Object.fromEntries(results.map((s) => [s.deployment, s]));
    assert.equal(byName['DeepSeek-V3.2'].ok, true);
    assert.equal(byName['DeepSeek-V3.2'].status, 200);
    assert.equal(typeof byName['DeepSeek-V3.2'].latencyMs, 'number');
    assert.equal(byName['gpt-5.1-codex'].api, 'responses');
  });

  it('info reads the model-inference endpoint', async () => {
    const client = await scenarioClient(emu, 'node-api-info');
    const info = await client.info('Phi-4');
    assert.equal(info.model_name, 'Phi-4');
    assert.equal(info.model_type, 'chat-completion');
  });
});
