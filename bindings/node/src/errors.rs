//! The one map from core errors to JavaScript errors. The JS side (`node/src/errors.ts`)
//! builds the class named here from the error's JSON, so `instanceof RateLimitError` works
//! and every attribute of the core's error is there.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use foundry_client::{Error, ErrorKind};
use futures_util::FutureExt;
use napi::Status;

/// The JS class for each kind of core error.
pub fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "ConfigError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Authentication => "AuthenticationError",
        ErrorKind::PermissionDenied => "PermissionDeniedError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::RateLimit => "RateLimitError",
        ErrorKind::ContentFilter => "ContentFilterError",
        ErrorKind::OperationUnsupported => "OperationUnsupportedError",
        ErrorKind::BadRequest => "BadRequestError",
        ErrorKind::Server => "ServerError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Connection => "ConnectionError",
        ErrorKind::Stream => "StreamError",
        ErrorKind::ReasoningExhausted => "ReasoningExhaustedError",
        ErrorKind::InvalidResponse => "InvalidResponseError",
        ErrorKind::Credential => "CredentialError",
        // A kind newer than this binding still reaches JS, as the base class.
        _ => "FoundryError",
    }
}

/// The napi error carrying `e` as JSON: the core's `to_json()` plus `class` (from
/// [`class_name`]) and `display` (the full sentence with the hint). JS recognises it by the
/// leading `{`; no other error of this addon starts with one.
pub fn to_napi(e: Error) -> napi::Error {
    let mut json = e.to_json();
    json["class"] = class_name(e.kind()).into();
    json["display"] = e.to_string().into();
    napi::Error::new(Status::GenericFailure, json.to_string())
}

/// A panic caught at the boundary (a bug in this library), as the TS wrapper's
/// `InternalError` (a `FoundryError`). Without this, a panic in a synchronous method would
/// abort the Node process (it cannot unwind through N-API), and one in a spawned call would
/// reject with a bare `Error`, missed by `instanceof FoundryError`.
pub fn internal(panic: &(dyn Any + Send)) -> napi::Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    let message = format!("internal error in foundry-client: {message}; please report it");
    let hint = "a bug in foundry-client: please report it with this message";
    let json = serde_json::json!({
        "kind": "internal",
        "message": message,
        "status": null,
        "code": null,
        "deployment": null,
        "request_id": null,
        "retryable": false,
        "hint": hint,
        "retry_after_ms": null,
        "content_filter": null,
        "attempts": [],
        "class": "InternalError",
        "display": format!("internal: {message}. Hint: {hint}"),
    });
    napi::Error::new(Status::GenericFailure, json.to_string())
}

/// Runs the body of a synchronous method: a panic becomes [`internal`] instead of aborting
/// the process.
pub fn caught<T>(body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(internal(&*p)))
}

/// Awaits a spawned call: a panic rejects its Promise with [`internal`].
pub async fn caught_async<T>(call: impl Future<Output = napi::Result<T>>) -> napi::Result<T> {
    AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(|p| Err(internal(&*p)))
}

/// The error for a request the core could not even read (wrong types in the arguments).
pub fn invalid_request(what: &str, e: serde_json::Error) -> napi::Error {
    to_napi(Error::invalid_request(format!("{what}: {e}")))
}

/// The rejection of a call that its `AbortSignal` cancelled. The JS side replaces it with
/// its `AbortError` (it knows the signal's reason).
pub fn aborted() -> napi::Error {
    napi::Error::new(Status::Cancelled, "the call was aborted")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [ErrorKind; 16] = [
        ErrorKind::Config,
        ErrorKind::InvalidRequest,
        ErrorKind::Authentication,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::RateLimit,
        ErrorKind::ContentFilter,
        ErrorKind::OperationUnsupported,
        ErrorKind::BadRequest,
        ErrorKind::Server,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Stream,
        ErrorKind::ReasoningExhausted,
        ErrorKind::InvalidResponse,
        ErrorKind::Credential,
    ];

    /// Every kind has its own class, and the TS wrapper defines and registers it.
    #[test]
    fn every_kind_has_a_js_class() {
        let ts = include_str!("../../../node/src/errors.ts");
        let mut seen = std::collections::HashSet::new();
        for kind in KINDS {
            let class = class_name(kind);
            assert_ne!(class, "FoundryError", "{kind} has no class of its own");
            assert!(seen.insert(class), "{class} is used twice");
            assert!(
                ts.contains(&format!("export class {class} extends FoundryError")),
                "node/src/errors.ts lacks class {class}"
            );
            assert!(
                ts.contains(&format!("  {class},\n")),
                "node/src/errors.ts does not register {class}"
            );
        }
    }

    #[test]
    fn a_panic_is_an_internal_error_and_the_ts_wrapper_has_its_class() {
        let e = caught::<()>(|| panic!("boom")).unwrap_err();
        let json: serde_json::Value = serde_json::from_str(&e.reason).unwrap();
        assert_eq!(json["class"], "InternalError");
        assert_eq!(json["kind"], "internal");
        assert_eq!(
            json["message"],
            "internal error in foundry-client: boom; please report it"
        );
        let ts = include_str!("../../../node/src/errors.ts");
        assert!(ts.contains("export class InternalError extends FoundryError"));
        assert!(ts.contains("  InternalError,\n"));
    }

    #[test]
    fn the_error_json_names_class_and_sentence() {
        let e = Error::new(ErrorKind::RateLimit, "slow down").with_status(429);
        let json: serde_json::Value = serde_json::from_str(&to_napi(e.clone()).reason).unwrap();
        assert_eq!(json["class"], "RateLimitError");
        assert_eq!(json["kind"], "rate_limit");
        assert_eq!(json["status"], 429);
        assert_eq!(json["display"], e.to_string());
    }
}
