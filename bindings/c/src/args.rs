//! The boundary: checked reading of C arguments, owned strings handed to C, and the guard
//! every entry point runs in so that no panic unwinds into C.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use ::foundry_client::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{foundry_error, ok};

/// Runs an entry point's body: `Ok` becomes NULL, an error becomes a `foundry_error`, and a
/// panic becomes `FOUNDRY_ERROR_INTERNAL` instead of unwinding across the C boundary.
pub(crate) fn guarded(body: impl FnOnce() -> Result<(), Error>) -> *mut foundry_error {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ok(),
        Ok(Err(e)) => foundry_error::from_core(&e),
        Err(panic) => foundry_error::internal(panic.as_ref()),
    }
}

/// A borrowed C string argument: NULL and invalid UTF-8 are `InvalidRequest` errors naming
/// the argument.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::invalid_request(format!("`{name}` is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map_err(|e| Error::invalid_request(format!("`{name}` is not valid UTF-8: {e}")))
}

/// A JSON argument parsed into `T`; malformed JSON is an `InvalidRequest` naming the argument.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(
    p: *const c_char,
    name: &str,
) -> Result<T, Error> {
    // SAFETY: forwarded contract.
    let text = unsafe { str_arg(p, name) }?;
    serde_json::from_str(text)
        .map_err(|e| Error::invalid_request(format!("`{name}` is not a valid request: {e}")))
}

/// An out-parameter: checked for NULL and cleared, so the caller never reads a stale value.
///
/// # Safety
/// `p` must be NULL or point to writable storage for one pointer.
pub(crate) unsafe fn out_arg<'a, T>(p: *mut *mut T, name: &str) -> Result<&'a mut *mut T, Error> {
    if p.is_null() {
        return Err(Error::invalid_request(format!("`{name}` is NULL")));
    }
    // SAFETY: non-NULL and writable per the caller's contract.
    let out = unsafe { &mut *p };
    *out = ptr::null_mut();
    Ok(out)
}

/// A reference from a handle argument; NULL is an `InvalidRequest` naming it.
///
/// # Safety
/// `p` must be NULL or a live handle returned by this library.
pub(crate) unsafe fn handle_arg<'a, T>(p: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { p.as_ref() }.ok_or_else(|| Error::invalid_request(format!("`{name}` is NULL")))
}

/// An owned NUL-terminated copy of `s` for C (interior NUL bytes, which C cannot hold, are
/// dropped). Freed with [`free_c_string`].
pub(crate) fn to_c_string(s: &str) -> *mut c_char {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != 0).collect();
    CString::new(bytes).unwrap_or_default().into_raw()
}

/// `value` as JSON text owned by C.
pub(crate) fn to_json_string<T: Serialize>(value: &T) -> Result<*mut c_char, Error> {
    // serde_json escapes control characters, so the text never holds a NUL byte.
    let text = serde_json::to_string(value).map_err(|e| {
        Error::new(
            ::foundry_client::ErrorKind::InvalidResponse,
            format!("the result could not be written as JSON: {e}"),
        )
    })?;
    Ok(to_c_string(&text))
}

/// Frees a string made by [`to_c_string`]; NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or come from [`to_c_string`], freed once.
pub(crate) unsafe fn free_c_string(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from `CString::into_raw`.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Frees a string returned by this library (results, chunks, lists). NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string returned through an `out_*` parameter of this library, not yet
/// freed. Never pass strings from elsewhere (or `foundry_version()`).
#[no_mangle]
pub unsafe extern "C" fn foundry_string_free(s: *mut c_char) {
    let _ = catch_unwind(|| {
        // SAFETY: forwarded contract.
        unsafe { free_c_string(s) }
    });
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::error::{foundry_error_free, FOUNDRY_ERROR};

    /// Every entry point runs in `guarded`: a panic inside becomes an internal error with the
    /// panic's message, never an unwind into C (which would abort the host process).
    #[test]
    fn a_panic_in_an_entry_point_is_an_internal_error() {
        let err = guarded(|| panic!("boom in an entry point"));
        assert!(!err.is_null());
        // SAFETY: `err` was just returned by `guarded` and is freed once below.
        unsafe {
            assert_eq!((*err).kind_code, FOUNDRY_ERROR::Internal);
            assert_eq!(CStr::from_ptr((*err).kind).to_str().unwrap(), "internal");
            assert_eq!(
                CStr::from_ptr((*err).message).to_str().unwrap(),
                "internal error in foundry-client: boom in an entry point; please report it"
            );
            assert_eq!(
                CStr::from_ptr((*err).hint).to_str().unwrap(),
                ::foundry_client::panic::HINT
            );
            assert!(CStr::from_ptr((*err).details_json)
                .to_str()
                .unwrap()
                .contains("\"kind\":\"internal\""));
            foundry_error_free(err);
        }
        assert!(guarded(|| Ok(())).is_null());
    }
}
