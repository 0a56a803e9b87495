// The addon (napi-rs generated loader and declarations: ../native.js, ../native.d.ts).
export { CancelToken, NativeClient, NativeStream, errorKinds } from '../native';
export type { NativeCallOptions, NativeSettings } from '../native';
