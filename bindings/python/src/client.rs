//! `Client`: the core `Foundry` behind the Python `Foundry` and `AsyncFoundry`. The constructor
//! converts its arguments into the core's `ClientSettings` (precedence, validation and messages
//! are the core's); each method converts its arguments, calls the core (blocking with the GIL
//! released, or as an asyncio awaitable) and maps the outcome.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use foundry_client::{
    CallOverrides, CatalogSource, ChatRequest, ClientSettings, EmbeddingsRequest, Error, ErrorKind,
    Foundry, ResponsesRequest, ScopeSpec, TokenProvider,
};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use serde_json::Value;

use crate::convert::{self, Json, Outcome};
use crate::errors::{self, to_py_err};
use crate::events::EventQueue;
use crate::numbers;
use crate::recipe::{PerProcess, Recipe, Step};
use crate::results::{PyChatResult, PyEmbeddingsResult};
use crate::runtime;
use crate::stream::PyChatStream;

/// A client over one catalog. Safe to share across threads and asyncio tasks.
#[pyclass(frozen, module = "foundry_client._native", name = "Client")]
pub struct PyClient {
    current: Mutex<PerProcess>,
    origin: Origin,
}

/// Where a client came from, to build it again in a forked child.
enum Origin {
    Constructed(Recipe),
    Derived { base: Py<PyClient>, step: Step },
}

impl PyClient {
    fn client(&self, py: Python<'_>) -> PyResult<Foundry> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if current.pid != pid {
            *current = match &self.origin {
                Origin::Constructed(recipe) => {
                    if let Some(parents) = current.events.take() {
                        parents.abandon_after_fork();
                    }
                    recipe.build(py)?
                }
                // The base is rebuilt first (and abandons the parent's event thread).
                Origin::Derived { base, step } => {
                    let base = base.get();
                    let client = base.client(py)?;
                    let client =
                        errors::caught(py, || step.apply(client).map_err(|e| to_py_err(py, &e)))?;
                    PerProcess {
                        pid,
                        client,
                        events: base.events(),
                    }
                }
            };
        }
        Ok(current.client.clone())
    }

    fn events(&self) -> Option<Arc<EventQueue>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.events.clone()
    }

    /// The flag of the innermost scoped handle this client is or was derived from.
    fn revocation(&self) -> Option<&Arc<AtomicBool>> {
        match &self.origin {
            Origin::Constructed(_) => None,
            Origin::Derived {
                step: Step::Scope { revoked, .. },
                ..
            } => Some(revoked),
            Origin::Derived { base, .. } => base.get().revocation(),
        }
    }

    /// The client `step` derives from this one (a panic becomes `InternalError`, an error
    /// its exception). It shares this one's event thread.
    fn derive(slf: &Bound<'_, Self>, step: Step) -> PyResult<PyClient> {
        let py = slf.py();
        let this = slf.get();
        let base = this.client(py)?;
        let client = errors::caught(py, || step.apply(base).map_err(|e| to_py_err(py, &e)))?;
        Ok(PyClient {
            current: Mutex::new(PerProcess {
                pid: std::process::id(),
                client,
                events: this.events(),
            }),
            origin: Origin::Derived {
                base: slf.clone().unbind(),
                step,
            },
        })
    }

    /// Runs one core call to completion, the GIL released meanwhile.
    fn blocking<T, Fut>(&self, py: Python<'_>, call: impl FnOnce(Foundry) -> Fut) -> PyResult<T>
    where
        Fut: Future<Output = foundry_client::Result<T>> + Send,
        T: Send,
    {
        let client = self.client(py)?;
        runtime::block_on(py, call(client))?.map_err(|e| to_py_err(py, &e))
    }

    /// One core call as an awaitable of the running asyncio loop.
    fn awaitable<'py, T, Fut>(
        &self,
        py: Python<'py>,
        call: impl FnOnce(Foundry) -> Fut,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        Fut: Future<Output = foundry_client::Result<T>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let fut = call(self.client(py)?);
        runtime::future_into_py(py, async move { Ok(Outcome(fut.await)) })
    }
}

