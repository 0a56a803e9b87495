//! `foundry_error`: the core's error as a C struct, and the one map from the core's
//! `ErrorKind` to `foundry_error_code`.

use std::os::raw::c_char;
use std::ptr;

use ::foundry_client::{Error, ErrorKind};

use crate::args::{free_c_string, to_c_string};

/// What went wrong: the core's error kinds, plus the binding's own `FOUNDRY_ERROR_INTERNAL`
/// and `FOUNDRY_ERROR_UNKNOWN`. The values are stable.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum foundry_error_code {
    /// The catalog (file, JSON or environment) is unusable.
    FOUNDRY_ERROR_CONFIG = 1,
    /// The request was refused before anything was sent (bad JSON, NULL or non-UTF-8 argument,
    /// invalid parameter).
    FOUNDRY_ERROR_INVALID_REQUEST = 2,
    /// 401: missing, invalid or expired key or token.
    FOUNDRY_ERROR_AUTHENTICATION = 3,
    /// 403: the identity lacks the "Cognitive Services User" role.
    FOUNDRY_ERROR_PERMISSION_DENIED = 4,
    /// 404 or an unknown deployment: wrong deployment name, endpoint or api-version.
    FOUNDRY_ERROR_NOT_FOUND = 5,
    /// 429: quota or rate limit; `retry_after_ms` carries the server's hint.
    FOUNDRY_ERROR_RATE_LIMIT = 6,
    /// Azure's content filter refused the prompt or the completion.
    FOUNDRY_ERROR_CONTENT_FILTER = 7,
    /// 400 OperationNotSupported: the deployment does not serve this API.
    FOUNDRY_ERROR_OPERATION_UNSUPPORTED = 8,
    /// Any other 4xx the service refused.
    FOUNDRY_ERROR_BAD_REQUEST = 9,
    /// 5xx from the service.
    FOUNDRY_ERROR_SERVER = 10,
    /// The deadline or the per-attempt timeout passed.
    FOUNDRY_ERROR_TIMEOUT = 11,
    /// The connection could not be made or broke before an answer.
    FOUNDRY_ERROR_CONNECTION = 12,
    /// A stream broke or ended without its terminator.
    FOUNDRY_ERROR_STREAM = 13,
    /// A thinking model spent its whole token budget reasoning: no answer.
    FOUNDRY_ERROR_REASONING_EXHAUSTED = 14,
    /// The service answered something the client cannot read.
    FOUNDRY_ERROR_INVALID_RESPONSE = 15,
    /// Entra ID credentials could not be obtained.
    FOUNDRY_ERROR_CREDENTIAL = 16,
    /// A bug in this library (a caught panic): please report it with the message.
    FOUNDRY_ERROR_INTERNAL = 100,
    /// An error kind newer than this binding; `details_json`'s `kind` names it.
    FOUNDRY_ERROR_UNKNOWN = 101,
}

/// The one map from the core's taxonomy to C codes.
fn code_of(kind: ErrorKind) -> foundry_error_code {
    use foundry_error_code::*;
    match kind {
        ErrorKind::Config => FOUNDRY_ERROR_CONFIG,
        ErrorKind::InvalidRequest => FOUNDRY_ERROR_INVALID_REQUEST,
        ErrorKind::Authentication => FOUNDRY_ERROR_AUTHENTICATION,
        ErrorKind::PermissionDenied => FOUNDRY_ERROR_PERMISSION_DENIED,
        ErrorKind::NotFound => FOUNDRY_ERROR_NOT_FOUND,
        ErrorKind::RateLimit => FOUNDRY_ERROR_RATE_LIMIT,
        ErrorKind::ContentFilter => FOUNDRY_ERROR_CONTENT_FILTER,
        ErrorKind::OperationUnsupported => FOUNDRY_ERROR_OPERATION_UNSUPPORTED,
        ErrorKind::BadRequest => FOUNDRY_ERROR_BAD_REQUEST,
        ErrorKind::Server => FOUNDRY_ERROR_SERVER,
        ErrorKind::Timeout => FOUNDRY_ERROR_TIMEOUT,
        ErrorKind::Connection => FOUNDRY_ERROR_CONNECTION,
        ErrorKind::Stream => FOUNDRY_ERROR_STREAM,
        ErrorKind::ReasoningExhausted => FOUNDRY_ERROR_REASONING_EXHAUSTED,
        ErrorKind::InvalidResponse => FOUNDRY_ERROR_INVALID_RESPONSE,
        ErrorKind::Credential => FOUNDRY_ERROR_CREDENTIAL,
        // ErrorKind is #[non_exhaustive]: a kind added to the core later still reaches C (as
        // UNKNOWN, named in details_json) instead of failing, until it gets its own code above.
        _ => FOUNDRY_ERROR_UNKNOWN,
    }
}

