export { CancelToken, NativeClient, NativeStream, errorKinds } from '../native';
export type { NativeCallOptions, NativeSettings } from '../native';
