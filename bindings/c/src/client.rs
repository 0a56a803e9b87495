//! `foundry_client`: the opaque handle, its constructors, its event callback and its free.

use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::sync::{Arc, Mutex};

use ::foundry_client::config::Catalog;
use ::foundry_client::events::Event;
use ::foundry_client::{ClientOptions, Error, Foundry};

use crate::args::{guarded, handle_arg, out_arg, str_arg, to_json_string};
use crate::error::foundry_error;

/// A client: cheap to share between threads (every call takes it by const pointer).
/// Created by a `foundry_client_new_*` function, freed by foundry_client_free().
pub struct foundry_client {
    pub(crate) inner: Foundry,
    events: Arc<EventSlot>,
}

/// Receives each event as JSON (`{"type": "attempt" | "result", ...}`), on one of the
/// library's runtime threads: it must be thread-safe, return quickly, and not call `foundry_*`
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

fn build(catalog: Result<Catalog, Error>, out: &mut *mut foundry_client) -> Result<(), Error> {
    let events = Arc::new(EventSlot::default());
    let sink = events.clone();
    let options = ClientOptions {
        on_event: Some(Arc::new(move |event: &Event| sink.deliver(event))),
        ..ClientOptions::default()
    };
    let inner = Foundry::new(catalog?, options)?;
    *out = Box::into_raw(Box::new(foundry_client { inner, events }));
    Ok(())
}

/// A client over a YAML or JSON catalog file (native or LiteLLM `model_list` format);
/// `${NAME}` references read the process environment. File IO only, no network.
///
/// # Safety
/// `path` must be NULL or a NUL-terminated string; `out_client` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_new_from_path(
    path: *const c_char,
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        let path = unsafe { str_arg(path, "path") }?;
        build(Catalog::from_path(path), out)
    })
}

/// A client over a catalog given as JSON text in the file format. No IO.
///
/// # Safety
/// As foundry_client_new_from_path().
#[no_mangle]
pub unsafe extern "C" fn foundry_client_new_from_json(
    catalog_json: *const c_char,
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        let text = unsafe { str_arg(catalog_json, "catalog_json") }?;
        let catalog = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("catalog_json is not JSON: {e}")))
            .and_then(|value| Catalog::from_value(value, "catalog_json"));
        build(catalog, out)
    })
}

/// A client from `FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY` (or `AZURE_OPENAI_ENDPOINT` /
/// `AZURE_OPENAI_API_KEY` / `OPENAI_API_VERSION`); without a key, Entra ID (managed identity
/// and the rest of the default chain) is used. No IO.
///
/// # Safety
/// `out_client` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_new_from_env(
    out_client: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contract.
        let out = unsafe { out_arg(out_client, "out_client") }?;
        build(Catalog::from_env(), out)
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

/// Sets (or, with NULL, clears) the callback receiving one event per HTTP attempt and per
/// finished call. `user_data` is passed back unchanged. No IO.
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
