// AbortSignal → the addon's CancelToken: cancelling drops the core's future, which closes
// the HTTP connection, and the call rejects with the core's `cancelled` kind
// (`APIUserAbortError`).

import { fromNative } from './errors';
import { CancelToken } from './native';

/** The addon's error as a `FoundryError`; an abort's carries the signal's reason as its
 * `cause` (the core's cancelled error has none of its own). */
function mapped(e: unknown, signal: AbortSignal | undefined): unknown {
  const error = fromNative(e);
  if (signal?.aborted && error instanceof Error && error.cause === undefined && signal.reason !== undefined) {
    error.cause = signal.reason;
  }
  return error;
}

/**
 * Runs one addon call. Without a signal it is a plain call; with one, a token is handed to
 * the addon and flipped when the signal fires (at once if it already has: nothing is sent).
 * Addon errors become `FoundryError`s.
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
  const token = new CancelToken();
  const onAbort = (): void => token.cancel();
  if (signal.aborted) token.cancel();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(token);
  } catch (e) {
    throw mapped(e, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
