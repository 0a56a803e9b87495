// The addon (napi-rs generated loader and declarations: ../native.js, ../native.d.ts).
export { CancelToken, NativeClient, NativeStream, errorKinds, flushTelemetry, telemetryEnabled } from '../native';
export type { NativeCallOptions, NativeSettings } from '../native';
