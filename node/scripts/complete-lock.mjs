// Completes package-lock.json with the other platforms' optional native helpers of the build
// tools (@napi-rs/lzma-darwin-arm64, ...). The registry this project installs from serves only
// the linux-x64 builds, so `npm install` leaves them out of the lock, and `npm ci` then calls
// the lock out of sync. Each added entry carries its os/cpu, so npm skips it on other
// platforms without fetching it. Run after `npm install`: node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'android-arm-eabi': [['android'], ['arm']],
  'android-arm64': [['android'], ['arm64']],
  'darwin-arm64': [['darwin'], ['arm64']],
  'darwin-x64': [['darwin'], ['x64']],
  'darwin-universal': [['darwin'], null],
  'freebsd-x64': [['freebsd'], ['x64']],
  'freebsd-arm64': [['freebsd'], ['arm64']],
  'linux-arm-gnueabihf': [['linux'], ['arm']],
  'linux-arm64-gnu': [['linux'], ['arm64']],
  'linux-arm64-musl': [['linux'], ['arm64']],
  'linux-ppc64-gnu': [['linux'], ['ppc64']],
  'linux-riscv64-gnu': [['linux'], ['riscv64']],
  'linux-s390x-gnu': [['linux'], ['s390x']],
  'linux-x64-gnu': [['linux'], ['x64']],
  'linux-x64-musl': [['linux'], ['x64']],
  'wasm32-wasi': [null, ['wasm32']],
  'win32-arm64-msvc': [['win32'], ['arm64']],
  'win32-ia32-msvc': [['win32'], ['ia32']],
  'win32-x64-msvc': [['win32'], ['x64']],
};

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let added = 0;
for (const meta of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (key in lock.packages) continue;
    const suffix = Object.keys(PLATFORMS).find((s) => dep.endsWith(`-${s}`));
    if (suffix === undefined) throw new Error(`${dep}: not a platform package this script knows`);
    const [os, cpu] = PLATFORMS[suffix];
    lock.packages[key] = { version, dev: true, optional: true, ...(os && { os }), ...(cpu && { cpu }) };
    added += 1;
  }
}
const sorted = Object.keys(lock.packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0));
lock.packages = Object.fromEntries(sorted.map((k) => [k, lock.packages[k]]));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entries added`);
