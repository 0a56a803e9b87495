//! `foundry_error`: the core's error as a C struct, and the one map from the core's
//! `ErrorKind` to a C code, generated from the core's list by `for_each_error_kind!`.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::ptr;

use ::foundry_client::{Error, ErrorKind};

use crate::args::{free_c_string, to_c_string};

/// What went wrong: one value per core error kind (`ErrorKind`, in its declaration order, so
/// a kind the core adds later gets the next value and the existing values never change), plus
/// `FOUNDRY_ERROR_INTERNAL` for a bug in this library. `foundry_error_code` names the same
/// type; foundry_error_kind_name() gives a code's kind name.
///
/// The library does not build while a core kind lacks its value here: the map from kinds to
/// codes is generated from the core's list (`for_each_error_kind!`) and names each value after
/// its kind. (cbindgen reads the Rust names `RateLimit`, ... as `FOUNDRY_ERROR_RATE_LIMIT`.)
///
/// cbindgen:prefix-with-name
/// cbindgen:rename-all=ScreamingSnakeCase
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FOUNDRY_ERROR {
    /// The catalog (file, text, settings or environment) is unusable.
    Config = 1,
    /// The request was refused before anything was sent (bad JSON, NULL or non-UTF-8 argument,
    /// invalid parameter).
    InvalidRequest = 2,
    /// 401: missing, invalid or expired key or token.
    Authentication = 3,
    /// 403: the identity lacks the "Cognitive Services User" role.
    PermissionDenied = 4,
    /// 404 or an unknown deployment: wrong deployment name, endpoint or api-version.
    NotFound = 5,
    /// 429: quota or rate limit; `retry_after_ms` carries the server's hint.
    RateLimit = 6,
    /// Azure's content filter refused the prompt or the completion.
    ContentFilter = 7,
    /// 400 OperationNotSupported: the deployment does not serve this API.
    OperationUnsupported = 8,
    /// Any other 4xx the service refused.
    BadRequest = 9,
    /// 5xx from the service.
    Server = 10,
    /// The deadline or the per-attempt timeout passed.
    Timeout = 11,
    /// The connection could not be made or broke before an answer.
    Connection = 12,
    /// A stream broke or ended without its terminator.
    Stream = 13,
    /// A thinking model spent its whole token budget reasoning: no answer.
    ReasoningExhausted = 14,
    /// The service answered something the client cannot read.
    InvalidResponse = 15,
    /// Credentials could not be obtained (Entra ID, or the token provider failed).
    Credential = 16,
    /// The caller cancelled the call (foundry_stream_cancel(), a nonzero chunk callback)
    /// before its end: the answer is incomplete.
    Cancelled = 17,
    /// A budget's hard cap would be passed: the call was refused before it was sent.
    BudgetExceeded = 18,
    /// The spend ledger could not be read or written: the call was refused unaccounted.
    Ledger = 19,
    /// A governance policy refused the call before it was sent.
    Policy = 20,
    /// The scoped handle the call was made through was revoked.
    Revoked = 21,
    /// The fleet's shared store (Redis) did not answer: a call under a hard budget was refused
    /// unsent (nothing billed). Not retryable by the client; send it again once the store
    /// answers, or set `governance.store.on_unreachable: local`.
    StoreUnavailable = 22,
    /// A bug in this library (a caught panic): please report it with the message.
    Internal = 100,
}

/// The type of `foundry_error.kind_code`.
pub type foundry_error_code = FOUNDRY_ERROR;

