//! foundry-client: one client for Azure AI Foundry deployments, shared by every language.
//!
//! The core owns deployment routing, auth, retries, spend and response normalization; the
//! Python, Node, Kotlin and C bindings only convert types and map errors.

pub mod config;
mod error;
pub mod types;

pub(crate) mod auth;
mod client;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod govern;
pub mod normalize;
pub mod panic;
mod raw_json;
#[cfg(test)]
mod recorded_corpus;
mod retry;
pub mod runtime;
pub mod sse;
pub mod stream;
pub mod telemetry;
pub mod view;
pub mod wire;

pub use client::doctor;
pub use client::{
    CallOverrides, CatalogSource, ChatStream, ClientOptions, ClientSettings, EnvLookup, Foundry,
    LimitLine, ScopeSpec, SmokeResult, SpendLine, StreamHandle, TokenProvider,
};
pub use config::{Catalog, Deployment, Secret, Shape};
pub use error::{Cause, Error, ErrorDetails, ErrorKind, Result};
pub use types::*;
