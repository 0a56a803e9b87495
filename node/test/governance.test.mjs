// Governance through the Node API: scoped handles (budget, models, rate limits, revoke),
// spend() and limits(), the priority field, and the governance events. The rules are the
// core's (tests/conformance has their vectors); these tests pin what Node adds: the
// camelCase options and reports, the error classes and the event shapes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BudgetExceededError,
  ConfigError,
  Foundry,
  InvalidRequestError,
  PolicyError,
  RateLimitError,
  RevokedError,
} from '../index.mjs';
import { requestLog, startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

const governed = (name, options = {}) =>
  scenarioClient(emu, name, {
    pricing: { input: 1.25, output: 10 },
    governance: { scope: 'acme', ledger: 'memory' },
    ...options,
  });
const ask = (client, extra = {}) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello(), ...extra });
const settle = async (events, done) => {
  for (let i = 0; i < 200 && !done(events); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('client.scope', () => {
  it('gives a handle with the full API and a scope path', async () => {
    const client = await governed('node-gov-handle');
    assert.equal(client.scopePath, 'acme');
    const bot = client.scope('bot', { tags: { team: 'search' } });
    assert.ok(bot instanceof Foundry);
    assert.equal(bot.scopePath, 'acme/bot');
    assert.equal(bot.scope('nightly').scopePath, 'acme/bot/nightly');
    assert.equal(bot.withOptions({ maxRetries: 0 }).scopePath, 'acme/bot');
    assert.equal((await ask(bot)).text, 'gpt-4o-mini heard: Hello there');
    let text = '';
    for await (const chunk of await ask(bot, { stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'gpt-4o-mini heard: Hello there');
  });

  it("refuses past the handle's budget before sending", async () => {
    const client = await governed('node-gov-budget');
    const bot = client.scope('bot', { budget: { hardUsd: 0.00001, window: 'month', timeZone: 'Europe/Berlin' } });
    await assert.rejects(ask(bot, { max_tokens: 100 }), (e) => {
      assert.ok(e instanceof BudgetExceededError, String(e));
      assert.equal(e.kind, 'budget_exceeded');
      assert.match(e.message, /acme\/bot/);
      return true;
    });
    assert.deepEqual(await requestLog(emu.endpoint, 'node-gov-budget'), []);
    assert.ok((await ask(client, { max_tokens: 100 })).text, 'the parent has no cap of its own');
  });

  it("refuses models outside the handle's list", async () => {
    const bot = (await governed('node-gov-models')).scope('bot', { models: ['gpt-4o-mini'] });
    assert.ok((await ask(bot)).text);
    await assert.rejects(ask(bot, { model: 'DeepSeek-V3.2' }), (e) => e instanceof PolicyError && e.kind === 'policy');
    assert.equal((await requestLog(emu.endpoint, 'node-gov-models')).length, 1);
  });

  it('revokes the handle and its children, not the parent', async () => {
    const client = await governed('node-gov-revoke');
    const bot = client.scope('bot');
    const nightly = bot.scope('nightly');
    const same = bot.withOptions({ timeout: 30_000 });
    bot.revoke();
    for (const revoked of [bot, nightly, same]) {
      await assert.rejects(ask(revoked), (e) => e instanceof RevokedError && /acme\/bot/.test(e.message));
    }
    assert.ok((await ask(client)).text);
    assert.throws(() => client.revoke(), (e) => e instanceof InvalidRequestError && /only a scoped handle/.test(e.message));
  });

  it("fails fast when the handle's rpm would make the call wait past its timeout", async () => {
    const client = await governed('node-gov-rpm');
    const bot = client.scope('bot', { rpm: 6 }); // one request per 10 s window
    assert.ok((await ask(bot)).text);
    await assert.rejects(bot.chat.completions.create({ model: 'gpt-4o-mini', messages: hello() }, { timeout: 500 }), (e) => {
      assert.ok(e instanceof RateLimitError, String(e));
      assert.equal(e.status ?? null, null, 'a local limit: nothing was sent');
      assert.ok(e.retryAfter > 5, String(e.retryAfter));
      assert.match(e.message, /scope 'acme\/bot'/);
      return true;
    });
    assert.equal((await requestLog(emu.endpoint, 'node-gov-rpm')).length, 1);
    assert.ok((await ask(client)).text, 'the parent is not limited');
    const [line, ...rest] = client.limits();
    assert.deepEqual(rest, []);
    assert.equal(line.limits, 'acme/bot');
    assert.equal(line.rpm, 6);
    assert.equal(line.tpm, null);
    assert.equal(line.requestsAvailable, 0);
    assert.equal(line.queued, 0);
    assert.ok(!('tokens_available' in line), 'camelCase keys');
    assert.deepEqual(bot.limits(), [line]);
  });

  it('reports spend per budget', async () => {
    const client = await governed('node-gov-spend');
    assert.deepEqual(client.spend(), []);
    assert.deepEqual(client.limits(), []);
    const bot = client.scope('bot', { budget: { hardUsd: 5, window: 'day', soft: [0.5, 0.9] } });
    await ask(bot, { max_tokens: 50 });
    // Its books are complete (a Redis store settles in the background).
    assert.equal(await bot.settled(), undefined);
    const [line, ...rest] = bot.spend();
    assert.deepEqual(rest, []);
    assert.equal(line.scope, 'acme/bot');
    assert.equal(line.capUsd, 5);
    assert.deepEqual(line.soft, [0.5, 0.9]);
    assert.ok(line.spentUsd > 0);
    assert.equal(line.reservedUsd, 0);
    assert.match(line.period, /^day:/);
  });

  it("throws the core's ConfigError for a bad option, naming it", async () => {
    const client = await governed('node-gov-bad');
    assert.throws(
      () => client.scope('bot', { budget: { hardUsd: 1, window: 'fortnight' } }),
      (e) => e instanceof ConfigError && e.message.includes("scope('bot').budget.window: window 'fortnight'"),
    );
    assert.throws(() => client.scope('a/b'), (e) => e instanceof ConfigError && /'a\/b' is one name/.test(e.message));
    assert.throws(
      () => client.scope('bot', { models: ['no-such-model'] }),
      (e) => e instanceof ConfigError && /scope\('bot'\)\.models/.test(e.message),
    );
    assert.throws(
      () => client.scope('bot', { maxBudget: 5 }),
      (e) => e instanceof ConfigError && /scope\('bot'\): unknown field `max_budget`/.test(e.message),
    );
    assert.throws(() => client.scope('bot', { rpm: NaN }), (e) => e instanceof InvalidRequestError && /rpm/.test(e.message));
  });
});

describe('priority', () => {
  it('is a local queue class, never sent', async () => {
    const client = await governed('node-gov-priority');
    assert.ok((await ask(client, { priority: 'high' })).text);
    assert.ok((await client.responses.create({ model: 'gpt-5.1-codex', input: 'hi', priority: 'low' })).output_text);
    const log = await requestLog(emu.endpoint, 'node-gov-priority');
    assert.equal(log.length, 2);
    for (const r of log) assert.ok(!('priority' in r.body), JSON.stringify(r.body));
    await assert.rejects(ask(client, { priority: 'urgent' }), (e) => e instanceof InvalidRequestError && /priority must be/.test(e.message));
  });
});

describe('governance events', () => {
  it('carry the scope, its tags, the spend and the policy verdicts', async () => {
    const events = [];
    const client = await governed('node-gov-events', { onEvent: (e) => events.push(e) });
    const bot = client.scope('bot', { budget: { hardUsd: 5 }, tags: { cost_center: '4711' } });
    await ask(bot, { max_tokens: 50 });
    await assert.rejects(ask(client.scope('strict', { models: ['gpt-4o-mini'] }), { model: 'DeepSeek-V3.2' }), PolicyError);
    const results = () => events.filter((e) => e.type === 'result');
    await settle(events, () => results().length === 2);
    assert.deepEqual(
      events.filter((e) => e.type === 'spend').map((e) => e.action),
      ['reserved', 'settled'],
    );
    const settled = events.find((e) => e.type === 'spend' && e.action === 'settled');
    assert.ok(settled.chargedUsd > 0 && settled.reservedUsd >= settled.chargedUsd);
    assert.equal(events.find((e) => e.type === 'attempt').queuedMs, 0);
    assert.deepEqual(
      results().map((e) => [e.scope, e.tags]),
      [
        ['acme/bot', { cost_center: '4711' }],
        ['acme/strict', undefined],
      ],
    );
    const refused = events.filter((e) => e.type === 'policy' && !e.allowed);
    assert.deepEqual(refused.map((e) => [e.rule, e.scope, e.deployment]), [['approved', 'acme/strict', 'DeepSeek-V3.2']]);
  });

  it('send a budget alert when a soft threshold is crossed', async () => {
    const events = [];
    const client = await governed('node-gov-alert', { onEvent: (e) => events.push(e) });
    await ask(client.scope('bot', { budget: { hardUsd: 0.001, soft: [0.01] } }), { max_tokens: 20 });
    await settle(events, (ev) => ev.some((e) => e.type === 'budget_alert'));
    const alerts = events.filter((e) => e.type === 'budget_alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].scope, 'acme/bot');
    assert.equal(alerts[0].threshold, 0.01);
    assert.equal(alerts[0].capUsd, 0.001);
    assert.ok(alerts[0].spentUsd > 0);
  });
});
