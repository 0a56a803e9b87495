//! The calls: chat, responses, embeddings, info and smoke, JSON in and JSON out, blocking the
//! calling thread on the library's runtime.

use std::future::Future;
use std::os::raw::c_char;

use ::foundry_client::{ChatRequest, EmbeddingsRequest, Foundry, ResponsesRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::args::{guarded, handle_arg, json_arg, out_arg, str_arg, to_json_string};
use crate::client::foundry_client;
use crate::error::foundry_error;
use crate::runtime::block_on;

/// A chat completion. `request_json` is the OpenAI-style request (`model`, `messages`,
/// `max_tokens`, `tools`, ..., plus `extra_headers`, `extra_body`, `timeout`); `model` is a
/// deployment or a route alias. On success `*out_result_json` is the normalized result:
/// `text`, `reasoning`, `tool_calls`, `finish_reason`, `usage`, `content_filter`, `cost_usd`,
/// `deployment`, `api`, `attempts`, `tried`, `request_id`, `model`, `raw` (the service's
/// answer). Network IO: blocks until the answer, retries and fallbacks included.
///
/// # Safety
/// `client` must be NULL or a live client; `request_json` NULL or a NUL-terminated string;
/// `out_result_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_chat(
    client: *const foundry_client,
    request_json: *const c_char,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        json_call(
            client,
            request_json,
            out_result_json,
            |c, r: ChatRequest| c.chat(r),
        )
    }
}

/// A Responses-API call (`input`, `instructions`, `max_output_tokens`, ...), normalized to
/// the same result shape as foundry_chat(). Network IO: blocks.
///
/// # Safety
/// As foundry_chat().
#[no_mangle]
pub unsafe extern "C" fn foundry_responses(
    client: *const foundry_client,
    request_json: *const c_char,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        json_call(
            client,
            request_json,
            out_result_json,
            |c, r: ResponsesRequest| c.responses(r),
        )
    }
}

/// Embeddings (`input`: a string or an array; `dimensions`, `encoding_format`). The result
/// has `data` (`[{index, embedding}]`), `usage`, `cost_usd`, `deployment`, `attempts`,
/// `request_id`, `raw`. Network IO: blocks.
///
/// # Safety
/// As foundry_chat().
#[no_mangle]
pub unsafe extern "C" fn foundry_embeddings(
    client: *const foundry_client,
    request_json: *const c_char,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        json_call(
            client,
            request_json,
            out_result_json,
            |c, r: EmbeddingsRequest| c.embeddings(r),
        )
    }
}

/// Pings every deployment of the catalog concurrently with a tiny chat call. Never fails as a
/// whole: `*out_json` is an array of `{deployment, ok, status, api, latency_ms, usage,
/// cost_usd, error, hint}`. Network IO: blocks.
///
/// # Safety
/// `client` must be NULL or a live client; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_smoke(
    client: *const foundry_client,
    out_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let results = block_on(client.inner.smoke())?;
        *out = to_json_string(&results)?;
        Ok(())
    })
}

/// The service's `GET /info` for a model-inference deployment (`model`: a deployment name or
/// a route alias), as its JSON: `model_name`, `model_type`, `model_provider_name`. Other
/// shapes have no such endpoint and give an error. Network IO: blocks.
///
/// # Safety
/// `client` must be NULL or a live client; `model` NULL or a NUL-terminated string;
/// `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_info(
    client: *const foundry_client,
    model: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let model = unsafe { str_arg(model, "model") }?;
        let info = block_on(client.inner.info(model))??;
        *out = to_json_string(&info)?;
        Ok(())
    })
}

/// What every JSON-in, JSON-out call does around its core call: checks the arguments, parses
/// the request, runs `call` on the library's runtime and hands back the result as JSON.
///
/// # Safety
/// As foundry_chat().
unsafe fn json_call<'a, R, T, Fut>(
    client: *const foundry_client,
    request_json: *const c_char,
    out_result_json: *mut *mut c_char,
    call: impl FnOnce(&'a Foundry, R) -> Fut,
) -> *mut foundry_error
where
    R: DeserializeOwned,
    T: Serialize,
    Fut: Future<Output = ::foundry_client::Result<T>>,
{
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let client: &'a foundry_client = unsafe { handle_arg(client, "client") }?;
        let request: R = unsafe { json_arg(request_json, "request_json") }?;
        let result = block_on(call(&client.inner, request))??;
        *out = to_json_string(&result)?;
        Ok(())
    })
}
