//! `foundry_client`: the opaque handle, its constructors (settings JSON converted into the
//! core's `ClientSettings`), `with_options`, its event callback and its free.

use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::sync::{Arc, Mutex};

use ::foundry_client::events::Event;
use ::foundry_client::{ClientSettings, Error, Foundry};

use crate::args::{guarded, handle_arg, out_arg, str_arg, to_json_string};
use crate::error::foundry_error;
use crate::settings;
use crate::token::{foundry_token_callback, token_provider};

/// A client: cheap to share between threads (every call takes it by const pointer).
/// Created by foundry_client_new(), foundry_client_new_with_token_provider() or
/// foundry_client_with_options(); freed by foundry_client_free().
pub struct foundry_client {
    pub(crate) inner: Foundry,
    /// Shared with the clients derived by foundry_client_with_options() and
    /// foundry_client_scope(), as the core client's event callback is.
    events: Arc<EventSlot>,
}

impl foundry_client {
    /// A client derived from this one (`with_options`, `scope`): the core's client, boxed for C
    /// with this one's event slot, since the derived core client reports through the same sink.
    pub(crate) fn derived(&self, inner: Foundry) -> *mut foundry_client {
        let events = self.events.clone();
        Box::into_raw(Box::new(foundry_client { inner, events }))
    }
}

/// Receives each event as JSON, the core's `Event`: `{"type": "attempt" | "result" |
/// "circuit" | "retry_refused" | "spend" | "budget_alert" | "policy", ...}` (a scoped
/// handle's `result` events carry its `scope` and `tags`). Called on one of the library's
/// runtime threads: it must be thread-safe, return quickly, and not call `foundry_*`
/// functions that do IO. The string is valid only during the call.
pub type foundry_event_callback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

#[derive(Default)]
struct EventSlot(Mutex<Option<(unsafe extern "C" fn(*const c_char, *mut c_void), usize)>>);

impl EventSlot {
    fn deliver(&self, event: &Event) {
        let Some((callback, user_data)) = self.0.lock().ok().and_then(|slot| *slot) else {
            return;
        };
        let Ok(json) = serde_json::to_string(event) else {
            return;
        };
        if let Ok(json) = CString::new(json) {
            // SAFETY: the caller registered a valid function and vouched for `user_data`.
            unsafe { callback(json.as_ptr(), user_data as *mut c_void) };
        }
    }
}

/// Builds the client from `settings` with the event slot wired in.
fn build(mut settings: ClientSettings, out: &mut *mut foundry_client) -> Result<(), Error> {
    let events = Arc::new(EventSlot::default());
    let sink = events.clone();
    settings.on_event = Some(Arc::new(move |event: &Event| sink.deliver(event)));
    let inner = Foundry::from_settings(settings)?;
    *out = Box::into_raw(Box::new(foundry_client { inner, events }));
    Ok(())
}

/// A client from `settings_json`, a JSON object whose keys are the core's `ClientSettings`
/// (all optional; any other key is refused):
///
/// - the catalog, at most one of: `catalog` (an object in the catalog file format, native or
///   LiteLLM `model_list`), `catalog_path` (a YAML or JSON file), `catalog_text` (YAML or JSON
///   text); without one, the environment catalog (`FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY`, or
///   `AZURE_OPENAI_ENDPOINT` / `AZURE_OPENAI_API_KEY` / `OPENAI_API_VERSION`; without a key,
///   Entra ID);
/// - `endpoint`, `api_key`, `api_version`: that environment catalog's values, in place of the
///   variables (an error together with a catalog);
/// - `deployment`: every call goes to this deployment or route;
/// - `default_headers` (object of strings), `timeout` (seconds, the whole call's deadline),
///   `max_retries`: replace the catalog's defaults;
/// - `env` (object of strings): the variables read instead of the process environment;
/// - `ca_pem`: extra PEM CA certificates to trust.
///
/// `{}` is the environment client. Every check and message is the core's
/// (`Foundry::from_settings`). File IO and environment reads only, no network.
///
/// # Safety
/// `settings_json` must be NULL or a NUL-terminated string; `out_client` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_new(
    settings_json: *const c_char,
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        let text = unsafe { str_arg(settings_json, "settings_json") }?;
        build(settings::client_settings(text)?, out)
    })
}

