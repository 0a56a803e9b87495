//! Governance: scoped handles (`Foundry::scope`, `revoke`, `scope_path`) and the reports of
//! spend and rate limits (`Foundry::spend`, `limits`). The rules are the core's; these entry
//! points only convert the arguments and hand back handles, strings and JSON.

use std::os::raw::c_char;

use crate::args::{guarded, handle_arg, out_arg, str_arg, to_c_string, to_json_string};
use crate::client::foundry_client;
use crate::error::foundry_error;
use crate::settings;

/// A scoped handle (LiteLLM's virtual key, in process): a full client whose calls count for
/// `name` inside `client`'s scope (`acme` → `acme/bot`) and are checked against the handle's
/// own budget, approved models and rate limits and against every enclosing scope's. It shares
/// `client`'s connections, tokens, breakers, ledger and event callback.
///
/// `name` is one path segment (letters, digits, `-`, `_`, `.`). `options_json` is NULL (no
/// options) or a JSON object with any of `models` (the deployments the handle may call),
/// `budget` (`{"hard_usd", "window", "time_zone", "soft"}`), `rpm`, `tpm` (whole numbers) and
/// `tags` (an object of strings, sent with the handle's `result` events); every check and
/// message is the core's (`ScopeSpec::from_json`, `Foundry::scope`: `FOUNDRY_ERROR_CONFIG`).
/// Free the handle with foundry_client_free(), before or after `client`. No network IO.
///
/// # Safety
/// `client` must be NULL or a live client; `name` NULL or a NUL-terminated string;
/// `options_json` NULL or a NUL-terminated string; `out_handle` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_scope(
    client: *const foundry_client,
    name: *const c_char,
    options_json: *const c_char,
    out_handle: *mut *mut foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_handle, "out_handle") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let options = if options_json.is_null() {
            None
        } else {
            Some(unsafe { str_arg(options_json, "options_json") }?)
        };
        let inner = client.inner.scope(settings::scope_spec(name, options)?)?;
        *out = client.derived(inner);
        Ok(())
    })
}

/// Revokes a scoped handle: its later calls, and those of the handles and clients derived from
/// it, fail with `FOUNDRY_ERROR_REVOKED` before anything is sent (calls in flight finish). A
/// client that is not a scoped handle is refused with `FOUNDRY_ERROR_INVALID_REQUEST`. The
/// handle must still be freed. No IO.
///
/// # Safety
/// `client` must be NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_revoke(
    client: *const foundry_client,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contract.
        let client = unsafe { handle_arg(client, "client") }?;
        client.inner.revoke()
    })
}

/// The scope path the client's calls count for (`"acme/bot"`), or NULL in `*out_path` when it
/// has none (a client without `governance.scope` that is not a handle). Free it with
/// foundry_string_free(). No IO.
///
/// # Safety
/// `client` must be NULL or a live client; `out_path` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_scope_path(
    client: *const foundry_client,
    out_path: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_path, "out_path") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        if let Some(path) = client.inner.scope_path() {
            *out = to_c_string(path);
        }
        Ok(())
    })
}

/// Each budget's spend in its current period as a JSON array of the core's `SpendLine`:
/// `{"scope", "window", "period", "spent_usd", "reserved_usd", "cap_usd", "soft"}` (`[]`
/// without budgets). Reads the ledger (a file or database for a shared one); no network IO.
///
/// # Safety
/// `client` must be NULL or a live client; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_spend(
    client: *const foundry_client,
    out_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        *out = to_json_string(&client.inner.spend()?)?;
        Ok(())
    })
}

/// Each local rate limit as it stands, as a JSON array of the core's `LimitLine`:
/// `{"limits"` (`"deployment:NAME"` or a scope path)`, "tpm", "rpm", "tokens_available",
/// "requests_available", "queued", "service_remaining_tokens", "service_remaining_requests"}`
/// (`[]` without limits). No IO.
///
/// # Safety
/// `client` must be NULL or a live client; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_client_limits(
    client: *const foundry_client,
    out_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        *out = to_json_string(&client.inner.limits())?;
        Ok(())
    })
}
