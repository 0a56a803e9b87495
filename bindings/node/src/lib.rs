//! The Node.js binding of foundry-client: napi-rs glue, thin. Each method converts its
//! arguments, calls the core and maps the error; the OpenAI-SDK-shaped surface (resources,
//! result classes, error classes, async iterators) is the TypeScript wrapper in `node/src/`.
//!
//! Values cross the boundary as JSON text: one `JSON.stringify` / `JSON.parse` on the JS
//! side is cheaper than building objects property by property through N-API.
//!
//! Every call that does network IO returns a Promise and runs on napi's tokio runtime: the
//! JS thread never waits.

mod bench;
mod cancel;
mod client;
mod errors;
mod events;
mod options;
mod results;
mod stream;
mod telemetry;

pub use bench::{bench_noop, bench_noop_async, debug_panic};
pub use cancel::CancelToken;
pub use client::NativeClient;
pub use errors::error_kinds;
pub use stream::NativeStream;
pub use telemetry::{flush_telemetry, telemetry_enabled};
