//! `Client`: the core `Foundry` behind the Python `Foundry` and `AsyncFoundry`. Each method
//! converts its arguments, calls the core (blocking with the GIL released, or as an asyncio
//! awaitable) and maps the outcome.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use foundry_client::config::Catalog;
use foundry_client::{
    ChatRequest, ClientOptions, EmbeddingsRequest, EnvLookup, Foundry, ResponsesRequest,
};
use pyo3::prelude::*;
use pyo3::types::PyString;
use serde_json::Value;

use crate::convert::{self, Json, Outcome};
use crate::errors::{self, to_py_err};
use crate::events::EventQueue;
use crate::numbers;
use crate::results::{PyChatResult, PyDeployment, PyEmbeddingsResult};
use crate::runtime;
use crate::stream::PyChatStream;

/// The core client of the current process: a forked child gets a fresh one (the parent's
/// connection pool belongs to the parent's runtime threads).
struct PerProcess {
    pid: u32,
    client: Foundry,
    /// The `on_event` thread of this process (a forked child has none of the parent's threads).
    events: Option<Arc<EventQueue>>,
}

/// A client over one catalog. Safe to share across threads and asyncio tasks.
#[pyclass(frozen, module = "foundry_client._native", name = "Client")]
pub struct PyClient {
    current: Mutex<PerProcess>,
    catalog: Catalog,
    /// Without `on_event`: each process's callback comes from its own `EventQueue`.
    options: ClientOptions,
    on_event: Option<Py<PyAny>>,
}

/// The core client and its event queue for this process.
fn per_process(
    py: Python<'_>,
    catalog: &Catalog,
    options: &ClientOptions,
    on_event: Option<&Py<PyAny>>,
) -> PyResult<PerProcess> {
    let events = on_event
        .map(|callback| EventQueue::start(callback.clone_ref(py)))
        .transpose()?;
    let options = ClientOptions {
        on_event: events.as_ref().map(EventQueue::callback),
        ..options.clone()
    };
    let client = errors::caught(py, || {
        Foundry::new(catalog.clone(), options).map_err(|e| to_py_err(py, &e))
    })?;
    Ok(PerProcess {
        pid: std::process::id(),
        client,
        events,
    })
}

impl PyClient {
    fn client(&self, py: Python<'_>) -> PyResult<Foundry> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if current.pid != pid {
            if let Some(parents) = current.events.take() {
                parents.abandon_after_fork();
            }
            *current = per_process(py, &self.catalog, &self.options, self.on_event.as_ref())?;
        }
        Ok(current.client.clone())
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

/// Where the catalog and the credentials read variables: `env` when given, else the process.
fn env_lookup(env: Option<HashMap<String, String>>) -> Option<EnvLookup> {
    env.map(|vars| {
        let vars = Arc::new(vars);
        Arc::new(move |name: &str| vars.get(name).cloned()) as EnvLookup
    })
}

fn lookup_var(env: &Option<EnvLookup>, name: &str) -> Option<String> {
    match env {
        Some(lookup) => lookup(name),
        None => std::env::var(name).ok(),
    }
}

/// The catalog from a file path, a dict in the file format, or the environment with the
/// explicit `endpoint` / `api_key` / `api_version` taking precedence. File IO only.
fn load_catalog(
    config: Option<&Bound<'_, PyAny>>,
    overrides: BTreeMap<&'static str, String>,
    env: &Option<EnvLookup>,
) -> PyResult<foundry_client::Result<Catalog>> {
    let lookup = |name: &str| lookup_var(env, name);
    let Some(config) = config.filter(|c| !c.is_none()) else {
        let overlay = |name: &str| overrides.get(name).cloned().or_else(|| lookup(name));
        return Ok(Catalog::from_env_lookup(&overlay));
    };
    if !overrides.is_empty() {
        return Ok(Err(foundry_client::Error::config(
            "pass either `config` or `endpoint`/`api_key`/`api_version`, not both",
        )
        .with_hint(
            "put the endpoint and key in the catalog (or ${NAME} references to them)",
        )));
    }
    if let Ok(path) = config.cast::<PyString>() {
        let path = path.to_cow()?;
        return Ok(Catalog::from_path_with_env(path.as_ref(), &lookup));
    }
    let value: Value = convert::request(config)?;
    Ok(Catalog::from_value_with_env(
        value,
        "Foundry(config=...)",
        &lookup,
    ))
}

#[pymethods]
impl PyClient {
    /// Builds a client. `config` is a catalog file path or a dict in the file format; without
    /// it the catalog comes from the environment (`FOUNDRY_ENDPOINT`, `FOUNDRY_API_KEY`, or the
    /// Azure SDK names), overridden by `endpoint`, `api_key` and `api_version`. Reads the file
    /// and the environment; no network IO.
    #[new]
    #[pyo3(signature = (*, config=None, endpoint=None, api_key=None, api_version=None,
        default_headers=None, timeout=None, max_retries=None, on_event=None, ca_pem=None, env=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        endpoint: Option<String>,
        api_key: Option<String>,
        api_version: Option<String>,
        default_headers: Option<BTreeMap<String, String>>,
        timeout: Option<&Bound<'_, PyAny>>,
        max_retries: Option<&Bound<'_, PyAny>>,
        on_event: Option<Py<PyAny>>,
        ca_pem: Option<String>,
        env: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        crate::logging::refresh_levels();
        // Checked first: a bad number is the caller's mistake whatever the catalog says.
        let timeout = timeout
            .filter(|t| !t.is_none())
            .map(|t| numbers::seconds(t, "timeout"))
            .transpose()?;
        let max_retries = max_retries
            .filter(|n| !n.is_none())
            .map(|n| numbers::max_retries(n, "max_retries"))
            .transpose()?;
        let env = env_lookup(env);
        let overrides: BTreeMap<&'static str, String> = [
            ("FOUNDRY_ENDPOINT", endpoint),
            ("FOUNDRY_API_KEY", api_key),
            ("OPENAI_API_VERSION", api_version),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
        let mut catalog = load_catalog(config, overrides, &env)?.map_err(|e| to_py_err(py, &e))?;
        if let Some(headers) = default_headers {
            catalog.defaults.headers.extend(headers);
        }
        if let Some(timeout) = timeout {
            catalog.defaults.deadline_secs = timeout;
        }
        if let Some(max_retries) = max_retries {
            catalog.defaults.retry.max_retries = max_retries;
        }
        let options = ClientOptions {
            on_event: None,
            ca_pem,
            env,
            deployment: None,
            token_provider: None,
        };
        let current = per_process(py, &catalog, &options, on_event.as_ref())?;
        Ok(PyClient {
            current: Mutex::new(current),
            catalog,
            options,
            on_event,
        })
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
    fn origin(&self) -> &str {
        &self.catalog.origin
    }

    /// The catalog's deployments with what the client has learned applied. No IO.
    fn deployments(&self, py: Python<'_>) -> PyResult<Vec<PyDeployment>> {
        let client = self.client(py)?;
        errors::caught(py, || {
            Ok(client.deployments().into_iter().map(PyDeployment).collect())
        })
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
}
