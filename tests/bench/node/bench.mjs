// foundry-client (Node) against the `openai` package's AzureOpenAI on the emulator: per-call
// latency at concurrency 1, throughput at 64 and 256, memory; and cell 4, what a no-op call into
// the addon costs (ffi.mjs). Prints numbers, asserts nothing.
//
//   node bench.mjs                  orchestrates: runs ffi.mjs, starts the emulator, runs every
//                                   client in its own process (so memory is its own), prints the
//                                   tables and writes the rows as JSON for the combined report
//   node bench.mjs worker CLIENT    one client's measurements as JSON (used by the above)
//
// Clients: `raw` (node:http with a keep-alive agent: the floor any client adds to),
// `openai` (AzureOpenAI, openai pinned in node/package.json), `foundry` (this package).
//
// Environment: BENCH_QUICK=1 does a tenth of the work (checks the script, numbers not
// meaningful); BENCH_ROUNDS (at least 5), BENCH_SEQUENTIAL, BENCH_SECONDS override the sizes;
// BENCH_JSON is where the rows go (default ${CARGO_TARGET_DIR:-<repo>/target}/bench/node.json).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(`${REPO}node/package.json`);
const API_KEY = 'emulator-key-0000';
const API_VERSION = '2024-10-21';
const MODEL = 'DeepSeek-V3.2';
const MESSAGES = [{ role: 'user', content: 'Summarise the quarterly report in one line' }];
const QUICK = process.env.BENCH_QUICK === '1';
const SEQUENTIAL_CALLS = Number(process.env.BENCH_SEQUENTIAL ?? (QUICK ? 200 : 2000));
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 0.5 : 5));
const WARM_UP_CALLS = QUICK ? 30 : 300;
// Issue 6's method: at least 5 interleaved rounds, the median of the round values reported.
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const JSON_OUT =
  process.env.BENCH_JSON ?? `${process.env.CARGO_TARGET_DIR ?? `${REPO}target`}/bench/node.json`;

