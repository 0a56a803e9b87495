//! The core's error taxonomy as UniFFI types: a flat `ErrorKind` and an `ErrorInfo` record,
//! carried by the one error `NativeError`. The Kotlin layer turns it into the sealed
//! `FoundryException` hierarchy (one subclass per kind).

use foundry_client::ErrorKind as CoreKind;

use crate::results::{Attempt, ContentFilterReport};

/// What went wrong (the core's `ErrorKind`), plus `Internal` for a caught panic and `Unknown`
/// for a kind newer than the binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorKind {
    Config,
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RateLimit,
    ContentFilter,
    OperationUnsupported,
    BadRequest,
    Server,
    Timeout,
    Connection,
    Stream,
    ReasoningExhausted,
    InvalidResponse,
    Credential,
    /// A bug in foundry-client: a panic caught at the boundary (never a core kind).
    Internal,
    /// A kind the core added after this binding was built; `ErrorInfo.kind_name` names it.
    Unknown,
}

/// The one map from the core's kinds.
fn kind_of(kind: CoreKind) -> ErrorKind {
    match kind {
        CoreKind::Config => ErrorKind::Config,
        CoreKind::InvalidRequest => ErrorKind::InvalidRequest,
        CoreKind::Authentication => ErrorKind::Authentication,
        CoreKind::PermissionDenied => ErrorKind::PermissionDenied,
        CoreKind::NotFound => ErrorKind::NotFound,
        CoreKind::RateLimit => ErrorKind::RateLimit,
        CoreKind::ContentFilter => ErrorKind::ContentFilter,
        CoreKind::OperationUnsupported => ErrorKind::OperationUnsupported,
        CoreKind::BadRequest => ErrorKind::BadRequest,
        CoreKind::Server => ErrorKind::Server,
        CoreKind::Timeout => ErrorKind::Timeout,
        CoreKind::Connection => ErrorKind::Connection,
        CoreKind::Stream => ErrorKind::Stream,
        CoreKind::ReasoningExhausted => ErrorKind::ReasoningExhausted,
        CoreKind::InvalidResponse => ErrorKind::InvalidResponse,
        CoreKind::Credential => ErrorKind::Credential,
        // The core's kinds are #[non_exhaustive]: a new one reaches Kotlin as Unknown (named in
        // `kind_name`) until it is listed above.
        _ => ErrorKind::Unknown,
    }
}

/// Everything known about a failure.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    /// The core's stable snake_case name of the kind (`rate_limit`, ...).
    pub kind_name: String,
    pub message: String,
    /// What the caller should do about it.
    pub hint: String,
    /// HTTP status, when the service answered.
    pub status: Option<i32>,
    /// The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...).
    pub code: Option<String>,
    pub deployment: Option<String>,
    pub request_id: Option<String>,
    pub retryable: bool,
    /// The server's retry hint in milliseconds (rate limits).
    pub retry_after_ms: Option<i64>,
    /// Which content-filter categories fired.
    pub categories: Vec<String>,
    pub content_filter: Option<ContentFilterReport>,
    /// Every HTTP attempt made before giving up.
    pub attempts: Vec<Attempt>,
}

/// The error every fallible call raises (Kotlin: `NativeException.Failed`; the `Foundry`
/// wrapper rethrows it as the matching `FoundryException`).
#[derive(Debug, uniffi::Error)]
pub enum NativeError {
    Failed { info: ErrorInfo },
}

impl std::fmt::Display for NativeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let NativeError::Failed { info } = self;
        write!(f, "{}: {}", info.kind_name, info.message)
    }
}

impl std::error::Error for NativeError {}

impl From<foundry_client::Error> for NativeError {
    fn from(e: foundry_client::Error) -> Self {
        let retry_after_ms = e
            .retry_after
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        NativeError::Failed {
            info: ErrorInfo {
                kind: kind_of(e.kind()),
                kind_name: e.kind().as_str().to_string(),
                message: e.message.clone(),
                hint: e.hint.clone(),
                status: e.status.map(i32::from),
                code: e.code.clone(),
                deployment: e.deployment.clone(),
                request_id: e.request_id.clone(),
                retryable: e.retryable,
                retry_after_ms,
                categories: e
                    .content_filter
                    .as_ref()
                    .map(|r| r.categories.clone())
                    .unwrap_or_default(),
                content_filter: e.content_filter.as_ref().map(ContentFilterReport::from),
                attempts: e.attempts.iter().map(Attempt::from).collect(),
            },
        }
    }
}

/// A panic caught at the boundary (a bug in this library), as `FoundryException.Internal`. The
/// message matches what the Kotlin wrapper builds from UniFFI's own `InternalException` (a
/// panic in a synchronous call), so both read alike.
pub(crate) fn internal(panic: &(dyn std::any::Any + Send)) -> NativeError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    NativeError::Failed {
        info: ErrorInfo {
            kind: ErrorKind::Internal,
            kind_name: "internal".to_string(),
            message: format!("internal error in foundry-client: {message}; please report it"),
            hint: "a bug in foundry-client: please report it with this message".to_string(),
            status: None,
            code: None,
            deployment: None,
            request_id: None,
            retryable: false,
            retry_after_ms: None,
            categories: Vec::new(),
            content_filter: None,
            attempts: Vec::new(),
        },
    }
}

/// A request refused by the binding before the core saw it (a malformed `paramsJson`, ...).
pub(crate) fn invalid_request(message: impl Into<String>) -> NativeError {
    foundry_client::Error::invalid_request(message).into()
}
