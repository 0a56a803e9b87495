//! How to build a client again in a forked child: the parent's connection pool belongs to the
//! parent's runtime threads, so the child rebuilds a constructed client from its settings, and
//! a derived one (`with_options`, `scope`) by applying its step to the child's rebuild of the
//! client it came from, so that the two share a ledger, lanes, breakers and an event thread
//! there as they do in the parent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use foundry_client::{CallOverrides, ClientSettings, Foundry, ScopeSpec};
use pyo3::prelude::*;

use crate::errors::{self, to_py_err};
use crate::events::EventQueue;

/// How a client was derived from another.
pub enum Step {
    Options(CallOverrides),
    /// A scoped handle. `revoked` is set with the core's flag, so that a child forked after
    /// `revoke()` rebuilds the handle revoked (a rebuilt handle has a fresh core flag).
    Scope {
        spec: ScopeSpec,
        revoked: Arc<AtomicBool>,
    },
}

/// A constructed client's settings (without the event callback, which each process gets
/// from its own `EventQueue`).
pub struct Recipe {
    pub settings: ClientSettings,
    pub on_event: Option<Arc<Py<PyAny>>>,
}

/// The core client of the current process and its event queue.
pub struct PerProcess {
    pub pid: u32,
    pub client: Foundry,
    /// The `on_event` thread of this process (a forked child has none of the parent's threads).
    pub events: Option<Arc<EventQueue>>,
}

impl Step {
    /// The client derived from `client` (made afresh, or again in a forked child).
    pub fn apply(&self, client: Foundry) -> foundry_client::Result<Foundry> {
        match self {
            Step::Options(overrides) => client.with_options(overrides.clone()),
            Step::Scope { spec, revoked } => {
                let handle = client.scope(spec.clone())?;
                if revoked.load(Ordering::Acquire) {
                    handle.revoke()?;
                }
                Ok(handle)
            }
        }
    }
}

impl Recipe {
    /// The core client and its event queue for this process.
    pub fn build(&self, py: Python<'_>) -> PyResult<PerProcess> {
        let events = self
            .on_event
            .as_ref()
            .map(|callback| EventQueue::start(callback.clone_ref(py)))
            .transpose()?;
        let settings = ClientSettings {
            on_event: events.as_ref().map(EventQueue::callback),
            ..self.settings.clone()
        };
        let client = errors::caught(py, || {
            Foundry::from_settings(settings).map_err(|e| to_py_err(py, &e))
        })?;
        Ok(PerProcess {
            pid: std::process::id(),
            client,
            events,
        })
    }
}
