// Every vector of tests/conformance/ through the public JS API, against one emulator
// (format: tests/conformance/README.md; the Rust runner is core/tests/conformance.rs).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { Foundry, FoundryError } from '../index.mjs';
import { API_KEY, REPO, registerScenario, requestLog, startEmulator } from './helpers/emulator.mjs';
import { mismatch } from './helpers/matcher.mjs';

const DIR = `${REPO}tests/conformance/`;
const vectors = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, vector: JSON.parse(readFileSync(DIR + file, 'utf8')) }));

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

function substitute(value, scenario) {
  if (typeof value === 'string') {
    return value
      .replaceAll('{{endpoint}}', emu.endpoint)
      .replaceAll('{{https_endpoint}}', emu.https_endpoint)
      .replaceAll('{{api_key}}', API_KEY)
      .replaceAll('{{ca_file}}', emu.ca_file)
      .replaceAll('{{scenario}}', scenario);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, scenario));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, scenario)]));
  }
  return value;
}

async function drain(stream) {
  let count = 0;
  for await (const _chunk of stream) count += 1;
  return { ...(await stream.finalResult()).normalized, chunk_count: count };
}

/** The vector's op through the public API; the core's normalized JSON of the outcome. */
async function runCall(client, op, request) {
  switch (op) {
    case 'chat':
      return (await client.chat.completions.create(request)).normalized;
    case 'chat_stream':
      return drain(await client.chat.completions.create({ ...request, stream: true }));
    case 'responses':
      return (await client.responses.create(request)).normalized;
    case 'responses_stream':
      return drain(await client.responses.create({ ...request, stream: true }));
    case 'embeddings':
      return (await client.embeddings.create(request)).normalized;
    case 'info':
      return client.info(request.model);
    case 'smoke':
      return { deployments: (await client.smoke()).map((s) => s.normalized) };
    case 'load_catalog':
      return { deployments: client.deployments().map((d) => d.name) };
    default:
      throw new Error(`unknown op ${op}`);
  }
}

/** `client.timeout` and friends under openai-node's names (`timeout` in milliseconds). */
function callOptions(o) {
  return {
    ...(o.default_headers !== undefined && { defaultHeaders: o.default_headers }),
    ...(o.timeout !== undefined && { timeout: o.timeout * 1000 }),
    ...(o.max_retries !== undefined && { maxRetries: o.max_retries }),
  };
}

/** The vector's `client` as `new Foundry({...})` takes it (README's name table). */
function constructorOptions(v, name, env) {
  const c = v.client;
  const provider = c.token_provider;
  return {
    ...callOptions({ ...c, default_headers: { ...c.default_headers, 'x-emulator-scenario': name } }),
    ...(v.catalog && { catalog: v.catalog }),
    ...(c.endpoint !== undefined && { endpoint: c.endpoint }),
    ...(c.api_key !== undefined && { apiKey: c.api_key }),
    ...(c.api_version !== undefined && { apiVersion: c.api_version }),
    ...(c.deployment !== undefined && { deployment: c.deployment }),
    ...(provider !== undefined && {
      azureADTokenProvider: async () => {
        if (typeof provider === 'string') return provider;
        throw new Error(provider.error);
      },
    }),
    env,
    caPem: emu.caPem,
  };
}

async function runVector(raw) {
  const name = raw.name;
  const v = substitute(raw, name);
  await registerScenario(emu.endpoint, name, v.scenario ?? {});
  const env = v.env ?? {};
  const op = v.call?.op ?? 'chat';
  let request = v.call?.request ?? {};
  let outcome;
  let started;
  try {
    let client;
    if (v.client) {
      client = new Foundry(constructorOptions(v, name, env));
    } else if (v.catalog) {
      const catalog = structuredClone(v.catalog);
      if (!catalog.model_list) {
        catalog.defaults ??= {};
        catalog.defaults.headers = { ...catalog.defaults.headers, 'x-emulator-scenario': name };
      }
      client = Foundry.fromCatalog(catalog, { env, caPem: emu.caPem });
    } else {
      // The environment catalog has no defaults to put the scenario header in: every call
      // carries it instead.
      client = Foundry.fromEnv({ env, caPem: emu.caPem });
      request = { ...request, extra_headers: { ...request.extra_headers, 'x-emulator-scenario': name } };
    }
    started = performance.now();
    if (v.call?.with_options) client = client.withOptions(callOptions(v.call.with_options));
    outcome = { ok: await runCall(client, op, request) };
  } catch (e) {
    if (!(e instanceof FoundryError)) throw e;
    outcome = { err: e.toJSON() };
  }
  // A correctness bound (the call ended by its deadline), not a benchmark.
  if (v.within_ms !== undefined && started !== undefined) {
    const took = performance.now() - started;
    assert.ok(took <= v.within_ms, `the call took ${took.toFixed(0)} ms, more than within_ms ${v.within_ms}`);
  }
  const { result, error } = v.expect;
  if ('ok' in outcome) {
    assert.ok(result !== undefined, `expected an error, got a result: ${JSON.stringify(outcome.ok, null, 1)}`);
    const m = mismatch(result, outcome.ok);
    assert.ok(!m, `result mismatch at ${m}\nactual: ${JSON.stringify(outcome.ok, null, 1)}`);
  } else {
    assert.ok(error !== undefined, `expected a result, got an error: ${JSON.stringify(outcome.err, null, 1)}`);
    const m = mismatch(error, outcome.err);
    assert.ok(!m, `error mismatch at ${m}\nactual: ${JSON.stringify(outcome.err, null, 1)}`);
  }
  if (v.expect_requests) {
    const log = await requestLog(emu.endpoint, name);
    const m = mismatch(v.expect_requests, log);
    assert.ok(!m, `requests mismatch at ${m}\nlog: ${JSON.stringify(log, null, 1)}`);
  }
}

assert.ok(vectors.filter((x) => x.file.startsWith('construction_')).length >= 15, 'constructor vectors missing');
assert.ok(vectors.length >= 60, `expected at least 60 vectors, found ${vectors.length}`);

// Vectors marked `serial` measure wall-clock time: they run after the concurrent batch, one
// at a time, so the batch's load cannot make them time out falsely.
describe('conformance vectors', { concurrency: true }, () => {
  for (const { file, vector } of vectors.filter((x) => !x.vector.serial)) {
    it(file, { timeout: 60_000 }, () => runVector(vector));
  }
});

describe('conformance vectors (serial)', { concurrency: 1 }, () => {
  for (const { file, vector } of vectors.filter((x) => x.vector.serial)) {
    it(file, { timeout: 60_000 }, () => runVector(vector));
  }
});