function makeClient(kind, endpoint) {
  if (kind === 'foundry') {
    const { Foundry } = require('foundry-client');
    const client = new Foundry({ endpoint, apiKey: API_KEY, apiVersion: API_VERSION, env: {} });
    return async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 64 });
      return r.choices[0].message.content;
    };
  }
  if (kind === 'openai') {
    const { AzureOpenAI } = require('openai');
    const client = new AzureOpenAI({ endpoint, apiKey: API_KEY, apiVersion: API_VERSION });
    return async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: 64 });
      return r.choices[0].message.content;
    };
  }
  if (kind === 'raw') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const url = new URL(`openai/deployments/${MODEL}/chat/completions?api-version=${API_VERSION}`, endpoint);
    const body = JSON.stringify({ messages: MESSAGES, max_tokens: 64 });
    return () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'api-key': API_KEY, 'content-type': 'application/json' } },
          (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve(JSON.parse(data).choices[0].message.content));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
  }
  throw new Error(`unknown client ${kind}`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function latency(call, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { mean: times.reduce((a, b) => a + b, 0) / n, p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function throughput(call, concurrency, seconds) {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await call();
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** One measurement in a fresh process: `latency` (sequential calls), or `tp64` / `tp256`
 * (throughput at that concurrency). Peak memory is the process's own. */
async function worker(kind, endpoint, phase) {
  const call = makeClient(kind, endpoint);
  const answer = await call();
  if (!answer.startsWith(`${MODEL} heard:`)) throw new Error(`unexpected answer: ${answer}`);
  for (let i = 0; i < WARM_UP_CALLS; i++) await call(); // warm-up: connections, JIT
  const out = { kind, phase };
  if (phase === 'latency') {
    const cpu0 = process.cpuUsage();
    out.lat = await latency(call, SEQUENTIAL_CALLS);
    const cpu = process.cpuUsage(cpu0);
    out.cpuPerCallUs = (cpu.user + cpu.system) / SEQUENTIAL_CALLS;
  } else {
    out.rps = await throughput(call, Number(phase.slice(2)), THROUGHPUT_SECONDS);
  }
  out.maxRssMb = process.resourceUsage().maxRSS / 1024;
  out.heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
  return out;
}

async function startEmulator() {
  const bin = process.env.FOUNDRY_EMULATOR_BIN ?? `${REPO}target/release/foundry-emulator`;
  const child = spawn(bin, ['--config', `${REPO}tests/conformance/emulator.yaml`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { ...JSON.parse(line), stop: () => child.kill('SIGTERM') };
}

/** Runs `script args...` in a fresh node process and parses the JSON it prints. */
function runJson(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} ${args.join(' ')} exited ${code}`)),
    );
  });
}

const runWorker = (kind, endpoint, phase) => runJson(fileURLToPath(import.meta.url), ['worker', kind, endpoint, phase]);

const fmt = (x, digits = 0) => x.toFixed(digits);

/** The installed openai version (its package.json is not exported: read the lock). */
function openaiVersion() {
  const lock = require('./package-lock.json');
  return lock.packages['node_modules/openai'].version;
}

/** The median of the round values, and their spread. */
function summary(rounds) {
  const s = [...rounds].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], rounds };
}

const spread = (s, digits) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

/** A row of the combined report (tests/bench/src/report.rs). `ratio` is a cost ratio, as in
 * the rest of that report: foundry / baseline for a time or a size, baseline / foundry for a
 * rate, so above 1 foundry-client is worse and a target is always an upper bound. */
function reportRow(cell, metric, unit, values, baselineName, baselineValues, { higherIsBetter = false, target } = {}) {
  const value = summary(values);
  const baseline = summary(baselineValues);
  const ratio = higherIsBetter ? baseline.median / value.median : value.median / baseline.median;
  return {
    cell,
    name: 'node',
    variant: 'foundry',
    metric,
    unit,
    value,
    baseline_name: baselineName,
    baseline,
    ratio,
    higher_is_better: higherIsBetter,
    ...(target !== undefined && { target, met: ratio <= target }),
  };
}

// Cell 6: each figure a worker reports, per phase. Targets (issue 6): throughput at 64 at least
// 2x openai's (a cost ratio of at most 0.5), per-call overhead at most half openai's.
const CELL6 = [
  { metric: 'latency mean, c=1', unit: 'ms', phase: 'latency', of: (r) => r.lat.mean },
  { metric: 'latency p50, c=1', unit: 'ms', phase: 'latency', of: (r) => r.lat.p50 },
  { metric: 'latency p99, c=1', unit: 'ms', phase: 'latency', of: (r) => r.lat.p99 },
  { metric: 'process CPU per call (all threads), c=1', unit: 'us', phase: 'latency', of: (r) => r.cpuPerCallUs },
  { metric: 'throughput, c=64', unit: 'calls/s', phase: 'tp64', of: (r) => r.rps, higherIsBetter: true, target: 0.5 },
  { metric: 'throughput, c=256', unit: 'calls/s', phase: 'tp256', of: (r) => r.rps, higherIsBetter: true },
  { metric: 'peak RSS at c=256', unit: 'MB', phase: 'tp256', of: (r) => r.maxRssMb },
  { metric: 'JS heap used after c=256', unit: 'MB', phase: 'tp256', of: (r) => r.heapUsedMb },
];
const OPENAI = 'openai AzureOpenAI';
const RAW = 'raw node:http (floor)';

/** What a client adds to the floor's mean latency, round by round (each round ran the clients
 * back to back, so the machine's load was alike). */
const overheadRounds = (runs, kind) => runs[kind].latency.map((r, i) => r.lat.mean - runs.raw.latency[i].lat.mean);

function cell6Rows(runs) {
  const rounds = (kind, m) => runs[kind][m.phase].map(m.of);
  const rows = [];
  for (const m of CELL6) {
    const opts = { higherIsBetter: m.higherIsBetter };
    rows.push(reportRow('6', m.metric, m.unit, rounds('foundry', m), OPENAI, rounds('openai', m), { ...opts, target: m.target }));
    rows.push(reportRow('6', m.metric, m.unit, rounds('foundry', m), RAW, rounds('raw', m), opts));
  }
  rows.push(
    reportRow('6', 'per-call overhead over raw node:http, c=1', 'ms', overheadRounds(runs, 'foundry'), OPENAI, overheadRounds(runs, 'openai'), {
      target: 0.5,
    }),
  );
  return rows;
}

const POOL = "node's libuv pool round trip (crypto.randomBytes)";

function cell4Rows(ffi) {
  return ffi.rows.flatMap((r) => [
    reportRow('4', r.metric, r.unit, r.foundry, r.unit === 'ns' ? 'plain JS function' : 'JS async function', r.js),
    ...(r.pool ? [reportRow('4', r.metric, r.unit, r.foundry, POOL, r.pool)] : []),
  ]);
}

function printCell6(runs) {
  const med = (kind, phase, of) => summary(runs[kind][phase].map(of)).median;
  const figures = (kind) => ({
    lat: {
      mean: med(kind, 'latency', (r) => r.lat.mean),
      p50: med(kind, 'latency', (r) => r.lat.p50),
      p99: med(kind, 'latency', (r) => r.lat.p99),
    },
    cpuPerCallUs: med(kind, 'latency', (r) => r.cpuPerCallUs),
    rps64: med(kind, 'tp64', (r) => r.rps),
    rps256: med(kind, 'tp256', (r) => r.rps),
    maxRssMb: med(kind, 'tp256', (r) => r.maxRssMb),
    heapUsedMb: med(kind, 'tp256', (r) => r.heapUsedMb),
  });
  const raw = figures('raw');
  const openai = figures('openai');
  const foundry = figures('foundry');
  const overhead = { openai: summary(overheadRounds(runs, 'openai')).median, foundry: summary(overheadRounds(runs, 'foundry')).median };
  console.log(`\nfoundry-client (Node) vs openai ${openaiVersion()} AzureOpenAI, on the emulator`);
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), emulator on the same machine`);
  console.log(`median of ${ROUNDS} interleaved rounds (min–max in node.json); ${SEQUENTIAL_CALLS} sequential calls per latency run; ${THROUGHPUT_SECONDS} s per throughput run; chat completion, ~60-byte prompt\n`);
  const rows = [
    ['', 'raw node:http (floor)', 'openai AzureOpenAI', 'foundry-client', 'foundry / openai'],
    ['latency, concurrency 1: mean (ms)', fmt(raw.lat.mean, 3), fmt(openai.lat.mean, 3), fmt(foundry.lat.mean, 3), fmt(foundry.lat.mean / openai.lat.mean, 2)],
    ['latency, concurrency 1: p50 / p99 (ms)', `${fmt(raw.lat.p50, 3)} / ${fmt(raw.lat.p99, 3)}`, `${fmt(openai.lat.p50, 3)} / ${fmt(openai.lat.p99, 3)}`, `${fmt(foundry.lat.p50, 3)} / ${fmt(foundry.lat.p99, 3)}`, ''],
    ['per-call overhead over the floor (ms)', '0', fmt(overhead.openai, 3), fmt(overhead.foundry, 3), fmt(overhead.foundry / overhead.openai, 2)],
    ['process CPU per call (all threads), concurrency 1 (µs)', fmt(raw.cpuPerCallUs), fmt(openai.cpuPerCallUs), fmt(foundry.cpuPerCallUs), fmt(foundry.cpuPerCallUs / openai.cpuPerCallUs, 2)],
    ['throughput, concurrency 64 (calls/s)', fmt(raw.rps64), fmt(openai.rps64), fmt(foundry.rps64), fmt(foundry.rps64 / openai.rps64, 2)],
    ['throughput, concurrency 256 (calls/s)', fmt(raw.rps256), fmt(openai.rps256), fmt(foundry.rps256), fmt(foundry.rps256 / openai.rps256, 2)],
    ['peak RSS at concurrency 256 (MB)', fmt(raw.maxRssMb, 1), fmt(openai.maxRssMb, 1), fmt(foundry.maxRssMb, 1), fmt(foundry.maxRssMb / openai.maxRssMb, 2)],
    ['JS heap used after concurrency 256 (MB)', fmt(raw.heapUsedMb, 1), fmt(openai.heapUsedMb, 1), fmt(foundry.heapUsedMb, 1), fmt(foundry.heapUsedMb / openai.heapUsedMb, 2)],
  ];
  printTable(rows);
}

function printCell4(ffi) {
  console.log(`\nFFI cost (cell 4): a no-op call into the addon vs the same no-op in JS`);
  console.log(
    `median of ${ROUNDS} interleaved rounds (min–max), each the median of ${ffi.batches} batches; ` +
      `${ffi.rows.map((r) => `${r.calls} calls per round ${r.concurrency > 1 ? `at ${r.concurrency} in flight` : r.unit === 'ns' ? 'sync' : 'awaited'}`).join(', ')}\n`,
  );
  const rows = [['per call', 'plain JS', 'foundry-client addon', 'addon − JS', 'addon / JS']];
  for (const r of ffi.rows) {
    const js = summary(r.js);
    const addon = summary(r.foundry);
    const digits = r.unit === 'ns' ? 1 : 3;
    const unit = r.unit === 'us' ? 'µs' : r.unit;
    rows.push([`${r.metric} (${unit})`, spread(js, digits), spread(addon, digits), fmt(addon.median - js.median, digits), fmt(addon.median / js.median, 0)]);
  }
  printTable(rows);
  for (const r of ffi.rows.filter((x) => x.pool)) {
    const pool = summary(r.pool);
    const addon = summary(r.foundry);
    console.log(
      `\nan awaited async call is two thread wake-ups (JS thread -> tokio worker -> JS thread); ` +
        `${POOL}, awaited the same way: ${spread(pool, 3)} µs (addon / it: ${fmt(addon.median / pool.median, 2)})`,
    );
  }
}

function printTable(rows) {
  console.log(`| ${rows[0].join(' | ')} |`);
  console.log(`|${rows[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
}

async function main() {
  if (process.argv[2] === 'worker') {
    process.stdout.write(JSON.stringify(await worker(process.argv[3], process.argv[4], process.argv[5])));
    return;
  }
  // Cell 4 first, in its own process, before the emulator runs.
  const ffi = await runJson(fileURLToPath(new URL('ffi.mjs', import.meta.url)), [String(ROUNDS)]);
  const emu = await startEmulator();
  // runs[kind][phase][round]: every round runs the three clients back to back.
  const runs = {};
  try {
    for (const kind of ['raw', 'openai', 'foundry']) runs[kind] = { latency: [], tp64: [], tp256: [] };
    for (const phase of ['latency', 'tp64', 'tp256']) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const kind of Object.keys(runs)) {
          process.stderr.write(`${phase}, round ${round}: ${kind}\n`);
          runs[kind][phase].push(await runWorker(kind, emu.endpoint, phase));
        }
      }
    }
  } finally {
    emu.stop();
  }
  printCell6(runs);
  printCell4(ffi);
  mkdirSync(dirname(JSON_OUT), { recursive: true });
  writeFileSync(JSON_OUT, `${JSON.stringify({ rows: [...cell4Rows(ffi), ...cell6Rows(runs)] }, null, 1)}\n`);
  process.stderr.write(`rows written to ${JSON_OUT}\n`);
}

await main();
