import { CancelToken } from './native';
/**
 * Runs one addon call. Without a signal it is a plain call; with one, a token is handed to
 * the addon and flipped when the signal fires. Addon errors become `FoundryError`s, and the
 * rejection of an aborted call an {@link AbortError}.
 */
export declare function callNative<T>(signal: AbortSignal | undefined, run: (token: CancelToken | undefined) => Promise<T>): Promise<T>;
/** Like {@link callNative}, with a token the caller keeps (a stream's). */
export declare function callWithToken<T>(token: CancelToken, signal: AbortSignal | undefined, run: (token: CancelToken) => Promise<T>): Promise<T>;
