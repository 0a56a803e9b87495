//! One error taxonomy for every language: FOUNDRY.md's troubleshooting table plus the
//! client-side failures. Bindings map [`ErrorKind`] with one exhaustive `match` each.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::types::{Attempt, ContentFilterReport};

/// Declares [`ErrorKind`], its stable names, its docs and [`ErrorKind::ALL`] from one list, so
/// a new kind cannot be left out of `ALL` (every binding's tests walk it to prove each kind has
/// its own class), and exports [`for_each_error_kind!`] so a binding can generate its own
/// per-kind type (a UniFFI variant, a class table) from the same list, docs included.
macro_rules! error_kinds {
    ($d:tt $($(#[doc = $doc:literal])* $kind:ident => $name:literal,)+) => {
        /// What went wrong, in the terms a caller acts on.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)+
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)+];

            /// The stable snake_case name used in vectors, JSON and the bindings' `kind`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $name,)+
                }
            }

            /// This kind's position in [`ErrorKind::ALL`]: bindings index a per-kind table
            /// generated from the same list, with no fallback for a kind they lack (a cast,
            /// which other crates may not make of a `#[non_exhaustive]` enum).
            pub fn index(self) -> usize {
                self as usize
            }

            /// The kind named `name` (as [`ErrorKind::as_str`] writes it).
            pub fn from_name(name: &str) -> Option<ErrorKind> {
                match name {
                    $($name => Some(ErrorKind::$kind),)+
                    _ => None,
                }
            }

            /// The kind's one-sentence description: its doc comment here, which every
            /// binding shows as its error class's docs instead of retyping it.
            pub fn doc(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => concat!($($doc),*).trim_ascii(),)+
                }
            }
        }

        /// Calls `$callback! { $( #[doc = "..."] Kind => "name", )+ }` with every error kind,
        /// so a binding's per-kind code is generated from the core's list and cannot miss one.
        #[macro_export]
        macro_rules! for_each_error_kind {
            ($d callback:ident) => {
                $d callback! { $($(#[doc = $doc])* $kind => $name,)+ }
            };
        }
    };
}

error_kinds! {
    $
    /// The catalog (file, environment or builder) is unusable.
    Config => "config",
    /// The caller's request was refused before anything was sent.
    InvalidRequest => "invalid_request",
    /// 401: missing, invalid or expired key or token.
    Authentication => "authentication",
    /// 403: the identity lacks the "Cognitive Services User" role.
    PermissionDenied => "permission_denied",
    /// 404: wrong deployment name, endpoint or api-version.
    NotFound => "not_found",
    /// 429: quota or rate limit; carries the server's retry hint.
    RateLimit => "rate_limit",
    /// 400 `content_filter`, or a completion that ended in `content_filter`.
    ContentFilter => "content_filter",
    /// 400 `OperationNotSupported`: the deployment does not serve this API.
    OperationUnsupported => "operation_unsupported",
    /// Any other 4xx the service refused.
    BadRequest => "bad_request",
    /// 5xx from the service.
    Server => "server",
    /// The deadline or the per-attempt timeout passed (also 408).
    Timeout => "timeout",
    /// The connection could not be made or broke before an answer.
    Connection => "connection",
    /// A stream broke or ended without its terminator.
    Stream => "stream",
    /// A thinking model spent its whole `max_tokens` budget reasoning: no answer.
    ReasoningExhausted => "reasoning_exhausted",
    /// The service answered something this client cannot read.
    InvalidResponse => "invalid_response",
    /// Credentials could not be obtained (Entra ID, managed identity, CLI).
    Credential => "credential",
    /// The caller cancelled or closed the call (a stream, an aborted request) before its end.
    Cancelled => "cancelled",
    /// A budget's hard cap would be passed: the call was refused before it was sent.
    BudgetExceeded => "budget_exceeded",
    /// The spend ledger could not be read or written: the call was refused unaccounted.
    Ledger => "ledger",
    /// A governance policy refused the call before it was sent (an unapproved deployment, a
    /// prompt over the size limit, a missing correlation id).
    Policy => "policy",
    /// The scoped handle the call was made through was revoked.
    Revoked => "revoked",
    /// The fleet's shared store (Redis) did not answer: a call under a hard budget was refused
    /// unsent rather than run unaccounted.
    StoreUnavailable => "store_unavailable",
}

impl ErrorKind {
    /// Whether the same request may succeed if sent again later.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimit
                | ErrorKind::Server
                | ErrorKind::Timeout
                | ErrorKind::Connection
                | ErrorKind::Stream
        )
    }

    fn default_hint(self) -> &'static str {
        match self {
            ErrorKind::Config => "fix the named key in the configuration",
            ErrorKind::InvalidRequest => "fix the request's arguments; nothing was sent",
            ErrorKind::Authentication => {
                "the key or token was refused: re-retrieve the key from Key Vault \
                 (az keyvault secret show ...) and export FOUNDRY_API_KEY, or check the Entra ID credential"
            }
            ErrorKind::PermissionDenied => {
                "the identity lacks the 'Cognitive Services User' role on the resource: \
                 check the role assignment (az role assignment list --scope <resource id>)"
            }
            ErrorKind::NotFound => {
                "check the deployment name (case- and dot-sensitive) and the api-version: \
                 list the deployments with `foundry deployments` or `az cognitiveservices account deployment list`"
            }
            ErrorKind::RateLimit => {
                "the deployment's TPM/RPM quota is exhausted: retry after the server's hint, \
                 add a fallback deployment to the route, or raise capacity"
            }
            ErrorKind::ContentFilter => {
                "Azure's content filter blocked the prompt or the completion: rephrase the input; \
                 the categories that fired are listed"
            }
            ErrorKind::OperationUnsupported => {
                "this deployment does not serve this API: set `responses_only: true` \
                 for it so calls go through the Responses API"
            }
            ErrorKind::BadRequest => "the service refused the request: read its message",
            ErrorKind::Server => "a service error: retried with backoff; if it persists check Azure status",
            ErrorKind::Timeout => "no answer in time: raise `timeout_secs` or add a fallback deployment",
            ErrorKind::Connection => "check the endpoint URL and the network path to it",
            ErrorKind::Stream => "the stream broke before it finished: retry the call",
            ErrorKind::ReasoningExhausted => {
                "the thinking model used every token reasoning and wrote no answer: \
                 raise max_tokens (100+; several hundred for long prompts)"
            }
            ErrorKind::InvalidResponse => "the service's answer could not be read: retry, or report it",
            ErrorKind::Credential => {
                "no Entra ID token could be obtained: check the managed identity / workload \
                 identity environment, or `az login`"
            }
            ErrorKind::Cancelled => {
                "the call was cancelled by the caller, so its answer is incomplete"
            }
            ErrorKind::BudgetExceeded => {
                "a hard budget would be passed: wait for its next period, lower `max_tokens` \
                 (the call reserves its prompt and its whole output bound), or raise the cap \
                 in `governance.budgets`"
            }
            ErrorKind::Policy => {
                "the catalog's `governance.policies` refused this call before it was sent: \
                 the message names the rule; call an approved deployment, shorten the prompt, \
                 or send the required header"
            }
            ErrorKind::Revoked => {
                "this scoped handle was revoked by its owner: ask for a new one"
            }
            ErrorKind::Ledger => {
                "the spend ledger failed, so the call was not sent: check that \
                 `governance.ledger` names a writable file on a local disk"
            }
            ErrorKind::StoreUnavailable => {
                "the fleet's Redis store did not answer, so a call under a hard budget was not \
                 sent (nothing was billed): start the Redis server, check `governance.store.url`, \
                 or set `governance.store.on_unreachable: local` with `fleet_size` to keep calling \
                 under local limits of limit / fleet_size while it is down; the same call may \
                 succeed once the store answers again"
            }
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The failure an [`Error`] came from (an IO, TLS, JSON or identity error), kept as its message
/// chain rather than the original value: the chain is cloneable, serializable, crosses every
/// FFI boundary as text, and is redacted of secrets where it is captured. Each binding turns
/// it into its language's cause (`__cause__` in Python, `cause` in Node and Kotlin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NormalizedCause"))]
pub struct Cause {
    pub message: String,
    /// What this cause came from, in turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cause: Option<Box<Cause>>,
}

impl Cause {
    pub fn new(message: impl Into<String>) -> Cause {
        Cause {
            message: message.into(),
            cause: None,
        }
    }

    /// The message chain of `error` and its sources, each passed through `clean` (a redactor).
    /// A message that repeats its source's text, as wrappers often do, stays whole: the chain
    /// is for reading, not for parsing.
    pub fn chain(
        error: &(dyn std::error::Error + 'static),
        clean: &dyn Fn(&str) -> String,
    ) -> Cause {
        // Bounded: a self-referencing source chain must not loop.
        const MAX_DEPTH: usize = 16;
        let mut messages = Vec::new();
        let mut current = Some(error);
        while let Some(e) = current {
            if messages.len() == MAX_DEPTH {
                break;
            }
            messages.push(clean(&e.to_string()));
            current = e.source();
        }
        let mut chain: Option<Box<Cause>> = None;
        for message in messages.into_iter().rev() {
            chain = Some(Box::new(Cause {
                message,
                cause: chain,
            }));
        }
        chain.map(|c| *c).unwrap_or_else(|| Cause::new(""))
    }

    /// The outermost message first.
    pub fn messages(&self) -> Vec<&str> {
        let mut out = vec![self.message.as_str()];
        let mut next = self.cause.as_deref();
        while let Some(c) = next {
            out.push(c.message.as_str());
            next = c.cause.as_deref();
        }
        out
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Everything known about one failure. Boxed inside [`Error`] so `Result` stays small.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ErrorDetails"))]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    pub message: String,
    /// HTTP status, where the service answered.
    pub status: Option<u16>,
    /// The service's own code (`content_filter`, `DeploymentNotFound`, `429`, ...).
    pub code: Option<String>,
    pub deployment: Option<String>,
    pub request_id: Option<String>,
    pub retryable: bool,
    /// What the user should do about it.
    pub hint: String,
    /// The server's retry hint, for rate limits.
    #[serde(rename = "retry_after_ms", serialize_with = "ser_ms")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub retry_after: Option<Duration>,
    /// Which categories fired, for content-filter errors.
    pub content_filter: Option<ContentFilterReport>,
    /// Every attempt made before giving up.
    pub attempts: Vec<Attempt>,
    /// The request may have reached the service (sent, then timed out or lost its
    /// connection): retrying it could be billed twice.
    #[serde(skip)]
    pub unanswered: bool,
    /// The failure this error came from, when there was one below the client.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cause: Option<Cause>,
}

fn ser_ms<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_u64(d.as_millis() as u64),
        None => s.serialize_none(),
    }
}

/// The client's error. Never holds a secret: messages are built from service bodies
/// and names, never from keys or tokens.
#[derive(Clone)]
pub struct Error(Box<ErrorDetails>);

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorDetails {
            kind,
            message: message.into(),
            status: None,
            code: None,
            deployment: None,
            request_id: None,
            retryable: kind.is_retryable(),
            hint: kind.default_hint().to_string(),
            retry_after: None,
            content_filter: None,
            attempts: Vec::new(),
            unanswered: false,
            cause: None,
        }))
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    pub fn details(&self) -> &ErrorDetails {
        &self.0
    }

    pub fn details_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = hint.into();
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.0.code = code;
        self
    }

    pub fn with_deployment(mut self, deployment: impl Into<String>) -> Self {
        self.0.deployment = Some(deployment.into());
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.0.request_id = request_id;
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.0.retry_after = retry_after;
        self
    }

    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    pub fn with_content_filter(mut self, report: Option<ContentFilterReport>) -> Self {
        self.0.content_filter = report;
        self
    }

    /// Marks the request as possibly processed by the service (see [`ErrorDetails::unanswered`]).
    pub fn with_unanswered(mut self) -> Self {
        self.0.unanswered = true;
        self
    }

    pub fn with_cause(mut self, cause: Cause) -> Self {
        self.0.cause = Some(cause);
        self
    }

    /// Keeps `source`'s message chain as this error's cause. For sources that cannot hold a
    /// secret (IO, JSON, TLS); credential code uses [`Cause::chain`] with its redactor.
    pub fn with_source(self, source: &(dyn std::error::Error + 'static)) -> Self {
        self.with_cause(Cause::chain(source, &|m| m.to_string()))
    }

    pub fn with_attempts(mut self, attempts: Vec<Attempt>) -> Self {
        self.0.attempts = attempts;
        self
    }

    /// The error as JSON: what the bindings and the conformance vectors read.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&*self.0).unwrap_or_default();
        if let Some(report) = &self.0.content_filter {
            value["categories"] = serde_json::json!(report.categories);
        }
        value
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)?;
        if let Some(status) = self.0.status {
            write!(f, " ({status})")?;
        }
        if let Some(deployment) = &self.0.deployment {
            write!(f, " from deployment '{deployment}'")?;
        }
        // Service messages often end in a full stop; the hint adds its own.
        write!(f, ": {}", self.0.message.trim_end_matches('.'))?;
        if let Some(report) = &self.0.content_filter {
            if !report.categories.is_empty() {
                write!(f, " [filtered: {}]", report.categories.join(", "))?;
            }
        }
        if let Some(request_id) = &self.0.request_id {
            write!(f, " (request id {request_id})")?;
        }
        write!(f, ". Hint: {}", self.0.hint)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .cause
            .as_ref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_the_source_chain_as_text() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = Error::config("cannot read the catalog").with_source(&io);
        let source = std::error::Error::source(&err).expect("a source");
        assert_eq!(source.to_string(), "no such file");
        assert_eq!(err.cause.as_ref().unwrap().messages(), vec!["no such file"]);
        assert_eq!(err.to_json()["cause"]["message"], "no such file");
        let plain = Error::config("no cause");
        assert!(std::error::Error::source(&plain).is_none());
        assert!(plain.to_json().get("cause").is_none());
    }

    #[test]
    fn a_cause_chain_is_redacted_where_captured() {
        let inner = Cause::new("token s3cr3t refused");
        let outer = Cause {
            message: "wrapped: token s3cr3t refused".into(),
            cause: Some(Box::new(inner)),
        };
        let chain = Cause::chain(&outer, &|m| m.replace("s3cr3t", "***"));
        assert_eq!(
            chain.messages(),
            vec!["wrapped: token *** refused", "token *** refused"]
        );
    }

    #[test]
    fn every_kind_is_listed_once_with_the_name_it_serializes_to() {
        let mut names = std::collections::BTreeSet::new();
        for &kind in ErrorKind::ALL {
            let name = kind.as_str();
            assert!(names.insert(name), "{name} twice");
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
            assert_eq!(ErrorKind::from_name(name), Some(kind));
            assert_eq!(ErrorKind::ALL[kind.index()], kind);
            assert!(!kind.default_hint().is_empty());
        }
        assert_eq!(ErrorKind::from_name("aborted"), None);
    }

    #[test]
    fn the_kind_list_generates_docs_and_per_kind_code() {
        // What a binding does with the exported list: one item per kind, docs carried.
        macro_rules! collect {
            ($($(#[doc = $doc:literal])* $kind:ident => $name:literal,)+) => {
                vec![$((ErrorKind::$kind, $name, concat!($($doc),*).trim()),)+]
            };
        }
        let generated = for_each_error_kind!(collect);
        assert_eq!(generated.len(), ErrorKind::ALL.len());
        for ((kind, name, doc), &listed) in generated.into_iter().zip(ErrorKind::ALL) {
            assert_eq!(kind, listed);
            assert_eq!(name, kind.as_str());
            assert_eq!(doc, kind.doc());
            assert!(doc.len() > 10 && !doc.starts_with(' '), "{name}: {doc:?}");
        }
        assert!(ErrorKind::RateLimit.doc().starts_with("429"));
    }

    #[test]
    fn text_never_doubles_a_full_stop() {
        // Azure's messages end in '.', and so do our hints.
        let e = Error::new(ErrorKind::RateLimit, "Please retry after 1 second.")
            .with_status(429)
            .with_hint("wait and retry.");
        let text = e.to_string();
        assert!(!text.contains(".."), "{text}");
        assert!(
            text.contains("Please retry after 1 second. Hint: wait and retry."),
            "{text}"
        );
        let bare = Error::new(ErrorKind::Server, "down...").to_string();
        assert!(!bare.contains(".."), "{bare}");
    }
}