/// `config`: a catalog file path (`str` without a newline, or any `os.PathLike`), catalog text
/// (YAML or JSON, a `str` with a newline), or a mapping in the file format.
fn catalog_source(config: &Bound<'_, PyAny>) -> PyResult<CatalogSource> {
    const ORIGIN: &str = "Foundry(config=...)";
    if let Ok(text) = config.cast::<PyString>() {
        let text = text.to_cow()?;
        return Ok(if text.contains('\n') {
            CatalogSource::Text {
                text: text.into_owned(),
                origin: ORIGIN.into(),
            }
        } else {
            CatalogSource::File(PathBuf::from(text.as_ref()))
        });
    }
    if config.is_instance_of::<PyMapping>() || config.cast::<pyo3::types::PyDict>().is_ok() {
        let value: Value = convert::request(config)?;
        return Ok(CatalogSource::Value {
            value,
            origin: ORIGIN.into(),
        });
    }
    match config.extract::<PathBuf>() {
        Ok(path) => Ok(CatalogSource::File(path)),
        Err(_) => Err(errors::invalid_request(
            config.py(),
            format!(
                "config must be a catalog file path, catalog text or a dict in the file format, got {}",
                config.get_type().name()?
            ),
        )),
    }
}

/// The text of a Python exception and of its `__cause__` chain, as the core's `Cause`.
fn cause_of(py: Python<'_>, err: &PyErr) -> foundry_client::Cause {
    let message = err
        .value(py)
        .str()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let message = if message.is_empty() {
        err.get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "an exception".into())
    } else {
        message
    };
    foundry_client::Cause {
        message,
        cause: err.cause(py).map(|c| Box::new(cause_of(py, &c))),
    }
}

/// `azure_ad_token_provider` as the core's `TokenProvider`: the Python callable (already made
/// synchronous by `foundry_client._client`, which runs a coroutine to its end) is called on a
/// blocking thread with the GIL; an exception becomes a `credential` error whose cause is the
/// exception's chain.
fn token_provider(callable: Py<PyAny>) -> TokenProvider {
    let callable = Arc::new(callable);
    Arc::new(move || {
        let callable = callable.clone();
        Box::pin(async move {
            let asked = tokio::task::spawn_blocking(move || {
                Python::attach(|py| {
                    let returned = callable.call0(py).map_err(|e| {
                        // The exception is the provider's failure; its own chain, its cause.
                        let failure = cause_of(py, &e);
                        let error = Error::new(ErrorKind::Credential, failure.message);
                        match failure.cause {
                            Some(cause) => error.with_cause(*cause),
                            None => error,
                        }
                    })?;
                    returned.extract::<String>(py).map_err(|_| {
                        let got = returned
                            .bind(py)
                            .get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default();
                        Error::new(
                            ErrorKind::Credential,
                            format!(
                                "azure_ad_token_provider must return the token as a str, got {got}"
                            ),
                        )
                    })
                })
            })
            .await;
            asked.unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::Credential,
                    "azure_ad_token_provider could not be called (its thread panicked)",
                ))
            })
        })
    })
}

/// `timeout` and `max_retries` as numbers; the core checks their range.
fn call_overrides(
    default_headers: Option<BTreeMap<String, String>>,
    timeout: Option<&Bound<'_, PyAny>>,
    max_retries: Option<&Bound<'_, PyAny>>,
) -> PyResult<CallOverrides> {
    Ok(CallOverrides {
        default_headers: default_headers.unwrap_or_default(),
        timeout: timeout
            .filter(|t| !t.is_none())
            .map(|t| numbers::float(t, "timeout"))
            .transpose()?,
        max_retries: max_retries
            .filter(|n| !n.is_none())
            .map(|n| numbers::whole(n, "max_retries"))
            .transpose()?,
    })
}

