//! Streamed calls with a per-chunk callback. The callback runs on the calling thread, outside
//! the runtime; returning nonzero stops the stream, which drops the HTTP response and so
//! aborts the request.

use std::ffi::CString;
use std::future::Future;
use std::os::raw::{c_char, c_int, c_void};

use ::foundry_client::{ChatRequest, ChatStream, Error, Foundry, ResponsesRequest};
use serde::de::DeserializeOwned;

use crate::args::{guarded, handle_arg, json_arg, out_arg, to_json_string};
use crate::client::foundry_client;
use crate::error::foundry_error;
use crate::runtime::block_on;

/// Receives each streamed chunk as JSON (`text` and `reasoning` deltas, `tool_calls`
/// fragments, `finish_reason`, `usage` on the chunk that carries totals, `content_filter`,
/// `raw`), on the thread that called the stream function. The string is valid only during the
/// call. Return 0 to continue, nonzero to stop (the HTTP request is aborted).
pub type foundry_chunk_callback =
    Option<unsafe extern "C" fn(chunk_json: *const c_char, user_data: *mut c_void) -> c_int>;

/// Reads `stream` to its end, handing every chunk to `on_chunk`. `Ok(None)` when the callback
/// stopped it.
fn pump(
    mut stream: ChatStream,
    on_chunk: unsafe extern "C" fn(*const c_char, *mut c_void) -> c_int,
    user_data: *mut c_void,
) -> Result<Option<*mut c_char>, Error> {
    // Each chunk is awaited on the runtime and delivered outside it, so the callback may
    // itself call into the library.
    while let Some(chunk) = block_on(stream.next_chunk())? {
        let chunk = chunk?;
        let json = serde_json::to_string(&chunk).unwrap_or_default();
        let json = CString::new(json).unwrap_or_default();
        // SAFETY: the caller registered a valid function and vouched for `user_data`.
        if unsafe { on_chunk(json.as_ptr(), user_data) } != 0 {
            drop(stream);
            return Ok(None);
        }
    }
    match stream.result() {
        Some(result) => to_json_string(result).map(Some),
        None => Ok(None),
    }
}

/// A streamed chat completion (the request as for foundry_chat(); `stream` is implied).
/// `on_chunk` is called for every chunk; when the stream ends, `*out_result_json` is the whole
/// answer folded like foundry_chat()'s result (usage and cost included when the service sent
/// them). If `on_chunk` returns nonzero the stream stops, the request is aborted, NULL is
/// returned and `*out_result_json` stays NULL. Network IO: blocks until the end or the stop.
///
/// # Safety
/// As foundry_chat(); `on_chunk` must be a valid function (NULL is refused) that does not
/// unwind; `user_data` is passed back unchanged.
#[no_mangle]
pub unsafe extern "C" fn foundry_chat_stream(
    client: *const foundry_client,
    request_json: *const c_char,
    on_chunk: foundry_chunk_callback,
    user_data: *mut c_void,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        stream_call(
            client,
            request_json,
            on_chunk,
            user_data,
            out_result_json,
            |c, r: ChatRequest| c.chat_stream(r),
        )
    }
}

/// A streamed Responses-API call; chunks and result have the same shape as
/// foundry_chat_stream()'s.
///
/// # Safety
/// As foundry_chat_stream().
#[no_mangle]
pub unsafe extern "C" fn foundry_responses_stream(
    client: *const foundry_client,
    request_json: *const c_char,
    on_chunk: foundry_chunk_callback,
    user_data: *mut c_void,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        stream_call(
            client,
            request_json,
            on_chunk,
            user_data,
            out_result_json,
            |c, r: ResponsesRequest| c.responses_stream(r),
        )
    }
}

/// What both streaming calls do around opening their stream: checks the arguments, parses the
/// request, opens the stream with `open` on the library's runtime and pumps it into `on_chunk`.
///
/// # Safety
/// As foundry_chat_stream().
unsafe fn stream_call<'a, R, Fut>(
    client: *const foundry_client,
    request_json: *const c_char,
    on_chunk: foundry_chunk_callback,
    user_data: *mut c_void,
    out_result_json: *mut *mut c_char,
    open: impl FnOnce(&'a Foundry, R) -> Fut,
) -> *mut foundry_error
where
    R: DeserializeOwned,
    Fut: Future<Output = ::foundry_client::Result<ChatStream>>,
{
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let client: &'a foundry_client = unsafe { handle_arg(client, "client") }?;
        let request: R = unsafe { json_arg(request_json, "request_json") }?;
        let on_chunk = on_chunk.ok_or_else(|| Error::invalid_request("`on_chunk` is NULL"))?;
        let stream = block_on(open(&client.inner, request))??;
        *out = pump(stream, on_chunk, user_data)?.unwrap_or(std::ptr::null_mut());
        Ok(())
    })
}
