import { type NativeStream } from './native';
import { type NativePayload } from './results';
/** A streamed answer: an async iterable of chunks, then the folded result. */
export declare class Stream<Chunk, Final> implements AsyncIterable<Chunk> {
    #private;
    /** Aborting it cancels the stream and closes the connection, like the OpenAI SDK's. */
    readonly controller: AbortController;
    /** Built by the client. */
    constructor(native: NativeStream, signal: AbortSignal | undefined, chunk: (payload: NativePayload<never>) => Chunk, final: (payload: NativePayload<never>) => Final);
    /** The deployment streaming the answer. */
    get deployment(): string;
    [Symbol.asyncIterator](): AsyncIterator<Chunk>;
    /**
     * Reads whatever is left and returns the whole answer, normalized like a non-streamed
     * call (usage and cost included when the service sent usage). Rejects with the error that
     * ended the stream: the failure, or `cancelled` ({@link APIUserAbortError}) after an abort.
     */
    finalResult(): Promise<Final>;
    /** Cancels the stream, closes the connection and removes the stream's listener from the
     * call's `signal`. */
    abort(): void;
}
