export { CancelToken, NativeClient, NativeStream } from '../native';
export type { NativeOptions } from '../native';
