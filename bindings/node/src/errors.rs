//! The one map from core errors to JavaScript errors. The JS side (`node/src/errors.ts`)
//! builds the class named here from the error's JSON, so `instanceof RateLimitError` works
//! and every attribute of the core's error is there.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use foundry_client::{Error, ErrorKind};
use futures_util::FutureExt;
use napi::Status;
use napi_derive::napi;

/// The core's error kinds (`ErrorKind::ALL`), for the TS wrapper's test that every kind has
/// a class of its own. No IO.
#[napi]
pub fn error_kinds() -> Vec<String> {
    ErrorKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

/// The napi error carrying `e` as JSON: the core's `to_json()` plus `display` (the full
/// sentence with the hint). The TS wrapper (`node/src/errors.ts`) builds the class of its
/// `kind`. JS recognises it by the leading `{`; no other error of this addon starts with one.
pub fn to_napi(e: Error) -> napi::Error {
    let mut json = e.to_json();
    json["display"] = e.to_string().into();
    napi::Error::new(Status::GenericFailure, json.to_string())
}

/// A panic caught at the boundary (a bug in this library), as the TS wrapper's
/// `InternalError` (a `FoundryError`). Without this, a panic in a synchronous method would
/// abort the Node process (it cannot unwind through N-API), and one in a spawned call would
/// reject with a bare `Error`, missed by `instanceof FoundryError`.
pub fn internal(panic: &(dyn Any + Send)) -> napi::Error {
    let message = foundry_client::panic::message(panic);
    let hint = foundry_client::panic::HINT;
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

/// The rejection of a call that its `AbortSignal` cancelled: the core's `cancelled` kind.
pub fn aborted() -> napi::Error {
    to_napi(
        Error::new(
            ErrorKind::Cancelled,
            "the call was aborted by its AbortSignal",
        )
        .with_retryable(false)
        .with_hint("the caller aborted the call: its answer is incomplete"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_for_the_ts_wrapper() {
        let kinds = error_kinds();
        assert_eq!(kinds.len(), ErrorKind::ALL.len());
        assert!(kinds.contains(&"cancelled".to_string()));
    }

    #[test]
    fn a_panic_is_an_internal_error() {
        let e = caught::<()>(|| panic!("boom")).unwrap_err();
        let json: serde_json::Value = serde_json::from_str(&e.reason).unwrap();
        assert_eq!(json["kind"], "internal");
        assert_eq!(
            json["message"],
            "internal error in foundry-client: boom; please report it"
        );
    }

    #[test]
    fn the_error_json_names_kind_code_and_sentence() {
        let e = Error::new(ErrorKind::RateLimit, "slow down").with_status(429);
        let json: serde_json::Value = serde_json::from_str(&to_napi(e.clone()).reason).unwrap();
        assert_eq!(json["kind"], "rate_limit");
        assert_eq!(json["status"], 429);
        assert_eq!(json["display"], e.to_string());
    }
}
