// The deployment list and the smoke check's outcomes, in camelCase, each with the core's
// JSON as `normalized`.

import type { NormalizedDeployment } from './generated/shapes';
import { usageFrom, type NormalizedUsage, type Usage } from './normalized';

/** The core's JSON of one deployment (`normalized` of a {@link DeploymentInfo}), generated
 * from the core's `DeploymentListing`. */
export type { NormalizedDeployment } from './generated/shapes';

/** One deployment of the catalog, with what the client learned at run time applied
 * (a deployment found to be responses-only says so). Never holds a secret. */
export class DeploymentInfo {
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
  pricing: { input: number; cachedInput: number | null; output: number };
  tpm: number | null;
  rpm: number | null;
  tags: Record<string, string>;
  declare readonly normalized: NormalizedDeployment;

  /** Built by the client from the addon's answer. */
  constructor(d: NormalizedDeployment) {
    this.name = d.name;
    this.deployment = d.deployment;
    this.model = d.model;
    this.endpoint = d.endpoint;
    this.shape = d.shape;
    this.apiVersion = d.api_version;
    this.responsesApiVersion = d.responses_api_version;
    this.auth = d.auth;
    this.credential = d.credential;
    this.thinking = d.thinking;
    this.responsesOnly = d.responses_only;
    this.maxTokensParam = d.max_tokens_param;
    this.minMaxTokens = d.min_max_tokens;
    this.extraParameters = d.extra_parameters;
    this.pricing = {
      input: d.pricing.input,
      cachedInput: d.pricing.cached_input,
      output: d.pricing.output,
    };
    this.tpm = d.tpm;
    this.rpm = d.rpm;
    this.tags = d.tags;
    Object.defineProperty(this, 'normalized', { value: d, enumerable: false });
  }
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
export class SmokeResult {
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
  declare readonly normalized: NormalizedSmokeResult;

  /** Built by the client from the addon's answer. */
  constructor(s: NormalizedSmokeResult) {
    this.deployment = s.deployment;
    this.ok = s.ok;
    this.status = s.status;
    this.api = s.api;
    this.latencyMs = s.latency_ms;
    this.usage = usageFrom(s.usage);
    this.costUsd = s.cost_usd;
    this.error = s.error;
    this.hint = s.hint;
    Object.defineProperty(this, 'normalized', { value: s, enumerable: false });
  }
}
