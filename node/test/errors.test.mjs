// Errors: one class per core error kind, each with code, status, deployment, requestId,
// retryable, hint; RateLimitError.retryAfter; ContentFilterError.categories; toJSON() gives
// the core's error JSON.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import * as foundry from '../index.mjs';
import { API_KEY, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

const {
  AuthenticationError,
  BadRequestError,
  ConfigError,
  ContentFilterError,
  Foundry,
  FoundryError,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  ReasoningExhaustedError,
  ServerError,
  ConnectionError,
} = foundry;

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const NO_RETRY = { max_retries: 0, base_delay_ms: 1, max_delay_ms: 1, max_server_wait_ms: 1000 };

async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

describe('errors', () => {
  it('a 429 is a RateLimitError with the server hint', async () => {
    const client = await scenarioClient(emu, 'node-err-429', { retry: NO_RETRY });
    const e = await failure(
      client.chat.completions.create(
        { model: 'DeepSeek-V3.2', messages: hello() },
        { headers: { 'x-emulator-fault': 'status=429;retry-after-ms=1500' } },
      ),
    );
    assert.ok(e instanceof RateLimitError && e instanceof FoundryError && e instanceof Error);
    assert.equal(e.name, 'RateLimitError');
    assert.equal(e.kind, 'rate_limit');
    assert.equal(e.status, 429);
    assert.equal(e.code, '429');
    assert.equal(e.deployment, 'DeepSeek-V3.2');
    assert.equal(e.requestId, 'req-node-err-429-1');
    assert.equal(e.retryable, true);
    assert.equal(e.retryAfter, 1.5);
    assert.match(e.hint, /quota/);
    assert.match(e.message, /rate_limit \(429\) from deployment 'DeepSeek-V3.2'.*Hint:/);
    assert.equal(e.attempts.length, 1);
    assert.equal(e.attempts[0].status, 429);
    assert.equal(typeof e.attempts[0].latencyMs, 'number');
    assert.ok(e.stack.includes('RateLimitError'));
    const json = e.toJSON();
    assert.equal(json.kind, 'rate_limit');
    assert.equal(json.retry_after_ms, 1500);
    assert.equal(json.class, undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), json);
  });

  it('a prompt refused by the filter is a ContentFilterError with its categories', async () => {
    const client = await scenarioClient(emu, 'node-err-filter', { retry: NO_RETRY });
    const e = await failure(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello('[[filter:violence]] now') }),
    );
    assert.ok(e instanceof ContentFilterError);
    assert.equal(e.kind, 'content_filter');
    assert.equal(e.status, 400);
    assert.deepEqual(e.categories, ['violence']);
    assert.equal(e.contentFilter.filtered, true);
    assert.equal(e.retryable, false);
  });

  it('a refused key is an AuthenticationError', async () => {
    const client = Foundry.fromCatalog(
      { deployments: [{ name: 'DeepSeek-V3.2', endpoint: emu.endpoint, auth: { type: 'api_key', key: 'sekret-key-123' } }] },
      { env: {} },
    );
    const e = await failure(client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }));
    assert.ok(e instanceof AuthenticationError);
    assert.equal(e.status, 401);
    assert.ok(!e.message.includes('sekret') && !JSON.stringify(e).includes('sekret'), 'the key leaked');
  });

  it('an unknown deployment is a NotFoundError', async () => {
    const client = new Foundry({ endpoint: emu.endpoint, apiKey: API_KEY, env: {} });
    const e = await failure(client.chat.completions.create({ model: 'no-such-deployment', messages: hello() }));
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.code, 'DeploymentNotFound');
    assert.equal(e.deployment, 'no-such-deployment');
  });

  it('a 500 is a retryable ServerError', async () => {
    const client = await scenarioClient(emu, 'node-err-500', { retry: NO_RETRY });
    const e = await failure(
      client.chat.completions.create(
        { model: 'DeepSeek-V3.2', messages: hello() },
        { headers: { 'x-emulator-fault': 'status=500' } },
      ),
    );
    assert.ok(e instanceof ServerError);
    assert.equal(e.retryable, true);
  });

  it('a 400 the service refused is a BadRequestError', async () => {
    const client = await scenarioClient(emu, 'node-err-400', { retry: NO_RETRY });
    const e = await failure(
      client.chat.completions.create(
        { model: 'DeepSeek-V3.2', messages: hello() },
        { headers: { 'x-emulator-fault': 'status=400' } },
      ),
    );
    assert.ok(e instanceof BadRequestError);
  });

  it('a thinking model out of budget is a ReasoningExhaustedError', async () => {
    const client = await scenarioClient(emu, 'node-err-think', { retry: NO_RETRY });
    const e = await failure(client.chat.completions.create({ model: 'Kimi-K2.6', messages: hello(), max_tokens: 10 }));
    assert.ok(e instanceof ReasoningExhaustedError);
    assert.equal(e.status, 200);
    assert.match(e.hint, /max_tokens/);
  });

  it('arguments the core cannot read are an InvalidRequestError, nothing sent', async () => {
    const client = await scenarioClient(emu, 'node-err-invalid');
    const e = await failure(client.chat.completions.create({ messages: hello() }));
    assert.ok(e instanceof InvalidRequestError);
    assert.equal(e.kind, 'invalid_request');
    assert.equal(e.status, null);
  });

  it('a refused connection is a ConnectionError', async () => {
    const client = Foundry.fromCatalog(
      {
        defaults: { retry: NO_RETRY },
        deployments: [{ name: 'd', endpoint: 'http://127.0.0.1:9/', auth: { type: 'none' } }],
      },
      { env: {} },
    );
    const e = await failure(client.chat.completions.create({ model: 'd', messages: hello() }));
    assert.ok(e instanceof ConnectionError, `${e}`);
    assert.equal(e.retryable, true);
  });

  it('a bad catalog throws a ConfigError at construction', () => {
    assert.throws(
      () => Foundry.fromCatalog({ deployments: [{ name: 'x', endpoint: emu.endpoint, shape: 'bogus' }] }, { env: {} }),
      (e) => e instanceof ConfigError && e.kind === 'config' && /shape/.test(e.message),
    );
    assert.throws(() => Foundry.fromConfig('/no/such/foundry.yaml'), ConfigError);
    assert.throws(() => new Foundry({ env: {} }), (e) => e instanceof ConfigError && /FOUNDRY_ENDPOINT/.test(e.hint));
  });

  it('maps every core error kind (ErrorKind::ALL) to a class of its own', () => {
    const kinds = foundry.errorKinds();
    assert.ok(kinds.includes('cancelled') && kinds.length >= 17, String(kinds));
    const seen = new Set();
    for (const kind of [...kinds, 'internal']) {
      const Class = foundry.CLASSES[kind];
      assert.equal(typeof Class, 'function', `the core's kind ${kind} has no class in CLASSES`);
      assert.ok(Class.prototype instanceof FoundryError, kind);
      assert.ok(!seen.has(Class), `${Class.name} is the class of two kinds`);
      seen.add(Class);
      assert.equal(foundry[Class.name], Class, `${Class.name} is not exported`);
    }
    assert.deepEqual(Object.keys(foundry.CLASSES).sort(), [...kinds, 'internal'].sort(), 'a class for a kind the core lacks');
    assert.deepEqual(Object.keys(foundry.ERROR_KIND_DOCS), kinds, 'node/src/generated/error-kinds.ts is stale');
  });

  it("documents each class with the core's ErrorKind::doc(), not a retyped sentence", () => {
    const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
    for (const [kind, doc] of Object.entries(foundry.ERROR_KIND_DOCS)) {
      const name = foundry.CLASSES[kind].name;
      const m = source.match(new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*?)\\*/\\nexport class ${name} `));
      assert.ok(m, `no doc comment on ${name}`);
      const text = m[1].replace(/\s*\n\s*\*\s*/g, ' ').trim();
      assert.ok(text.startsWith(doc), `${name}'s doc drifted from ErrorKind::doc(): ${text}`);
    }
  });

  it("answers to openai-node's names and hierarchy", () => {
    const { APIError, APIConnectionError, APIConnectionTimeoutError, InternalServerError, APIUserAbortError } = foundry;
    assert.equal(APIError, FoundryError);
    assert.equal(APIConnectionError, ConnectionError);
    assert.equal(InternalServerError, ServerError);
    assert.equal(foundry.AbortError, APIUserAbortError);
    assert.ok(APIConnectionTimeoutError.prototype instanceof APIConnectionError);
    for (const name of ['ConflictError', 'UnprocessableEntityError', 'ContentFilterError', 'OperationUnsupportedError']) {
      assert.ok(foundry[name].prototype instanceof BadRequestError, name);
    }
    for (const name of ['AuthenticationError', 'PermissionDeniedError', 'NotFoundError', 'RateLimitError']) {
      assert.ok(foundry[name].prototype instanceof APIError, name);
    }
  });

  it('a 409 is a ConflictError (a bad_request), code the service code', async () => {
    const client = await scenarioClient(emu, 'node-error-409', {
      scenario: { deployments: { 'DeepSeek-V3.2': ['status=409'] } },
      retry: NO_RETRY,
    });
    const e = await failure(client.chat.completions.create({ model: 'DeepSeek-V3.2', messages: hello() }));
    assert.ok(e instanceof foundry.ConflictError && e instanceof BadRequestError, String(e));
    assert.equal(e.kind, 'bad_request');
    assert.equal(e.status, 409);
  });
});
