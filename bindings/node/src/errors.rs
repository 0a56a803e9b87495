//! The one map from core errors to JavaScript errors. The JS side (`node/src/errors.ts`)
//! builds the class named here from the error's JSON, so `instanceof RateLimitError` works
//! and every attribute of the core's error is there.

use foundry_client::{Error, ErrorKind};
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
    fn the_error_json_names_class_and_sentence() {
        let e = Error::new(ErrorKind::RateLimit, "slow down").with_status(429);
        let json: serde_json::Value = serde_json::from_str(&to_napi(e.clone()).reason).unwrap();
        assert_eq!(json["class"], "RateLimitError");
        assert_eq!(json["kind"], "rate_limit");
        assert_eq!(json["status"], 429);
        assert_eq!(json["display"], e.to_string());
    }
}
