export { CancelToken, NativeClient, NativeStream, errorKinds, flushTelemetry, telemetryEnabled } from '../native';
export type { NativeCallOptions, NativeSettings } from '../native';
