//! `onEvent`: the core's events handed to a JS callback without ever blocking either side.

use std::sync::Arc;

use foundry_client::events::{Event, EventCallback};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;

/// The JS callback, receiving each event as JSON text. Weak: a client with a callback
/// does not keep the process alive. Callee-unhandled: the callback gets the value only.
pub type EventFunction = ThreadsafeFunction<String, (), String, Status, false, true>;

/// Wraps the JS callback for the core. Events are queued to the JS thread (non-blocking);
/// the core's task never waits for JS.
pub fn event_callback(function: EventFunction) -> EventCallback {
    let function = Arc::new(function);
    Arc::new(move |event: &Event| {
        if let Ok(json) = serde_json::to_string(event) {
            function.call(json, ThreadsafeFunctionCallMode::NonBlocking);
        }
    })
}