/// An error returned by a `foundry_*` call; NULL means success. Free it with
/// foundry_error_free(). Every string is NUL-terminated UTF-8 and never NULL.
#[repr(C)]
pub struct foundry_error {
    pub code: foundry_error_code,
    /// HTTP status of the service's answer, 0 when there was none.
    pub status: u16,
    /// Whether the same call may succeed if made again later.
    pub retryable: bool,
    /// The server's retry hint in milliseconds (rate limits), -1 when none.
    pub retry_after_ms: i64,
    /// What happened.
    pub message: *mut c_char,
    /// What to do about it.
    pub hint: *mut c_char,
    /// Everything known, as JSON: `kind`, `status`, `code`, `deployment`, `request_id`,
    /// `retryable`, `hint`, `retry_after_ms`, `categories`, `content_filter`, `attempts`.
    pub details_json: *mut c_char,
}

impl foundry_error {
    /// The core's error, boxed for C.
    pub(crate) fn from_core(e: &Error) -> *mut foundry_error {
        let retry_after_ms = e
            .retry_after
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(-1);
        Box::into_raw(Box::new(foundry_error {
            code: code_of(e.kind()),
            status: e.status.unwrap_or(0),
            retryable: e.retryable,
            retry_after_ms,
            message: to_c_string(&e.message),
            hint: to_c_string(&e.hint),
            details_json: to_c_string(&e.to_json().to_string()),
        }))
    }

    /// A caught panic: a bug in this library, reported instead of unwinding into C.
    pub(crate) fn internal(message: &str) -> *mut foundry_error {
        let details =
            serde_json::json!({"kind": "internal", "message": message, "retryable": false});
        Box::into_raw(Box::new(foundry_error {
            code: foundry_error_code::FOUNDRY_ERROR_INTERNAL,
            status: 0,
            retryable: false,
            retry_after_ms: -1,
            message: to_c_string(message),
            hint: to_c_string("a bug in foundry-client: please report it with this message"),
            details_json: to_c_string(&details.to_string()),
        }))
    }
}

/// Frees an error returned by any `foundry_*` call. NULL is a no-op.
///
/// # Safety
/// `error` must be NULL or a pointer returned by this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn foundry_error_free(error: *mut foundry_error) {
    if error.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the caller passes a pointer from `Box::into_raw` above, freed only once.
        let error = unsafe { Box::from_raw(error) };
        for s in [error.message, error.hint, error.details_json] {
            // SAFETY: each string came from `to_c_string` and is owned by this error.
            unsafe { free_c_string(s) };
        }
    });
}

/// NULL: what every call returns on success.
pub(crate) fn ok() -> *mut foundry_error {
    ptr::null_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::time::Duration;

    #[test]
    fn carries_status_hint_retry_and_details() {
        let e = Error::new(ErrorKind::RateLimit, "slow down")
            .with_status(429)
            .with_retry_after(Some(Duration::from_millis(1500)));
        let p = foundry_error::from_core(&e);
        // SAFETY: `p` was just returned by from_core and is freed once below.
        unsafe {
            let c = &*p;
            assert_eq!(c.code, foundry_error_code::FOUNDRY_ERROR_RATE_LIMIT);
            assert_eq!(c.status, 429);
            assert!(c.retryable);
            assert_eq!(c.retry_after_ms, 1500);
            assert_eq!(CStr::from_ptr(c.message).to_str().unwrap(), "slow down");
            assert!(CStr::from_ptr(c.hint).to_str().unwrap().contains("retry"));
            let details: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(c.details_json).to_str().unwrap()).unwrap();
            assert_eq!(details["kind"], "rate_limit");
            foundry_error_free(p);
        }
    }

    #[test]
    fn messages_with_nul_bytes_survive() {
        let p = foundry_error::from_core(&Error::config("a\0b"));
        // SAFETY: as above.
        unsafe {
            assert_eq!(CStr::from_ptr((*p).message).to_str().unwrap(), "ab");
            foundry_error_free(p);
        }
    }
}
