import type { NormalizedDeployment } from './generated/shapes';
import { type NormalizedUsage, type Usage } from './normalized';
/** The core's JSON of one deployment (`normalized` of a {@link DeploymentInfo}), generated
 * from the core's `DeploymentListing`. */
export type { NormalizedDeployment } from './generated/shapes';
/** One deployment of the catalog, with what the client learned at run time applied
 * (a deployment found to be responses-only says so). Never holds a secret. */
export declare class DeploymentInfo {
    /** What callers pass as `model`. */
    name: string;
    /** The deployment name on the service. */
    deployment: string;
    model: string | null;
    endpoint: string;
    shape: NormalizedDeployment['shape'];
    apiVersion: string;
    responsesApiVersion: string;
    /** How requests authenticate (`api_key`, `entra`, `none`); never the key. */
    auth: NormalizedDeployment['auth'];
    /** The Entra credential kind, for `entra`. */
    credential: string | null;
    thinking: boolean;
    responsesOnly: boolean;
    maxTokensParam: NormalizedDeployment['max_tokens_param'];
    minMaxTokens: number | null;
    extraParameters: NormalizedDeployment['extra_parameters'];
    /** USD per 1M tokens. */
    pricing: {
        input: number;
        cachedInput: number | null;
        output: number;
    };
    tpm: number | null;
    rpm: number | null;
    tags: Record<string, string>;
    readonly normalized: NormalizedDeployment;
    /** Built by the client from the addon's answer. */
    constructor(d: NormalizedDeployment);
}
/** The core's JSON of one smoke outcome. */
export interface NormalizedSmokeResult {
    deployment: string;
    ok: boolean;
    status: number | null;
    api: string | null;
    latency_ms: number;
    usage: NormalizedUsage;
    cost_usd: number;
    error: string | null;
    hint: string | null;
}
/** One deployment's answer to the smoke ping. */
export declare class SmokeResult {
    deployment: string;
    /** True when the deployment answered (a thinking model that spent the tiny budget
     * reasoning still answered). */
    ok: boolean;
    status: number | null;
    api: string | null;
    latencyMs: number;
    usage: Usage;
    costUsd: number;
    /** The error's kind and message when it failed. */
    error: string | null;
    /** What to do about the failure. */
    hint: string | null;
    readonly normalized: NormalizedSmokeResult;
    /** Built by the client from the addon's answer. */
    constructor(s: NormalizedSmokeResult);
}
