//! Streamed calls: `foundry_stream`, the core's `StreamHandle` for C (a pull API), and the
//! per-chunk callback functions written on it. Every rule (a read after the end, after a
//! failure, after a cancel) is the handle's (`core/src/client/handle.rs`); this file only
//! converts.

use std::future::Future;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use ::foundry_client::{ChatRequest, ChatStream, Error, Foundry, ResponsesRequest, StreamHandle};
use serde::de::DeserializeOwned;

use crate::args::{guarded, handle_arg, json_arg, out_arg, to_json_string};
use crate::client::foundry_client;
use crate::error::foundry_error;
use crate::runtime::block_on;

/// An open streamed answer. Read it with foundry_stream_next() from one thread at a time;
/// foundry_stream_cancel() may be called from any thread, even while a read waits. Freed with
/// foundry_stream_free(), which closes the connection if the stream is still open.
pub struct foundry_stream {
    handle: StreamHandle,
}

/// Checks the arguments, parses the request and opens the stream with `open` on the
/// library's runtime.
///
/// # Safety
/// As foundry_chat_stream_open().
unsafe fn open_stream<'a, R, Fut>(
    client: *const foundry_client,
    request_json: *const c_char,
    open: impl FnOnce(&'a Foundry, R) -> Fut,
) -> Result<StreamHandle, Error>
where
    R: DeserializeOwned,
    Fut: Future<Output = ::foundry_client::Result<ChatStream>>,
{
    // SAFETY: forwarded contracts.
    let client: &'a foundry_client = unsafe { handle_arg(client, "client") }?;
    let request: R = unsafe { json_arg(request_json, "request_json") }?;
    Ok(StreamHandle::new(block_on(open(&client.inner, request))??))
}

/// What both `_stream_open` functions do: [`open_stream`] into a `foundry_stream` for C.
///
/// # Safety
/// As foundry_chat_stream_open().
unsafe fn open_call<'a, R, Fut>(
    client: *const foundry_client,
    request_json: *const c_char,
    out_stream: *mut *mut foundry_stream,
    open: impl FnOnce(&'a Foundry, R) -> Fut,
) -> *mut foundry_error
where
    R: DeserializeOwned,
    Fut: Future<Output = ::foundry_client::Result<ChatStream>>,
{
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_stream, "out_stream") }?;
        let handle = unsafe { open_stream(client, request_json, open) }?;
        *out = Box::into_raw(Box::new(foundry_stream { handle }));
        Ok(())
    })
}

/// A streamed chat completion (the request as for foundry_chat(); `stream` is implied).
/// `*out_stream` is the open stream: read it with foundry_stream_next(). Network IO: blocks
/// until the service starts answering (retries and fallbacks included).
///
/// # Safety
/// `client` must be NULL or a live client; `request_json` NULL or a NUL-terminated string;
/// `out_stream` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_chat_stream_open(
    client: *const foundry_client,
    request_json: *const c_char,
    out_stream: *mut *mut foundry_stream,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        open_call(client, request_json, out_stream, |c, r: ChatRequest| {
            c.chat_stream(r)
        })
    }
}

/// A streamed Responses-API call, as foundry_chat_stream_open(); chunks and result have the
/// same shape.
///
/// # Safety
/// As foundry_chat_stream_open().
#[no_mangle]
pub unsafe extern "C" fn foundry_responses_stream_open(
    client: *const foundry_client,
    request_json: *const c_char,
    out_stream: *mut *mut foundry_stream,
) -> *mut foundry_error {
    // SAFETY: forwarded contracts.
    unsafe {
        open_call(
            client,
            request_json,
            out_stream,
            |c, r: ResponsesRequest| c.responses_stream(r),
        )
    }
}

/// The next chunk as JSON (`text` and `reasoning` deltas, `tool_calls` fragments,
/// `finish_reason`, `usage` on the chunk that carries totals, `content_filter`, `raw`), freed
/// with foundry_string_free(). At the clean end: NULL error and `*out_chunk_json` NULL, again
/// on every later read. After a failure every read returns the same error again; after
/// foundry_stream_cancel() every read returns `FOUNDRY_ERROR_CANCELLED`, so a cut-off answer
/// never ends like a complete one. Network IO: blocks until the chunk arrives or a cancel.
///
/// # Safety
/// `stream` must be NULL or a live stream (not read by another thread at the same time);
/// `out_chunk_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_stream_next(
    stream: *const foundry_stream,
    out_chunk_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_chunk_json, "out_chunk_json") }?;
        let stream = unsafe { handle_arg(stream, "stream") }?;
        if let Some(chunk) = block_on(stream.handle.next())?? {
            *out = to_json_string(&chunk)?;
        }
        Ok(())
    })
}

