// Governance values: `client.scope(name, options)`'s options, and what `client.spend()` and
// `client.limits()` report. The rules behind them (windows, caps, queues) and every message
// are the core's; this file renames keys.

import { camelKeys, type Camelized } from './camel';
import type * as core from './generated/shapes';

/** A scoped handle's budget: the catalog budget's keys, in camelCase. */
export interface ScopeBudget {
  /** The cap, in USD: a call whose reservation would pass it is refused before it is sent. */
  hardUsd: number;
  /** `day`, `week`, `month` (the default), `total`, or a rolling `30m` / `12h` / `30d`. */
  window?: string;
  /** An IANA time zone for calendar windows (default UTC). */
  timeZone?: string;
  /** Alert thresholds as fractions of `hardUsd` (default `[0.8]`): `budget_alert` events. */
  soft?: number[];
}

/** `client.scope(name, options)`: what the handle may do, on top of its parents' limits. */
export interface ScopeOptions {
  /** The deployments (or routes) the handle may call; others reject with `PolicyError`. */
  models?: string[];
  budget?: ScopeBudget;
  /** Requests and tokens per minute: the handle's calls queue for them (a `priority` class
   * each), and one whose wait would pass its timeout rejects with `RateLimitError`. */
  rpm?: number;
  tpm?: number;
  /** Sent with the handle's result events (a cost centre, a team), on top of its parents'. */
  tags?: Record<string, string>;
}

/** A call's class in the local rate-limit queues (the `priority` request field; never sent):
 * `high` is served first, `low` last, and a waiting call ages so no class starves. */
export type Priority = 'high' | 'normal' | 'low';

/** One budget's spend in its current period. */
export type SpendLine = Camelized<core.SpendLine>;
/** One local rate limit as it stands: a limited scope's or a paced deployment's. */
export type LimitLine = Camelized<core.LimitLine>;

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), v]));
}

/** The options with the core's keys (`ScopeSpec::from_json` reads and checks them; an
 * unknown key reaches it, so its message names the key). `tags` keep their own keys. */
export function scopeSpec(options: ScopeOptions | undefined): Record<string, unknown> {
  const spec = snakeKeys(options ?? {}) as Record<string, unknown>;
  if (spec.budget !== undefined) spec.budget = snakeKeys(spec.budget);
  return spec;
}

/** The addon's JSON lines with camelCase keys. */
export function camelLines<T>(json: string): T[] {
  return camelKeys(JSON.parse(json)) as T[];
}
