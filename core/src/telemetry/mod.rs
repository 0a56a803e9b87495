//! OpenTelemetry export (issue 14 part 3), behind the `otel` feature: one CLIENT span per call
//! and the GenAI client metrics, sent over OTLP/HTTP when the standard `OTEL_*` variables ask
//! for it (an endpoint set, the exporter not `none`, the SDK not disabled).
//!
//! The caller's trace joins through the request's `extra_headers`: a `traceparent` there (the
//! bindings put their language's current span there) becomes the span's parent, and the
//! request carries the core's own span as `traceparent` instead. With export off the header
//! passes through unchanged and a call pays one atomic load; without the feature, nothing.
//!
//! The hooks are the call's start, each attempt's gate exit and header assembly, and the
//! call's result event (`EventSink::result`), which the span's attributes are read from. No
//! header value other than the trace context, and no credential, becomes an attribute.

#[cfg(feature = "otel")]
mod pipeline;
#[cfg(feature = "otel")]
mod settings;
#[cfg(feature = "otel")]
mod span;

use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::{Deployment, Shape};
use crate::events::ResultEvent;
use crate::types::Api;

/// How long [`flush`] waits at most: the OTLP exporter's own default timeout.
pub const FLUSH_DEADLINE: Duration = Duration::from_secs(10);

/// Exports the spans and metrics recorded so far and waits until they are sent, for at most
/// [`FLUSH_DEADLINE`]. True when everything was sent (or there is nothing to export: the
/// `otel` feature is off, the `OTEL_*` variables do not ask for export, or no client was
/// built yet: flushing never starts the export); false when the
/// deadline passed or the receiver refused. Blocks the calling thread (network IO): call it
/// before the process exits, off any async executor's thread if possible.
pub fn flush() -> bool {
    #[cfg(feature = "otel")]
    {
        pipeline::flush(FLUSH_DEADLINE)
    }
    #[cfg(not(feature = "otel"))]
    {
        true
    }
}

/// Whether this process exports (sets the export up, once, if it was not yet). No network IO.
pub fn enabled() -> bool {
    #[cfg(feature = "otel")]
    {
        pipeline::current().is_some()
    }
    #[cfg(not(feature = "otel"))]
    {
        false
    }
}

/// The telemetry of one call: inert (and free) unless the process exports.
#[derive(Default)]
pub(crate) struct CallTrace {
    #[cfg(feature = "otel")]
    active: Option<Box<span::ActiveCall>>,
}

impl CallTrace {
    /// Starts a call's telemetry: its span (a child of the `traceparent` in `extra_headers`,
    /// if any) and its clock. `shape`: the endpoint shape of the route's first deployment
    /// (asked only when exporting); `budgeted`: the client has budgets.
    #[inline]
    pub fn start(
        api: Api,
        model: &str,
        extra_headers: &Map<String, Value>,
        shape: impl FnOnce() -> Option<Shape>,
        stream: bool,
        budgeted: bool,
    ) -> CallTrace {
        #[cfg(feature = "otel")]
        {
            CallTrace {
                active: pipeline::current().map(|p| {
                    Box::new(span::ActiveCall::start(
                        p,
                        api,
                        model,
                        extra_headers,
                        shape(),
                        stream,
                        budgeted,
                    ))
                }),
            }
        }
        #[cfg(not(feature = "otel"))]
        {
            let _ = (api, model, extra_headers, shape, stream, budgeted);
            CallTrace {}
        }
    }

    /// Whether the call is exported (its result event must then be built).
    #[inline]
    pub fn is_on(&self) -> bool {
        #[cfg(feature = "otel")]
        {
            self.active.is_some()
        }
        #[cfg(not(feature = "otel"))]
        {
            false
        }
    }

    /// The `traceparent` (and `tracestate`) the request carries in place of the caller's.
    #[inline]
    pub fn trace_headers(
        &self,
    ) -> Option<(
        &reqwest::header::HeaderValue,
        Option<&reqwest::header::HeaderValue>,
    )> {
        #[cfg(feature = "otel")]
        {
            self.active.as_ref().and_then(|a| a.trace_headers())
        }
        #[cfg(not(feature = "otel"))]
        {
            None
        }
    }

    /// An attempt leaves the gate for `d`, after `queued` in the rate-limit queues.
    #[inline]
    pub fn attempt(&self, d: &Deployment, queued: Duration) {
        #[cfg(feature = "otel")]
        if let Some(active) = &self.active {
            active.attempt(d, queued.as_millis() as u64);
        }
        #[cfg(not(feature = "otel"))]
        let _ = (d, queued);
    }

    /// The answer's id (`chatcmpl-...`, `resp_...`).
    #[inline]
    pub fn response_id(&mut self, id: &str) {
        #[cfg(feature = "otel")]
        if let Some(active) = &mut self.active {
            active.response_id(id);
        }
        #[cfg(not(feature = "otel"))]
        let _ = id;
    }

    /// Ends the call's telemetry with its result event.
    #[inline]
    pub fn finish(self, event: &ResultEvent) {
        #[cfg(feature = "otel")]
        if let Some(mut active) = self.active {
            active.finish(event);
        }
        #[cfg(not(feature = "otel"))]
        let _ = event;
    }
}