/// The whole answer folded from the chunks, shaped like foundry_chat()'s result (usage and
/// cost included when the service sent them), once the stream has ended cleanly;
/// `*out_result_json` stays NULL before that, and after a failure or a cancel. No IO.
///
/// # Safety
/// `stream` must be NULL or a live stream; `out_result_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn foundry_stream_result(
    stream: *const foundry_stream,
    out_result_json: *mut *mut c_char,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contracts.
        let out = unsafe { out_arg(out_result_json, "out_result_json") }?;
        let stream = unsafe { handle_arg(stream, "stream") }?;
        if let Some(result) = stream.handle.result() {
            *out = to_json_string(&result)?;
        }
        Ok(())
    })
}

/// Stops the stream and closes its connection (the service sees the request aborted); a
/// foundry_stream_next() waiting in another thread returns `FOUNDRY_ERROR_CANCELLED`, as do
/// all later reads. Thread-safe, idempotent, never blocks; a no-op once the stream has ended
/// or failed. No IO.
///
/// # Safety
/// `stream` must be NULL or a live stream.
#[no_mangle]
pub unsafe extern "C" fn foundry_stream_cancel(
    stream: *const foundry_stream,
) -> *mut foundry_error {
    guarded(|| {
        // SAFETY: forwarded contract.
        unsafe { handle_arg(stream, "stream") }?.handle.cancel();
        Ok(())
    })
}

/// Frees a stream, closing its connection if it is still open (without waiting: no IO). NULL
/// is a no-op.
///
/// # Safety
/// `stream` must be NULL or a stream from this library, not yet freed, that no other thread
/// is using.
#[no_mangle]
pub unsafe extern "C" fn foundry_stream_free(stream: *mut foundry_stream) {
    if stream.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the pointer came from `Box::into_raw` above and is freed once.
        drop(unsafe { Box::from_raw(stream) });
    }));
}

/// Receives each streamed chunk as JSON (as foundry_stream_next() gives it), on the thread
/// that called the stream function. The string is valid only during the call. Return 0 to
/// continue, nonzero to cancel the stream (the HTTP request is aborted).
pub type foundry_chunk_callback =
    Option<unsafe extern "C" fn(chunk_json: *const c_char, user_data: *mut c_void) -> c_int>;

/// Reads `handle` to its end, handing every chunk to `on_chunk` (cancelling when it returns
/// nonzero), and gives the folded result.
fn pump(
    handle: &StreamHandle,
    on_chunk: unsafe extern "C" fn(*const c_char, *mut c_void) -> c_int,
    user_data: *mut c_void,
) -> Result<*mut c_char, Error> {
    // Each chunk is awaited on the runtime and delivered outside it, so the callback may
    // itself call into the library.
    while let Some(chunk) = block_on(handle.next())?? {
        let json = to_json_string(&chunk)?;
        // SAFETY: the caller registered a valid function and vouched for `user_data`.
        let stop = unsafe { on_chunk(json, user_data) } != 0;
        // SAFETY: `json` came from `to_json_string` and is freed once.
        unsafe { crate::args::free_c_string(json) };
        if stop {
            // The next read returns the handle's `cancelled` error.
            handle.cancel();
        }
    }
    match handle.result() {
        Some(result) => to_json_string(&result),
        None => Ok(ptr::null_mut()),
    }
}

/// What both callback functions do: [`open_stream`], then [`pump`] into `on_chunk`.
///
/// # Safety
/// As foundry_chat_stream().
unsafe fn callback_call<'a, R, Fut>(
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
        let on_chunk = on_chunk.ok_or_else(|| Error::invalid_request("`on_chunk` is NULL"))?;
        let handle = unsafe { open_stream(client, request_json, open) }?;
        *out = pump(&handle, on_chunk, user_data)?;
        Ok(())
    })
}

/// A streamed chat completion with a callback: foundry_chat_stream_open(), then
/// foundry_stream_next() to the end, handing every chunk to `on_chunk`; at the clean end
/// `*out_result_json` is foundry_stream_result()'s answer. If `on_chunk` returns nonzero the
/// stream is cancelled (the request is aborted) and the call returns
/// `FOUNDRY_ERROR_CANCELLED` with `*out_result_json` NULL. Network IO: blocks until the end.
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
        callback_call(
            client,
            request_json,
            on_chunk,
            user_data,
            out_result_json,
            |c, r: ChatRequest| c.chat_stream(r),
        )
    }
}

/// A streamed Responses-API call with a callback, as foundry_chat_stream().
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
        callback_call(
            client,
            request_json,
            on_chunk,
            user_data,
            out_result_json,
            |c, r: ResponsesRequest| c.responses_stream(r),
        )
    }
}
