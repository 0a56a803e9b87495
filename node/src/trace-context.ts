// The caller's OpenTelemetry trace on each request (issue 14, part 3): when
// `@opentelemetry/api` is installed and a span is current, the call carries its W3C
// `traceparent` (and `tracestate`) as extra headers, so the core's span, or the service's when
// the core exports nothing, joins the caller's trace. Nothing else about tracing crosses into
// the addon. The API is an optional peer dependency: without it nothing is added and nothing
// fails.

import type * as otel from '@opentelemetry/api';

/** The API once looked up: `null` when it is not installed (or would not load). */
let api: typeof otel | null | undefined;

/** Loaded at the first call, not at import: a process that never calls pays nothing. */
function openTelemetry(): typeof otel | null {
  if (api === undefined) {
    try {
      api = require('@opentelemetry/api') as typeof otel;
    } catch {
      // Tracing is best effort: a missing or broken API must never fail the call.
      api = null;
    }
  }
  return api;
}

function hasHeader(name: string, sets: ReadonlyArray<Record<string, string> | undefined>): boolean {
  return sets.some((headers) => headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === name));
}

/**
 * The trace headers to add to a call whose own headers are `sets`, or `undefined` when there
 * is nothing to add: no API, no valid current span, or a `traceparent` the caller set
 * (in any case), which wins together with its `tracestate`.
 */
export function traceHeaders(...sets: Array<Record<string, string> | undefined>): Record<string, string> | undefined {
  const otelApi = openTelemetry();
  if (otelApi === null) return undefined;
  const span = otelApi.trace.getSpan(otelApi.context.active())?.spanContext();
  if (span === undefined || !otelApi.isSpanContextValid(span) || hasHeader('traceparent', sets)) return undefined;
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const added: Record<string, string> = { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
  const state = span.traceState?.serialize();
  if (state && !hasHeader('tracestate', sets)) added.tracestate = state;
  return added;
}
