// Streams: the addon's small `next()` wrapped as an AsyncIterable, as the OpenAI SDK's
// `Stream` is used: `for await (const chunk of stream)`. `break` (or `controller.abort()`, or
// the call's `signal`) closes the HTTP connection.

import { AbortError, fromNative } from './errors';
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
  native.close();
}

/**
 * A stream dropped without being iterated never reaches the `finally` of its iterator. Its
 * `abort` listener would stay on the caller's signal (a long-lived one collects one listener
 * per stream), and that listener, holding the native stream, would keep the HTTP connection
 * open until the service finished. Once the `Stream` is collected, this closes the native
 * stream (dropping the core stream, which closes the connection) and removes the listeners.
 */
const collected = new FinalizationRegistry<Held>(release);

/** A streamed answer: an async iterable of chunks, then the folded result. */
export class Stream<Chunk, Final> implements AsyncIterable<Chunk> {
  /** Aborting it stops the stream and closes the connection, like the OpenAI SDK's. */
  readonly controller: AbortController;
  readonly #native: NativeStream;
  readonly #chunk: (payload: NativePayload<never>) => Chunk;
  readonly #final: (payload: NativePayload<never>) => Final;
  readonly #signals: AbortSignal[];
  readonly #onAbort: () => void;
  #iterated = false;
  #ended = false;

  /** Built by the client. */
  constructor(
    native: NativeStream,
    controller: AbortController,
    signal: AbortSignal | undefined,
    chunk: (payload: NativePayload<never>) => Chunk,
    final: (payload: NativePayload<never>) => Final,
  ) {
    this.#native = native;
    this.controller = controller;
    this.#signals = signal === undefined ? [controller.signal] : [controller.signal, signal];
    this.#chunk = chunk;
    this.#final = final;
    // Hangs up at once, even when no `next()` is pending. Refers to `native` only (never to
    // `this`), so a signal that outlives the stream does not keep the stream alive.
    this.#onAbort = () => native.close();
    for (const s of this.#signals) {
      if (s.aborted) native.close();
      else s.addEventListener('abort', this.#onAbort, { once: true });
    }
    collected.register(this, { native, signals: this.#signals, onAbort: this.#onAbort }, this);
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
        if (json === null) {
          this.#ended = true;
          return;
        }
        yield this.#chunk(JSON.parse(json) as NativePayload<never>);
      }
    } finally {
      // `break`, `return` or a throw in the loop body: stop reading and hang up.
      if (!this.#ended) this.#native.close();
      for (const s of this.#signals) s.removeEventListener('abort', this.#onAbort);
      collected.unregister(this);
    }
  }

  /**
   * Reads whatever is left and returns the whole answer, normalized like a non-streamed
   * call (usage and cost included when the service sent usage).
   */
  async finalResult(): Promise<Final> {
    if (!this.#iterated) {
      const rest = this[Symbol.asyncIterator]();
      while (!(await rest.next()).done) {
        // drained: only the folded result is wanted
      }
    }
    const json = this.#native.result();
    if (json === null) throw new AbortError(this.#reason());
    return this.#final(JSON.parse(json) as NativePayload<never>);
  }

  /** Stops the stream, closes the connection and removes the stream's listener from the
   * call's `signal`. */
  abort(): void {
    this.controller.abort();
    release({ native: this.#native, signals: this.#signals, onAbort: this.#onAbort });
    collected.unregister(this);
  }

  /** The next chunk's JSON, `null` at the end. Once a signal fired, reading throws
   * {@link AbortError} rather than ending quietly: a cut-off answer never looks complete. */
  async #next(): Promise<string | null> {
    try {
      const json = await this.#native.next();
      const reason = json === null ? this.#reason() : undefined;
      if (reason !== undefined) throw new AbortError(reason);
      return json;
    } catch (e) {
      if (e instanceof AbortError) throw e;
      const reason = this.#reason();
      if (reason !== undefined) throw new AbortError(reason);
      throw fromNative(e);
    }
  }

  /** The reason of the first signal that fired, if any did. */
  #reason(): unknown {
    for (const signal of this.#signals) {
      if (signal.aborted) return signal.reason;
    }
    return undefined;
  }
}
