import { type Api, type Usage } from './normalized';
/** An HTTP attempt finished (answered, failed, or could not connect). */
export interface AttemptEvent {
    type: 'attempt';
    deployment: string;
    shape: string;
    api: Api;
    /** 1-based, across retries and fallbacks of one call. */
    attempt: number;
    status: number | null;
    /** The error kind, when the attempt failed. */
    error: string | null;
    latencyMs: number;
    /** True when the deployment is a fallback of the route. */
    fallback: boolean;
    requestId: string | null;
    /** How long the client waits before the next attempt, when it retries. */
    retryInMs: number | null;
}
/** A call finished, successfully or not. */
export interface ResultEvent {
    type: 'result';
    operation: Api;
    /** The deployment that answered (or the last one tried). */
    deployment: string;
    model: string | null;
    attempts: number;
    fallback: boolean;
    usage: Usage;
    costUsd: number;
    finishReason: string | null;
    /** Whether Azure's content filter fired on the prompt or the completion. */
    contentFiltered: boolean;
    requestId: string | null;
    latencyMs: number;
    /** The error kind, when the call failed. */
    error: string | null;
}
/** What `onEvent` receives. */
export type FoundryEvent = AttemptEvent | ResultEvent;
/** The addon-facing callback for a user's `onEvent`. A throwing callback is reported as a
 * process warning, never as a crash, and never affects the call. */
export declare function eventListener(onEvent: (event: FoundryEvent) => void): (json: string) => void;
