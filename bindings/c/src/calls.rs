//! The calls: chat, responses, embeddings and smoke, JSON in and JSON out, blocking the
//! calling thread on the library's runtime.

use std::os::raw::c_char;

use ::foundry_client::{ChatRequest, EmbeddingsRequest, ResponsesRequest};

use crate::args::{guarded, handle_arg, json_arg, out_arg, to_json_string};
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
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let request: ChatRequest = unsafe { json_arg(request_json, "request_json") }?;
        let result = block_on(client.inner.chat(request))??;
        *out = to_json_string(&result)?;
        Ok(())
    })
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
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let request: ResponsesRequest = unsafe { json_arg(request_json, "request_json") }?;
        let result = block_on(client.inner.responses(request))??;
        *out = to_json_string(&result)?;
        Ok(())
    })
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
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let client = unsafe { handle_arg(client, "client") }?;
        let request: EmbeddingsRequest = unsafe { json_arg(request_json, "request_json") }?;
        let result = block_on(client.inner.embeddings(request))??;
        *out = to_json_string(&result)?;
        Ok(())
    })
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
