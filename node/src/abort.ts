// AbortSignal → the addon's CancelToken: cancelling drops the core's future, which closes
// the HTTP connection.

import { AbortError, fromNative } from './errors';
import { CancelToken } from './native';

/**
 * Runs one addon call. Without a signal it is a plain call; with one, a token is handed to
 * the addon and flipped when the signal fires. Addon errors become `FoundryError`s, and the
 * rejection of an aborted call an {@link AbortError}.
 */
export async function callNative<T>(
  signal: AbortSignal | undefined,
  run: (token: CancelToken | undefined) => Promise<T>,
): Promise<T> {
  if (signal === undefined) {
    try {
      return await run(undefined);
    } catch (e) {
      throw fromNative(e);
    }
  }
  return callWithToken(new CancelToken(), signal, run);
}

/** Like {@link callNative}, with a token the caller keeps (a stream's). */
export async function callWithToken<T>(
  token: CancelToken,
  signal: AbortSignal | undefined,
  run: (token: CancelToken) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new AbortError(signal.reason);
  const onAbort = (): void => token.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(token);
  } catch (e) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    throw fromNative(e);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
