// The addon (napi-rs generated loader and declarations: ../native.js, ../native.d.ts).
export { CancelToken, NativeClient, NativeStream } from '../native';
export type { NativeOptions } from '../native';
