// The core's OpenTelemetry export (issue 14, part 3): spans and GenAI metrics go over OTLP
// when the standard OTEL_* variables ask for it, from the core's own threads, which end with
// the process. So what is still buffered is flushed once when the event loop empties
// ('beforeExit'), and `flushTelemetry()` is there for a process that leaves by
// `process.exit()` or a signal, where 'beforeExit' never fires.

import { flushTelemetry as nativeFlush, telemetryEnabled } from './native';

/**
 * Exports the spans and metrics recorded so far and resolves when they are sent: `true`, or
 * when there is nothing to export (no `OTEL_EXPORTER_OTLP_ENDPOINT`, or no client built yet);
 * `false` when the receiver refused or 10 s passed. Network IO off the JS thread. Await it
 * before `process.exit()`; a process that ends by running out of work flushes by itself.
 */
export function flushTelemetry(): Promise<boolean> {
  return nativeFlush();
}

let flushAtExitArmed = false;

/** After a client is built: when this process exports, flush once at 'beforeExit'. */
export function flushAtExit(): void {
  if (flushAtExitArmed || !telemetryEnabled()) return;
  flushAtExitArmed = true;
  // `once`: the flush's own promise keeps the loop alive; when it settles 'beforeExit'
  // fires again and finds no listener, so the process exits.
  process.once('beforeExit', () => {
    void nativeFlush();
  });
}
