// Streams: the addon's `NativeStream` (the core's `StreamHandle`) as an AsyncIterable, as the
// OpenAI SDK's `Stream` is used: `for await (const chunk of stream)`. `break`,
// `controller.abort()`, `stream.abort()` and the call's `signal` are all the handle's
// `cancel()`; what a read returns after it (or after a failure, or the end) is the handle's
// rule, never this file's.

import { fromNative } from './errors';
import { type NativeStream } from './native';
import { type NativePayload } from './results';

/** What a collected stream leaves to release: its listeners and its native stream. Holds no
 * reference to the `Stream` itself, or the stream could never be collected. */
interface Held {
  native: NativeStream;
  signals: AbortSignal[];
  onAbort: () => void;
}

/** Hangs up and unhooks one stream's listeners (issue 10, point 8). */
function release({ native, signals, onAbort }: Held): void {
  for (const s of signals) s.removeEventListener('abort', onAbort);
  native.cancel();
}

/**
 * A stream dropped without being iterated never reaches the `finally` of its iterator. Once
 * the `Stream` is collected, this cancels the native stream (closing the connection) and
 * removes the listeners from the caller's signal.
 */
const collected = new FinalizationRegistry<Held>(release);

/** A streamed answer: an async iterable of chunks, then the folded result. */
export class Stream<Chunk, Final> implements AsyncIterable<Chunk> {
  /** Aborting it cancels the stream and closes the connection, like the OpenAI SDK's. */
  readonly controller: AbortController;
  readonly #native: NativeStream;
  readonly #chunk: (payload: NativePayload<never>) => Chunk;
  readonly #final: (payload: NativePayload<never>) => Final;
  readonly #held: Held;
  #iterated = false;

  /** Built by the client. */
  constructor(
    native: NativeStream,
    signal: AbortSignal | undefined,
    chunk: (payload: NativePayload<never>) => Chunk,
    final: (payload: NativePayload<never>) => Final,
  ) {
    this.#native = native;
    this.controller = new AbortController();
    this.#chunk = chunk;
    this.#final = final;
    const signals = signal === undefined ? [this.controller.signal] : [this.controller.signal, signal];
    // Refers to `native` only (never to `this`), so a signal that outlives the stream does not
    // keep the stream alive.
    const onAbort = (): void => native.cancel();
    for (const s of signals) {
      if (s.aborted) native.cancel();
      else s.addEventListener('abort', onAbort, { once: true });
    }
    this.#held = { native, signals, onAbort };
    collected.register(this, this.#held, this);
  }

  /** The deployment streaming the answer. */
  get deployment(): string {
    return this.#native.deployment;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    if (this.#iterated) throw new Error('a stream can be iterated only once');
    this.#iterated = true;
    try {
      for (;;) {
        const json = await this.#next();
        if (json === null) return;
        yield this.#chunk(JSON.parse(json) as NativePayload<never>);
      }
    } finally {
      // `break`, `return` or a throw in the loop body: cancel (a no-op after the end).
      this.#release();
    }
  }

  /**
   * Reads whatever is left and returns the whole answer, normalized like a non-streamed
   * call (usage and cost included when the service sent usage). Rejects with the error that
   * ended the stream: the failure, or `cancelled` ({@link APIUserAbortError}) after an abort.
   */
  async finalResult(): Promise<Final> {
    if (!this.#iterated) {
      const rest = this[Symbol.asyncIterator]();
      while (!(await rest.next()).done) {
        // drained: only the folded result is wanted
      }
    }
    let json = this.#native.result();
    // A stream iterated but not to its end: the next read says why (cancelled, or failed).
    while (json === null) {
      // Chunks are skipped; at the clean end the handle holds the result (core's rule).
      if ((await this.#next()) === null) json = this.#native.result() ?? 'null';
    }
    return this.#final(JSON.parse(json) as NativePayload<never>);
  }

  /** Cancels the stream, closes the connection and removes the stream's listener from the
   * call's `signal`. */
  abort(): void {
    this.controller.abort();
    this.#release();
  }

  #release(): void {
    release(this.#held);
    collected.unregister(this);
  }

  /** The next chunk's JSON, `null` at the clean end; the core's error otherwise. */
  async #next(): Promise<string | null> {
    try {
      return await this.#native.next();
    } catch (e) {
      const error = fromNative(e);
      const reason = this.#held.signals.find((s) => s.aborted)?.reason;
      if (error instanceof Error && error.cause === undefined && reason !== undefined) error.cause = reason;
      throw error;
    }
  }
}
