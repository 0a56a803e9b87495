// Generated from the Rust types by bindings/node/tests/generated.rs: do not edit. Regenerate with FOUNDRY_UPDATE_GENERATED=1 scripts/test_node.sh.

/** The core's error kinds (`ErrorKind::ALL`), each with its doc. */
export const ERROR_KIND_DOCS = {
  config: "The catalog (file, environment or builder) is unusable.",
  invalid_request: "The caller's request was refused before anything was sent.",
  authentication: "401: missing, invalid or expired key or token.",
  permission_denied: "403: the identity lacks the \"Cognitive Services User\" role.",
  not_found: "404: wrong deployment name, endpoint or api-version.",
  rate_limit: "429: quota or rate limit; carries the server's retry hint.",
  content_filter: "400 `content_filter`, or a completion that ended in `content_filter`.",
  operation_unsupported: "400 `OperationNotSupported`: the deployment does not serve this API.",
  bad_request: "Any other 4xx the service refused.",
  server: "5xx from the service.",
  timeout: "The deadline or the per-attempt timeout passed (also 408).",
  connection: "The connection could not be made or broke before an answer.",
  stream: "A stream broke or ended without its terminator.",
  reasoning_exhausted: "A thinking model spent its whole `max_tokens` budget reasoning: no answer.",
  invalid_response: "The service answered something this client cannot read.",
  credential: "Credentials could not be obtained (Entra ID, managed identity, CLI).",
  cancelled: "The caller cancelled or closed the call (a stream, an aborted request) before its end.",
  budget_exceeded: "A budget's hard cap would be passed: the call was refused before it was sent.",
  ledger: "The spend ledger could not be read or written: the call was refused unaccounted.",
  policy: "A governance policy refused the call before it was sent (an unapproved deployment, a prompt over the size limit, a missing correlation id).",
  revoked: "The scoped handle the call was made through was revoked.",
  store_unavailable: "The fleet's shared store (Redis) did not answer: a call under a hard budget was refused unsent rather than run unaccounted.",
} as const;

/** One of the core's error kinds. */
export type ErrorKindName = keyof typeof ERROR_KIND_DOCS;
