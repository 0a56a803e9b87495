//! The UniFFI surface of foundry-client, from which the Kotlin bindings (`foundryclient`,
//! JNA) are generated in library mode. Glue only: records mirror the core's types, calls
//! convert, await the core on tokio (`async_runtime = "tokio"`) and map errors.
//!
//! The sealed `FoundryException` hierarchy is generated from `FoundryError`; the idiomatic
//! Kotlin API (`Foundry`, its builder, `Flow` streams) is written by hand in
//! `kotlin/src/main/kotlin/foundryclient/` on top of these `Native*` types.

// `FoundryError` carries the whole `ErrorInfo` by value because UniFFI serializes errors across
// the boundary and has no `Box` type; it is built once per failed call, so its size is moot.
#![allow(clippy::result_large_err)]

mod bench;
mod client;
mod errors;
mod events;
mod governance;
mod requests;
mod results;
mod runtime;
mod settings;
mod stream;
mod telemetry;

pub use bench::*;
pub use client::*;
pub use errors::*;
pub use events::*;
pub use governance::*;
pub use requests::*;
pub use results::*;
pub use settings::*;
pub use stream::*;
pub use telemetry::*;

uniffi::setup_scaffolding!();