/// As foundry_client_new(), with bearer tokens for Entra ID deployments from `callback`
/// (openai's `azure_ad_token_provider`): the environment catalog then ignores
/// `FOUNDRY_API_KEY` / `AZURE_OPENAI_API_KEY`, and an `api_key` setting is an error. A
/// failure the callback reports ends the call with `FOUNDRY_ERROR_CREDENTIAL`, its message as
/// the error's `cause`. No network IO here.
///
/// # Safety
/// As foundry_client_new(); `callback` must be a valid function (NULL is refused), and it and
/// `user_data` must stay valid (and usable from any thread) until this client and every
/// client derived from it with foundry_client_with_options() are freed.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_new_with_token_provider(
    settings_json: *const c_char,
    callback: foundry_token_callback,
    user_data: *mut c_void,
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        let text = unsafe { str_arg(settings_json, "settings_json") }?;
        let callback = callback.ok_or_else(|| Error::invalid_request("`callback` is NULL"))?;
        let settings = ClientSettings {
            token_provider: Some(token_provider(callback, user_data)),
            ..settings::client_settings(text)?
        };
        build(settings, out)
    })
}

/// A client sharing `client`'s connections, tokens, budget, breakers and event callback, with
/// other call settings (openai's `with_options`): `overrides_json` is an object with any of
/// `default_headers` (joined with and winning over the client's), `timeout` (seconds) and
/// `max_retries`. Checked as the constructor's (`Foundry::with_options`). Free the new client
/// with foundry_client_free(); either may be freed first. No IO.
///
/// # Safety
/// `client` must be NULL or a live client; `overrides_json` NULL or a NUL-terminated string;
/// `out_client` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_with_options(
    client: *const foundry_client,
    overrides_json: *const c_char,
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let text = unsafe { str_arg(overrides_json, "overrides_json") }?;
        let inner = client.inner.with_options(settings::call_overrides(text)?)?;
        *out = client.derived(inner);
        Ok(())
    })
}

/// Frees a client. NULL is a no-op. No call may be using it.
///
/// # Safety
/// `client` must be NULL or a client from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_free(client: *mut foundry_client) {
    if client.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the pointer came from `Box::into_raw` in `build` and is freed once.
        drop(unsafe { Box::from_raw(client) });
    }));
}

/// Sets (or, with NULL, clears) the callback receiving the client's events, for this client
/// and every client derived from it or from which it was derived with
/// foundry_client_with_options() or foundry_client_scope() (they share one). `user_data` is
/// passed back unchanged. No IO.
///
/// # Safety
/// `client` must be NULL or a live client; `callback` and `user_data` must stay valid (and be
/// safe to use from other threads) until replaced or the client is freed.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_set_event_callback(
    client: *const foundry_client,
    callback: foundry_event_callback,
    user_data: *mut c_void,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contract.
        let client = unsafe { handle_arg(client, "client") }?;
        let mut slot = client
            .events
            .0
            .lock()
            .map_err(|_| Error::invalid_request("the event callback slot is poisoned"))?;
        *slot = callback.map(|f| (f, user_data as usize));
        Ok(())
    })
}

/// The catalog's deployments as a JSON array (name, shape, auth type, pricing, quirks; never
/// a secret), with what the client has learned applied. No IO.
///
/// # Safety
/// `client` must be NULL or a live client; `out_json` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_deployments(
    client: *const foundry_client,
    out_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let list: Vec<serde_json::Value> = client
            .inner
            .deployments()
            .iter()
            .map(|d| d.to_json())
            .collect();
        *out = to_json_string(&list)?;
        Ok(())
    })
}
