import { CancelToken } from './native';
/**
 * Runs one addon call. Without a signal it is a plain call; with one, a token is handed to
 * the addon and flipped when the signal fires (at once if it already has: nothing is sent).
 * Addon errors become `FoundryError`s.
 */
export declare function callNative<T>(signal: AbortSignal | undefined, run: (token: CancelToken | undefined) => Promise<T>): Promise<T>;
