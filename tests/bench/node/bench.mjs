// foundry-client (Node) against the `openai` package's AzureOpenAI on the emulator: per-call
// latency at concurrency 1, throughput at 64 and 256, memory. Prints numbers, asserts nothing.
//
//   node bench.mjs                  orchestrates: starts the emulator, runs every client in its
//                                   own process (so memory is its own), prints the table
//   node bench.mjs worker CLIENT    one client's measurements as JSON (used by the above)
//
// Clients: `raw` (node:http with a keep-alive agent: the floor any client adds to),
// `openai` (AzureOpenAI, openai pinned in node/package.json), `foundry` (this package).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(`${REPO}node/package.json`);
const API_KEY = 'emulator-key-0000';
const API_VERSION = '2024-10-21';
const MODEL = 'DeepSeek-V3.2';
const MESSAGES = [{ role: 'user', content: 'Summarise the quarterly report in one line' }];
const SEQUENTIAL_CALLS = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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
  for (let i = 0; i < 300; i++) await call(); // warm-up: connections, JIT
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

function runWorker(kind, endpoint, phase) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'worker', kind, endpoint, phase], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${kind} worker exited ${code}`))));
  });
}

const fmt = (x, digits = 0) => x.toFixed(digits);

/** The installed openai version (its package.json is not exported: read the lock). */
function openaiVersion() {
  const lock = require('./package-lock.json');
  return lock.packages['node_modules/openai'].version;
}

async function main() {
  if (process.argv[2] === 'worker') {
    process.stdout.write(JSON.stringify(await worker(process.argv[3], process.argv[4], process.argv[5])));
    return;
  }
  const emu = await startEmulator();
  try {
    // Rounds interleave the clients, and each figure is the best of the rounds: on a shared
    // machine, interference only ever makes a run slower.
    const runs = { raw: [], openai: [], foundry: [] };
    for (const phase of ['latency', 'tp64', 'tp256']) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const kind of Object.keys(runs)) {
          process.stderr.write(`${phase}, round ${round}: ${kind}\n`);
          runs[kind].push(await runWorker(kind, emu.endpoint, phase));
        }
      }
    }
    const best = (kind) => {
      const of = (phase) => runs[kind].filter((r) => r.phase === phase);
      const lat = of('latency').reduce((a, b) => (b.lat.mean < a.lat.mean ? b : a));
      const tp = (phase) => Math.max(...of(phase).map((r) => r.rps));
      const tp256 = of('tp256');
      return {
        lat: lat.lat,
        cpuPerCallUs: Math.min(...of('latency').map((r) => r.cpuPerCallUs)),
        rps64: tp('tp64'),
        rps256: tp('tp256'),
        maxRssMb: Math.max(...tp256.map((r) => r.maxRssMb)),
        heapUsedMb: Math.max(...tp256.map((r) => r.heapUsedMb)),
      };
    };
    const raw = best('raw');
    const openai = best('openai');
    const foundry = best('foundry');
    const overhead = (r) => r.lat.mean - raw.lat.mean;
    console.log(`\nfoundry-client (Node) vs openai ${openaiVersion()} AzureOpenAI, on the emulator`);
    console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), emulator on the same machine`);
    console.log(`best of ${ROUNDS} interleaved rounds; ${SEQUENTIAL_CALLS} sequential calls per latency run; ${THROUGHPUT_SECONDS} s per throughput run; chat completion, ~60-byte prompt\n`);
    const rows = [
      ['', 'raw node:http (floor)', 'openai AzureOpenAI', 'foundry-client', 'foundry / openai'],
      ['latency, concurrency 1: mean (ms)', fmt(raw.lat.mean, 3), fmt(openai.lat.mean, 3), fmt(foundry.lat.mean, 3), fmt(foundry.lat.mean / openai.lat.mean, 2)],
      ['latency, concurrency 1: p50 / p99 (ms)', `${fmt(raw.lat.p50, 3)} / ${fmt(raw.lat.p99, 3)}`, `${fmt(openai.lat.p50, 3)} / ${fmt(openai.lat.p99, 3)}`, `${fmt(foundry.lat.p50, 3)} / ${fmt(foundry.lat.p99, 3)}`, ''],
      ['per-call overhead over the floor (ms)', '0', fmt(overhead(openai), 3), fmt(overhead(foundry), 3), fmt(overhead(foundry) / overhead(openai), 2)],
      ['process CPU per call (all threads), concurrency 1 (µs)', fmt(raw.cpuPerCallUs), fmt(openai.cpuPerCallUs), fmt(foundry.cpuPerCallUs), fmt(foundry.cpuPerCallUs / openai.cpuPerCallUs, 2)],
      ['throughput, concurrency 64 (calls/s)', fmt(raw.rps64), fmt(openai.rps64), fmt(foundry.rps64), fmt(foundry.rps64 / openai.rps64, 2)],
      ['throughput, concurrency 256 (calls/s)', fmt(raw.rps256), fmt(openai.rps256), fmt(foundry.rps256), fmt(foundry.rps256 / openai.rps256, 2)],
      ['peak RSS at concurrency 256 (MB)', fmt(raw.maxRssMb, 1), fmt(openai.maxRssMb, 1), fmt(foundry.maxRssMb, 1), fmt(foundry.maxRssMb / openai.maxRssMb, 2)],
      ['JS heap used after concurrency 256 (MB)', fmt(raw.heapUsedMb, 1), fmt(openai.heapUsedMb, 1), fmt(foundry.heapUsedMb, 1), fmt(foundry.heapUsedMb / openai.heapUsedMb, 2)],
    ];
    console.log(`| ${rows[0].join(' | ')} |`);
    console.log(`|${rows[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
  } finally {
    emu.stop();
  }
}

await main();
