/**
 * Exports the spans and metrics recorded so far and resolves when they are sent: `true`, or
 * when there is nothing to export (no `OTEL_EXPORTER_OTLP_ENDPOINT`, or no client built yet);
 * `false` when the receiver refused or 10 s passed. Network IO off the JS thread. Await it
 * before `process.exit()`; a process that ends by running out of work flushes by itself.
 */
export declare function flushTelemetry(): Promise<boolean>;
/** After a client is built: when this process exports, flush once at 'beforeExit'. */
export declare function flushAtExit(): void;
