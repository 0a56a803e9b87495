//! How to build a client again in a forked child: the parent's connection pool belongs to the
//! parent's runtime threads, so the child rebuilds the core client from its settings and the
//! steps that derived it (`with_options`, `scope`), in order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use foundry_client::{CallOverrides, ClientSettings, Foundry, ScopeSpec};
use pyo3::prelude::*;

use crate::errors::{self, to_py_err};
use crate::events::EventQueue;

/// One derivation of a client from the one before it.
#[derive(Clone)]
pub enum Step {
    Options(CallOverrides),
    /// A scoped handle. `revoked` is set with the core's flag, so a child forked after
    /// `revoke()` rebuilds the handle revoked (the core's flag is not part of the recipe).
    Scope {
        spec: ScopeSpec,
        revoked: Arc<AtomicBool>,
    },
}

/// The settings (without the event callback, which each process gets from its own
/// `EventQueue`) and the steps applied since.
#[derive(Clone)]
pub struct Recipe {
    pub settings: ClientSettings,
    pub steps: Vec<Step>,
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
    fn apply(&self, client: Foundry) -> foundry_client::Result<Foundry> {
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
    /// The recipe of a client derived from this one's by `step`.
    pub fn then(&self, step: Step) -> Recipe {
        let mut recipe = self.clone();
        recipe.steps.push(step);
        recipe
    }

    /// The flag of the innermost scoped handle this client is (or was derived from).
    pub fn revocation(&self) -> Option<&Arc<AtomicBool>> {
        self.steps.iter().rev().find_map(|s| match s {
            Step::Scope { revoked, .. } => Some(revoked),
            Step::Options(_) => None,
        })
    }

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
            let built = Foundry::from_settings(settings)
                .and_then(|client| self.steps.iter().try_fold(client, |c, s| s.apply(c)));
            built.map_err(|e| to_py_err(py, &e))
        })?;
        Ok(PerProcess {
            pid: std::process::id(),
            client,
            events,
        })
    }
}