#[pymethods]
impl PyClient {
    /// Builds a client from the core's `ClientSettings` (`core/src/client/settings.rs` holds
    /// the precedence rule and every message). Reads the file and the environment; no network.
    #[new]
    #[pyo3(signature = (*, config=None, endpoint=None, api_key=None, api_version=None,
        deployment=None, token_provider=None, default_headers=None, timeout=None,
        max_retries=None, on_event=None, ca_pem=None, env=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        endpoint: Option<String>,
        api_key: Option<String>,
        api_version: Option<String>,
        deployment: Option<String>,
        token_provider: Option<Py<PyAny>>,
        default_headers: Option<BTreeMap<String, String>>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
        on_event: Option<Py<PyAny>>,
        ca_pem: Option<String>,
        env: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        crate::logging::refresh_levels();
        let overrides = call_overrides(default_headers, timeout, max_retries)?;
        let settings = ClientSettings {
            catalog: config
                .filter(|c| !c.is_none())
                .map(catalog_source)
                .transpose()?,
            endpoint,
            api_key,
            api_version,
            deployment,
            default_headers: overrides.default_headers,
            timeout: overrides.timeout,
            max_retries: overrides.max_retries,
            env,
            ca_pem,
            on_event: None,
            token_provider: token_provider.map(self::token_provider),
        };
        let recipe = Recipe {
            settings,
            on_event: on_event.map(Arc::new),
        };
        let current = recipe.build(py)?;
        Ok(PyClient {
            current: Mutex::new(current),
            origin: Origin::Constructed(recipe),
        })
    }

    /// A client sharing this one's auth, budget, breakers and event thread, with these call
    /// settings changed (openai's `with_options`; the core's `Foundry::with_options`). No IO.
    #[pyo3(signature = (*, default_headers=None, timeout=None, max_retries=None))]
    fn with_options(
        slf: &Bound<'_, Self>,
        default_headers: Option<BTreeMap<String, String>>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let overrides = call_overrides(default_headers, timeout, max_retries)?;
        Self::derive(slf, Step::Options(overrides))
    }

    /// A scoped handle (`Foundry::scope`): a client whose calls count for `name` inside this
    /// client's scope, checked against its own budget, models and rate limits and its
    /// parents'. `options` is the keyword arguments as a dict, read by the core
    /// (`ScopeSpec::from_json`: its messages). Opens the ledger at most; no network IO.
    #[pyo3(signature = (name, options=None))]
    fn scope(
        slf: &Bound<'_, Self>,
        name: &str,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = slf.py();
        let options: Value = match options {
            Some(o) => pythonize::depythonize(o).map_err(|e| {
                errors::invalid_request(
                    py,
                    format!("scope('{name}')'s options are not JSON values: {e}"),
                )
            })?,
            None => Value::Null,
        };
        let spec = ScopeSpec::from_json(name, &options).map_err(|e| to_py_err(py, &e))?;
        let revoked = Arc::default();
        Self::derive(slf, Step::Scope { spec, revoked })
    }

    /// Revokes this scoped handle (`Foundry::revoke`): its later calls, and those of handles
    /// derived from it, fail with `revoked`. No IO.
    fn revoke(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.client(py)?;
        client.revoke().map_err(|e| to_py_err(py, &e))?;
        if let Some(flag) = self.revocation() {
            flag.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// The scope path this client's calls count for (`Foundry::scope_path`). No IO.
    #[getter]
    fn scope_path(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.client(py)?.scope_path().map(str::to_string))
    }

    /// Each budget's spend in its current period (`Foundry::spend`), as dicts. Reads the
    /// ledger (a file for the sqlite ledger); no network IO.
    fn spend<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        let lines = errors::caught(py, || client.spend().map_err(|e| to_py_err(py, &e)))?;
        convert::to_py(py, &lines)
    }

    /// Each local rate limit as it stands (`Foundry::limits`), as dicts. No IO.
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        let lines = errors::caught(py, || Ok(client.limits()))?;
        convert::to_py(py, &lines)
    }

    /// Stops the `on_event` thread: with `wait`, after delivering every event already queued
    /// (blocks with the GIL released). Events of later calls are not delivered. Calls keep
    /// working. Idempotent; no IO.
    #[pyo3(signature = (wait=true))]
    fn close(&self, py: Python<'_>, wait: bool) -> PyResult<()> {
        let events = {
            let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
            // A forked child that made no call yet still holds the parent's queue, whose
            // thread does not exist here: there is nothing to stop or wait for.
            (current.pid == std::process::id())
                .then(|| current.events.clone())
                .flatten()
        };
        // Joining can fail only on an OS error, which std reports by panicking.
        errors::caught(py, || {
            if let Some(events) = events {
                events.close(py, wait);
            }
            Ok(())
        })
    }

    /// Events dropped because the `on_event` callback fell behind (see `events.rs`). No IO.
    #[getter]
    fn dropped_events(&self) -> u64 {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.events.as_ref().map_or(0, |e| e.dropped())
    }

    /// Where the catalog came from (a file, the environment, code).
    #[getter]
    fn origin(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.client(py)?.catalog().origin.clone())
    }

    /// The catalog's deployments with what the client has learned applied, each as the
    /// core's `Deployment::to_json`. No IO.
    fn deployments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client(py)?;
        let listed: Vec<Value> = errors::caught(py, || {
            Ok(client.deployments().iter().map(|d| d.to_json()).collect())
        })?;
        convert::to_py(py, &listed)
    }

    fn chat(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<PyChatResult> {
        let request: ChatRequest = convert::request(request)?;
        self.blocking(
            py,
            |c| async move { c.chat(request).await.map(PyChatResult) },
        )
    }

    fn chat_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: ChatRequest = convert::request(request)?;
        self.awaitable(
            py,
            |c| async move { c.chat(request).await.map(PyChatResult) },
        )
    }

    fn chat_stream(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<PyChatStream> {
        let request: ChatRequest = convert::request(request)?;
        self.blocking(py, |c| async move {
            c.chat_stream(request).await.map(PyChatStream::new)
        })
    }

    fn chat_stream_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: ChatRequest = convert::request(request)?;
        self.awaitable(py, |c| async move {
            c.chat_stream(request).await.map(PyChatStream::new)
        })
    }

    fn responses(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<PyChatResult> {
        let request: ResponsesRequest = convert::request(request)?;
        self.blocking(py, |c| async move {
            c.responses(request).await.map(PyChatResult)
        })
    }

    fn responses_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: ResponsesRequest = convert::request(request)?;
        self.awaitable(py, |c| async move {
            c.responses(request).await.map(PyChatResult)
        })
    }

    fn responses_stream(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<PyChatStream> {
        let request: ResponsesRequest = convert::request(request)?;
        self.blocking(py, |c| async move {
            c.responses_stream(request).await.map(PyChatStream::new)
        })
    }

    fn responses_stream_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: ResponsesRequest = convert::request(request)?;
        self.awaitable(py, |c| async move {
            c.responses_stream(request).await.map(PyChatStream::new)
        })
    }

    fn embeddings(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<PyEmbeddingsResult> {
        let request: EmbeddingsRequest = convert::request(request)?;
        self.blocking(py, |c| async move {
            c.embeddings(request).await.map(PyEmbeddingsResult)
        })
    }

    fn embeddings_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: EmbeddingsRequest = convert::request(request)?;
        self.awaitable(py, |c| async move {
            c.embeddings(request).await.map(PyEmbeddingsResult)
        })
    }

    /// The model-inference `/info` of a deployment, as the service answers it.
    fn info<'py>(&self, py: Python<'py>, model: String) -> PyResult<Bound<'py, PyAny>> {
        let info = self.blocking(py, |c| async move { c.info(&model).await })?;
        convert::to_py(py, &info)
    }

    fn info_async<'py>(&self, py: Python<'py>, model: String) -> PyResult<Bound<'py, PyAny>> {
        self.awaitable(py, |c| async move { c.info(&model).await.map(Json) })
    }

    /// One outcome per deployment (dicts); never raises for a failing deployment.
    fn smoke<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outcomes = self.blocking(py, |c| async move { Ok(c.smoke().await) })?;
        convert::to_py(py, &outcomes)
    }

    fn smoke_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.awaitable(py, |c| async move { Ok(Json(c.smoke().await)) })
    }

    /// Waits until every settle this client started has reached the spend ledger
    /// (`Foundry::settled`): on a fleet's Redis store settles run as tasks, so a process about
    /// to exit waits here for its books to be complete. Blocks with the GIL released.
    fn settled(&self, py: Python<'_>) -> PyResult<()> {
        self.blocking(py, |c| async move {
            c.settled().await;
            Ok(())
        })
    }

    fn settled_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.awaitable(py, |c| async move {
            c.settled().await;
            Ok(Json(()))
        })
    }
}
