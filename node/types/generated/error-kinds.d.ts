/** The core's error kinds (`ErrorKind::ALL`), each with its doc. */
export declare const ERROR_KIND_DOCS: {
    readonly config: "The catalog (file, environment or builder) is unusable.";
    readonly invalid_request: "The caller's request was refused before anything was sent.";
    readonly authentication: "401: missing, invalid or expired key or token.";
    readonly permission_denied: "403: the identity lacks the \"Cognitive Services User\" role.";
    readonly not_found: "404: wrong deployment name, endpoint or api-version.";
    readonly rate_limit: "429: quota or rate limit; carries the server's retry hint.";
    readonly content_filter: "400 `content_filter`, or a completion that ended in `content_filter`.";
    readonly operation_unsupported: "400 `OperationNotSupported`: the deployment does not serve this API.";
    readonly bad_request: "Any other 4xx the service refused.";
    readonly server: "5xx from the service.";
    readonly timeout: "The deadline or the per-attempt timeout passed (also 408).";
    readonly connection: "The connection could not be made or broke before an answer.";
    readonly stream: "A stream broke or ended without its terminator.";
    readonly reasoning_exhausted: "A thinking model spent its whole `max_tokens` budget reasoning: no answer.";
    readonly invalid_response: "The service answered something this client cannot read.";
    readonly credential: "Credentials could not be obtained (Entra ID, managed identity, CLI).";
    readonly cancelled: "The caller cancelled or closed the call (a stream, an aborted request) before its end.";
    readonly budget_exceeded: "A budget's hard cap would be passed: the call was refused before it was sent.";
    readonly ledger: "The spend ledger could not be read or written: the call was refused unaccounted.";
    readonly policy: "A governance policy refused the call before it was sent (an unapproved deployment, a prompt over the size limit, a missing correlation id).";
    readonly revoked: "The scoped handle the call was made through was revoked.";
    readonly store_unavailable: "The fleet's shared store (Redis) did not answer: a call under a hard budget was refused unsent rather than run unaccounted.";
};
/** One of the core's error kinds. */
export type ErrorKindName = keyof typeof ERROR_KIND_DOCS;
