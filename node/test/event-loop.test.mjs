// Never blocks the event loop: timers keep firing while 200 calls are in flight.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { startEmulator } from './helpers/emulator.mjs';
import { hello, scenarioClient } from './helpers/client.mjs';

let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

it('timers keep firing during 200 concurrent calls', async (t) => {
  const client = await scenarioClient(emu, 'node-event-loop');
  const ticks = [];
  const timer = setInterval(() => ticks.push(performance.now()), 5);
  const started = performance.now();
  // Each answer waits 300 ms in the emulator: all 200 calls are in flight together.
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      client.chat.completions.create(
        { model: 'DeepSeek-V3.2', messages: hello(`call ${i}`) },
        { headers: { 'x-emulator-fault': 'delay-ms=300' } },
      ),
    ),
  );
  const elapsed = performance.now() - started;
  clearInterval(timer);

  assert.equal(results.length, 200);
  results.forEach((r, i) => assert.equal(r.text, `DeepSeek-V3.2 heard: call ${i}`));
  assert.ok(elapsed >= 300, `the calls took ${elapsed} ms`);
  const during = ticks.filter((t) => t <= started + elapsed);
  const gaps = during.slice(1).map((t, i) => t - during[i]);
  const maxGap = Math.max(...gaps);
  // A blocked loop would show no ticks until every call returned (one gap ≥ 300 ms).
  t.diagnostic(`${during.length} ticks in ${elapsed.toFixed(0)} ms, longest gap ${maxGap.toFixed(1)} ms`);
  assert.ok(during.length >= 20, `only ${during.length} ticks in ${elapsed.toFixed(0)} ms`);
  // Generous against a loaded CI machine, still below the 300 ms a blocked loop would show.
  assert.ok(maxGap < 250, `the loop stalled for ${maxGap.toFixed(0)} ms`);
});
