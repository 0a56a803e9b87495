// Cell 4 of issue 6, Node: what crossing into the Rust addon costs. A no-op sync call and a
// no-op async call into the addon (`benchNoop`, `benchNoopAsync`, the benchmark hooks of
// bindings/node/src/bench.rs; the async one goes through the same `env.spawn_future` path as
// `chat`) against the same no-op written in JS. Prints nothing but JSON on stdout: each
// variant's round values (time per call); bench.mjs runs this in its own process and
// summarises.
//
// Each round runs every variant in turn (JS, then addon, for each row), so the machine's
// other load falls on all of them alike; a round's value is the median of its batches.
//
// An async call awaited one at a time is two thread wake-ups (the JS thread hands the future
// to a tokio worker, which wakes the JS thread to settle the promise): Node's own threadpool
// round trip (`crypto.randomBytes` on the libuv pool) is measured beside it as the yardstick.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
// The loader, not the package: the hooks are kept out of the package's exports.
const native = createRequire(`${REPO}node/package.json`)('./native.js');

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.argv[2] ?? 5);
const BATCHES = 10;
const SYNC_CALLS = QUICK ? 100_000 : 1_000_000;
const ASYNC_CALLS = QUICK ? 10_000 : 100_000;
const CONCURRENCY = 64;

// One loop per variant, each compiled from its own source, so V8 optimises each for its one
// callee: a loop shared by the JS and the addon functions would turn polymorphic and tax both.
const AsyncFunction = (async () => {}).constructor;
const loop = {
  sync: () => new Function('f', 'n', 'for (let i = 0; i < n; i++) f();'),
  sequential: () => new AsyncFunction('f', 'n', 'for (let i = 0; i < n; i++) await f();'),
  concurrent: () =>
    new AsyncFunction(
      'f',
      'n',
      'c',
      'let left = n;' +
        'const lane = async () => { while (left-- > 0) await f(); };' +
        'await Promise.all(Array.from({ length: c }, lane));',
    ),
};

function jsNoop() {
  return undefined;
}
async function jsNoopAsync() {}
const randomBytesAsync = promisify(randomBytes);
const libuvPoolRoundTrip = () => randomBytesAsync(1);

const ROWS = [
  { metric: 'no-op sync call', unit: 'ns', kind: 'sync', calls: SYNC_CALLS, js: jsNoop, foundry: native.benchNoop },
  {
    metric: 'no-op async call, awaited one at a time',
    unit: 'us',
    kind: 'sequential',
    calls: ASYNC_CALLS,
    js: jsNoopAsync,
    foundry: native.benchNoopAsync,
    pool: libuvPoolRoundTrip,
  },
  {
    metric: `no-op async call, ${CONCURRENCY} in flight`,
    unit: 'us',
    kind: 'concurrent',
    calls: ASYNC_CALLS,
    js: jsNoopAsync,
    foundry: native.benchNoopAsync,
  },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** One round of one variant: the median over its batches of the time per call, in `unit`. */
async function round(run, f, calls, unit) {
  const perBatch = calls / BATCHES;
  const scale = unit === 'us' ? 1e3 : 1;
  const times = [];
  for (let b = 0; b < BATCHES; b++) {
    const t = process.hrtime.bigint();
    await run(f, perBatch, CONCURRENCY);
    times.push(Number(process.hrtime.bigint() - t) / perBatch / scale);
  }
  return median(times);
}

async function main() {
  if (typeof native.benchNoop !== 'function' || typeof native.benchNoopAsync !== 'function') {
    throw new Error('the addon has no benchNoop / benchNoopAsync: rebuild it (cargo build -p foundry-client-node)');
  }
  if (native.benchNoop() !== undefined || (await native.benchNoopAsync()) !== undefined) {
    throw new Error('the no-op hooks returned something');
  }
  const rows = ROWS.map((r) => {
    const sides = ['js', 'foundry', ...(r.pool ? ['pool'] : [])];
    return { ...r, sides, loops: Object.fromEntries(sides.map((s) => [s, loop[r.kind]()])), rounds: Object.fromEntries(sides.map((s) => [s, []])) };
  });
  // Warm-up: a tenth of a round each, so every loop is optimised before it is timed.
  for (const r of rows) for (const side of r.sides) await round(r.loops[side], r[side], r.calls / 10, r.unit);
  for (let i = 1; i <= ROUNDS; i++) {
    process.stderr.write(`ffi, round ${i}\n`);
    for (const r of rows) {
      for (const side of r.sides) r.rounds[side].push(await round(r.loops[side], r[side], r.calls, r.unit));
    }
  }
  const out = rows.map((r) => ({
    metric: r.metric,
    unit: r.unit,
    calls: r.calls,
    concurrency: r.kind === 'concurrent' ? CONCURRENCY : 1,
    ...r.rounds,
  }));
  process.stdout.write(JSON.stringify({ batches: BATCHES, rows: out }));
}

await main();
