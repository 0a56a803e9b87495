//! A C callback as the core's `TokenProvider` (openai's `azure_ad_token_provider`). The
//! callback answers through a `foundry_token_reply` so that neither side frees the other's
//! memory: the library copies the token or the failure's message before the callback's
//! strings go away.

use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use ::foundry_client::{Error, ErrorKind, TokenProvider};

use crate::args::str_arg;

/// Where a token callback puts its answer, with foundry_token_reply_token() or
/// foundry_token_reply_error(). Valid only during the callback.
pub struct foundry_token_reply {
    answer: Option<Result<String, String>>,
}

/// Asked for a bearer token whenever a request to a deployment with Entra ID auth needs one
/// (cache tokens in the callback if they are costly to get). It must answer with
/// foundry_token_reply_token() or foundry_token_reply_error() before returning. It runs on
/// one of the library's blocking threads, so it may block (to fetch a token) but must be
/// thread-safe, and `foundry_*` calls that do IO are refused there.
pub type foundry_token_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, reply: *mut foundry_token_reply)>;

fn answer(reply: *mut foundry_token_reply, text: *const c_char, what: &str, ok: bool) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the callback passes the reply it was given, live during the callback.
        let Some(reply) = (unsafe { reply.as_mut() }) else {
            return;
        };
        // SAFETY: NULL or NUL-terminated per the contract.
        reply.answer = Some(match unsafe { str_arg(text, what) } {
            Ok(text) if ok => Ok(text.to_string()),
            Ok(text) => Err(text.to_string()),
            Err(e) => Err(format!("the token callback's answer: {}", e.message)),
        });
    }));
}

/// The token callback's answer: `token` (copied) is the bearer token. NULL or non-UTF-8 is a
/// failure of the callback. A later answer replaces an earlier one. No IO.
///
/// # Safety
/// `reply` must be the reply the callback was given; `token` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn foundry_token_reply_token(
    reply: *mut foundry_token_reply,
    token: *const c_char,
) {
    answer(reply, token, "token", true);
}

/// The token callback's answer: it failed, with `message` (copied), which becomes the cause
/// of the call's `FOUNDRY_ERROR_CREDENTIAL` error. No IO.
///
/// # Safety
/// As foundry_token_reply_token().
#[no_mangle]
pub unsafe extern "C" fn foundry_token_reply_error(
    reply: *mut foundry_token_reply,
    message: *const c_char,
) {
    answer(reply, message, "message", false);
}

/// The callback as the core's provider: called on a blocking thread of the runtime; a
/// failure becomes a `credential` error, which the core wraps with the provider's message as
/// the cause.
pub(crate) fn token_provider(
    callback: unsafe extern "C" fn(*mut c_void, *mut foundry_token_reply),
    user_data: *mut c_void,
) -> TokenProvider {
    // The caller vouched that `user_data` may be used from any thread.
    let user_data = user_data as usize;
    Arc::new(move || {
        Box::pin(async move {
            let asked = tokio::task::spawn_blocking(move || {
                let mut reply = foundry_token_reply { answer: None };
                // SAFETY: the caller registered a valid function and vouched for `user_data`.
                unsafe { callback(user_data as *mut c_void, &mut reply) };
                reply.answer
            })
            .await;
            let failed = |message: &str| Err(Error::new(ErrorKind::Credential, message));
            match asked {
                Ok(Some(Ok(token))) => Ok(token),
                Ok(Some(Err(message))) => failed(&message),
                Ok(None) => failed(
                    "the token callback returned without calling foundry_token_reply_token() \
                     or foundry_token_reply_error()",
                ),
                Err(_) => failed("the token callback could not be called"),
            }
        })
    })
}