/// `(core kind, its name NUL-terminated for C, its C code)` for every core kind, in
/// `ErrorKind::ALL` order.
macro_rules! kind_codes {
    ($($(#[doc = $doc:literal])* $kind:ident => $name:literal,)+) => {
        const KIND_CODES: &[(ErrorKind, &str, FOUNDRY_ERROR)] =
            &[$((ErrorKind::$kind, concat!($name, "\0"), FOUNDRY_ERROR::$kind),)+];
    };
}
::foundry_client::for_each_error_kind!(kind_codes);

/// `foundry_error.kind` for a caught panic (not a core kind), NUL-terminated.
const INTERNAL: &str = "internal\0";

fn code_of(kind: ErrorKind) -> FOUNDRY_ERROR {
    // KIND_CODES and ErrorKind come from the same list, so every kind is found; the C test
    // walks foundry_error_kind_at() to prove each one has a code of its own.
    KIND_CODES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or(FOUNDRY_ERROR::Internal, |(_, _, code)| *code)
}

/// Every code with its NUL-terminated name, `internal` included.
fn named_codes() -> impl Iterator<Item = (&'static str, FOUNDRY_ERROR)> {
    let internal = (INTERNAL, FOUNDRY_ERROR::Internal);
    KIND_CODES
        .iter()
        .map(|(_, name, code)| (*name, *code))
        .chain([internal])
}

/// How many error kinds the core has (`ErrorKind::ALL`); with foundry_error_kind_at(), how a
/// caller (or a test) walks them. No IO.
#[no_mangle]
pub extern "C" fn foundry_error_kind_count() -> usize {
    ErrorKind::ALL.len()
}

/// The name of the core's `index`-th error kind (`"rate_limit"`, ...), a static string; NULL
/// past the end, or for a kind this library has no code for (which its tests refuse). No IO.
#[no_mangle]
pub extern "C" fn foundry_error_kind_at(index: usize) -> *const c_char {
    ErrorKind::ALL
        .get(index)
        .and_then(|kind| KIND_CODES.iter().find(|(k, _, _)| k == kind))
        .map_or(ptr::null(), |(_, name, _)| name.as_ptr().cast())
}

/// The code of the kind named `kind` (as `foundry_error.kind` holds it, `"internal"`
/// included), or 0 for NULL or an unknown name. No IO.
///
/// # Safety
/// `kind` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn foundry_error_kind_code(kind: *const c_char) -> c_int {
    if kind.is_null() {
        return 0;
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    let wanted = unsafe { CStr::from_ptr(kind) }.to_bytes_with_nul();
    named_codes()
        .find(|(name, _)| name.as_bytes() == wanted)
        .map_or(0, |(_, code)| code as c_int)
}

/// The kind name of `code` (`FOUNDRY_ERROR_RATE_LIMIT` gives `"rate_limit"`), a static
/// string, or NULL for a value that is no code. No IO.
#[no_mangle]
pub extern "C" fn foundry_error_kind_name(code: c_int) -> *const c_char {
    named_codes()
        .find(|(_, c)| *c as c_int == code)
        .map_or(ptr::null(), |(name, _)| name.as_ptr().cast())
}

/// An error returned by a `foundry_*` call; NULL means success. Free it with
/// foundry_error_free(). `kind`, `message`, `hint` and `details_json` are never NULL; `code`
/// and `cause` are NULL when there is none. Every string is NUL-terminated UTF-8.
#[repr(C)]
pub struct foundry_error {
    /// The kind as a value to `switch` on.
    pub kind_code: foundry_error_code,
    /// The core's kind name (`"rate_limit"`, `"cancelled"`, ..., `"internal"` for a bug in
    /// this library): what the other languages call the error's `kind`.
    pub kind: *mut c_char,
    /// The service's own error code (`"content_filter"`, `"DeploymentNotFound"`, `"429"`),
    /// NULL when the service gave none or was never asked.
    pub code: *mut c_char,
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
    /// The failure this error came from (an IO or TLS error, the token provider's own
    /// message), NULL when there is none; `details_json`'s `cause` holds its whole chain.
    pub cause: *mut c_char,
    /// Everything known, as JSON: `kind`, `status`, `code`, `deployment`, `request_id`,
    /// `retryable`, `hint`, `retry_after_ms`, `categories`, `content_filter`, `attempts`,
    /// `cause` (`{"message", "cause"}`).
    pub details_json: *mut c_char,
}

fn optional(s: Option<&str>) -> *mut c_char {
    s.map_or(ptr::null_mut(), to_c_string)
}

impl foundry_error {
    /// The core's error, boxed for C.
    pub(crate) fn from_core(e: &Error) -> *mut foundry_error {
        let retry_after_ms = e
            .retry_after
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(-1);
        Box::into_raw(Box::new(foundry_error {
            kind_code: code_of(e.kind()),
            kind: to_c_string(e.kind().as_str()),
            code: optional(e.code.as_deref()),
            status: e.status.unwrap_or(0),
            retryable: e.retryable,
            retry_after_ms,
            message: to_c_string(&e.message),
            hint: to_c_string(&e.hint),
            cause: optional(e.cause.as_ref().map(|c| c.message.as_str())),
            details_json: to_c_string(&e.to_json().to_string()),
        }))
    }

    /// A caught panic: a bug in this library, reported instead of unwinding into C, in the
    /// words every binding uses (`foundry_client::panic`).
    pub(crate) fn internal(panic: &(dyn std::any::Any + Send)) -> *mut foundry_error {
        let message = ::foundry_client::panic::message(panic);
        let hint = ::foundry_client::panic::HINT;
        let details = serde_json::json!({
            "kind": "internal", "message": message, "retryable": false, "hint": hint,
        });
        Box::into_raw(Box::new(foundry_error {
            kind_code: FOUNDRY_ERROR::Internal,
            kind: to_c_string("internal"),
            code: ptr::null_mut(),
            status: 0,
            retryable: false,
            retry_after_ms: -1,
            message: to_c_string(&message),
            hint: to_c_string(hint),
            cause: ptr::null_mut(),
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
        let strings = [
            error.kind,
            error.code,
            error.message,
            error.hint,
            error.cause,
            error.details_json,
        ];
        for s in strings {
            // SAFETY: each string came from `to_c_string` (or is NULL) and is owned here.
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
    use std::time::Duration;

    #[test]
    fn carries_kind_code_status_hint_retry_cause_and_details() {
        let e = Error::new(ErrorKind::RateLimit, "slow down")
            .with_status(429)
            .with_code(Some("429".into()))
            .with_retry_after(Some(Duration::from_millis(1500)))
            .with_cause(::foundry_client::Cause::new("the socket said no"));
        let p = foundry_error::from_core(&e);
        // SAFETY: `p` was just returned by from_core and is freed once below.
        unsafe {
            let c = &*p;
            assert_eq!(c.kind_code, FOUNDRY_ERROR::RateLimit);
            assert_eq!(CStr::from_ptr(c.kind).to_str().unwrap(), "rate_limit");
            assert_eq!(CStr::from_ptr(c.code).to_str().unwrap(), "429");
            assert_eq!(c.status, 429);
            assert!(c.retryable);
            assert_eq!(c.retry_after_ms, 1500);
            assert_eq!(CStr::from_ptr(c.message).to_str().unwrap(), "slow down");
            assert!(CStr::from_ptr(c.hint).to_str().unwrap().contains("retry"));
            assert_eq!(
                CStr::from_ptr(c.cause).to_str().unwrap(),
                "the socket said no"
            );
            let details: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(c.details_json).to_str().unwrap()).unwrap();
            assert_eq!(details["kind"], "rate_limit");
            foundry_error_free(p);
        }
    }

    /// The C test walks the kinds through the exported functions; this pins that the table
    /// is the core's list itself, in its order (the values depend on it).
    #[test]
    fn the_table_is_the_cores_list_in_order() {
        let kinds: Vec<ErrorKind> = KIND_CODES.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(kinds, ErrorKind::ALL);
        for (i, (kind, name, code)) in KIND_CODES.iter().enumerate() {
            assert_eq!(name.trim_end_matches('\0'), kind.as_str());
            assert_eq!(*code as usize, i + 1, "{name}");
        }
    }

    #[test]
    fn code_and_cause_are_null_when_there_is_none() {
        let p = foundry_error::from_core(&Error::config("a\0b"));
        // SAFETY: as above.
        unsafe {
            assert_eq!(CStr::from_ptr((*p).message).to_str().unwrap(), "ab");
            assert!((*p).code.is_null());
            assert!((*p).cause.is_null());
            foundry_error_free(p);
        }
    }
}
