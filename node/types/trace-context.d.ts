/**
 * The trace headers to add to a call whose own headers are `sets`, or `undefined` when there
 * is nothing to add: no API, no valid current span, or a `traceparent` the caller set
 * (in any case), which wins together with its `tracestate`.
 */
export declare function traceHeaders(...sets: Array<Record<string, string> | undefined>): Record<string, string> | undefined;
