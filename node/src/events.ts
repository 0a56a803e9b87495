// `onEvent`: the core's events, delivered on the JS thread after the fact (never blocking a
// call), with camelCase keys. Their declarations come from the core's Rust types
// (node/src/generated/shapes.ts), camelized.

import { camelKeys, type Camelized } from './camel';
import type * as core from './generated/shapes';

type Tagged<T extends core.Event['type']> = Camelized<Extract<core.Event, { type: T }>>;

/** An HTTP attempt finished (answered, failed, or could not connect); `queuedMs` is its wait
 * in the local rate-limit queues. */
export type AttemptEvent = Tagged<'attempt'>;
/** A call finished, successfully or not; `scope` and `tags` are its scoped handle's. */
export type ResultEvent = Tagged<'result'>;
/** A deployment's circuit breaker opened, half-opened or closed. */
export type CircuitEvent = Tagged<'circuit'>;
/** A retry was not made: the client's retry budget could not pay for it. */
export type RetryRefusedEvent = Tagged<'retry_refused'>;
/** An attempt's budget reservation was `reserved`, `settled`, `released` or `refused`. */
export type SpendEvent = Tagged<'spend'>;
/** A budget's soft threshold was crossed (once per scope, period and threshold). */
export type BudgetAlertEvent = Tagged<'budget_alert'>;
/** The governance policies admitted or refused an attempt, before it was sent. */
export type PolicyEvent = Tagged<'policy'>;
/** The fleet's shared store (Redis) stopped answering (`unreachable`) or answers again
 * (`reachable`); `mode` is what calls under a budget do meanwhile (`fail_closed` or `local`). */
export type StoreEvent = Tagged<'store'>;

/** What `onEvent` receives: narrow on `type`. */
export type FoundryEvent = Camelized<core.Event>;

/** The addon-facing callback for a user's `onEvent`. A throwing callback is reported as a
 * process warning, never as a crash, and never affects the call. */
export function eventListener(onEvent: (event: FoundryEvent) => void): (json: string) => void {
  return (json: string) => {
    try {
      onEvent(camelKeys(JSON.parse(json)) as FoundryEvent);
    } catch (e) {
      process.emitWarning(`foundry-client: the onEvent callback threw: ${String(e)}`, 'FoundryEventWarning');
    }
  };
}
