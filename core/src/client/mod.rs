//! `Foundry`, the client: resolves a `model` to deployments, sends through the retry and
//! fallback loop, and hands back normalized results.

pub mod doctor;
mod exchange;
mod handle;
mod http;
pub(crate) use http::shared as shared_http;
mod payload;
mod prepared;
mod route;
mod scope;
mod settings;
mod smoke;
mod stream;

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::auth::AuthRegistry;
pub use crate::auth::TokenProvider;
use crate::config::{Catalog, Deployment};
use crate::events::{call_span, EventCallback, EventSink, ResultEvent};
use crate::telemetry::CallTrace;
use crate::types::{
    Api, ChatRequest, ChatResult, EmbeddingsRequest, EmbeddingsResult, ResponsesRequest,
};
use crate::{normalize, wire, Error, ErrorKind, Result};
use tracing::Instrument;

pub use handle::StreamHandle;
pub use settings::{CallOverrides, CatalogSource, ClientSettings};
pub use smoke::SmokeResult;
pub use stream::ChatStream;
use stream::StreamBounds;

use exchange::Sent;
use payload::Payload;
use prepared::PreparedRequests;
use route::breaker::Breakers;
use route::budget::RetryBucket;
pub use route::lane::LimitLine;
use route::learned::Learned;
use route::pacing::Pacing;
use route::policy::Policies;
pub use route::spend::SpendLine;
use route::spend::Spending;
use scope::Revocation;
pub use scope::ScopeSpec;

/// The client. Cheap to clone and safe to share across threads and tasks: clones share the
/// connection pool, the token cache, what was learned about deployments, the retry budget
/// and the deployments' circuit breakers.
#[derive(Clone, Debug)]
pub struct Foundry {
    inner: Arc<Inner>,
}

/// Everything but the catalog is shared with the clients [`Foundry::with_options`] derives, so
/// a derived client draws on the same pool, tokens, retry budget and breakers.
#[derive(Debug, Clone)]
struct Inner {
    catalog: Catalog,
    http: reqwest::Client,
    auth: Arc<AuthRegistry>,
    learned: Arc<Learned>,
    events: EventSink,
    /// One retry budget for every call and deployment of the client.
    retry_budget: Arc<RetryBucket>,
    /// One circuit breaker per deployment.
    breakers: Arc<Breakers>,
    /// Every call goes here, whatever its `model` says ([`ClientOptions::deployment`]).
    pinned: Option<String>,
    /// Budgets and their ledger, when the catalog has any.
    spending: Option<Arc<Spending>>,
    /// The policies that hold for this client's scope, when the catalog has any.
    policies: Option<Arc<Policies>>,
    /// Where credentials and the embedded ledger's path read the environment.
    env: Env,
    /// Set when this scoped handle (or one it came from) is revoked.
    revocation: Revocation,
    /// The local rate limits: the deployments' (with `governance.rate_limits`) and the scopes'.
    pacing: Pacing,
    /// What every request to a deployment shares, prepared once (`prepared.rs`).
    prepared: Arc<PreparedRequests>,
}

/// Options beyond the catalog.
#[derive(Default, Clone)]
pub struct ClientOptions {
    /// Receives one event per attempt and per call.
    pub on_event: Option<EventCallback>,
    /// Extra PEM CA certificates to trust (a proxy, or the emulator's https port).
    pub ca_pem: Option<String>,
    /// Where credentials read their environment (`AZURE_CLIENT_ID`, `IDENTITY_ENDPOINT`, ...);
    /// the process environment when unset. Lets tests and hosts inject settings safely.
    pub env: Option<EnvLookup>,
    /// Sends every call to this deployment or route, whatever the request's `model` names:
    /// openai's `azure_deployment` / `deployment`, so code ported from the SDK keeps working.
    /// It must exist in the catalog.
    pub deployment: Option<String>,
    /// Entra deployments ask this for their bearer token ([`TokenProvider`]).
    pub token_provider: Option<TokenProvider>,
}

/// Reads one environment variable.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// An [`EnvLookup`] held by the client; its values are never printed.
#[derive(Clone)]
struct Env(EnvLookup);

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Env")
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("on_event", &self.on_event.is_some())
            .field("ca_pem", &self.ca_pem.is_some())
            .field("env", &self.env.is_some())
            .field("deployment", &self.deployment)
            .field("token_provider", &self.token_provider.is_some())
            .finish()
    }
}

/// Installs rustls' ring provider once per process (reqwest is built without a default one).
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Foundry {
    /// A client over `catalog`. Performs no network IO.
    pub fn new(catalog: Catalog, options: ClientOptions) -> Result<Foundry> {
        install_crypto_provider();
        // The process's OpenTelemetry export is set up with its first client (reads OTEL_*).
        crate::telemetry::enabled();
        let http = http::shared(options.ca_pem.as_deref())?;
        let events = match &catalog.governance.scope {
            Some(scope) => EventSink::new(options.on_event)
                .for_scope(scope.clone(), catalog.governance.tags_for(scope)),
            None => EventSink::new(options.on_event),
        };
        if let Some(name) = &options.deployment {
            // Fails now, not at the first call, when the name is not in the catalog.
            catalog.resolve(name).map_err(|e| {
                let message = format!("deployment '{name}': {}", e.message);
                Error::config(message).with_hint(e.hint.clone())
            })?;
        }
        let env = Env(options
            .env
            .clone()
            .unwrap_or_else(|| Arc::new(|name: &str| std::env::var(name).ok())));
        let spending = Spending::open(
            &catalog.governance,
            &catalog.deployments,
            env.0.as_ref(),
            events.clone(),
            &http,
        )?;
        let policies = Policies::for_client(
            &catalog.governance.policies,
            &catalog.governance.client_scopes(),
            events.clone(),
        )
        .map(Arc::new);
        let pacing = Pacing::for_catalog(&catalog.governance, &catalog.deployments);
        Ok(Foundry {
            inner: Arc::new(Inner {
                spending,
                policies,
                env,
                revocation: Revocation::default(),
                pacing,
                retry_budget: Arc::new(RetryBucket::new(catalog.defaults.retry_budget)),
                breakers: Arc::new(Breakers::new(
                    catalog.defaults.circuit_breaker,
                    events.clone(),
                )),
                auth: Arc::new(
                    match options.env {
                        Some(env) => AuthRegistry::with_env(http.clone(), env),
                        None => AuthRegistry::new(http.clone()),
                    }
                    .with_token_fetch(&catalog.defaults.token_fetch)
                    .with_token_provider(options.token_provider),
                ),
                http,
                catalog,
                learned: Arc::default(),
                prepared: Arc::default(),
                pinned: options.deployment,
                events,
            }),
        })
    }

    /// Loads a YAML/JSON catalog (native or LiteLLM format). File IO only.
    pub fn from_config(path: impl AsRef<std::path::Path>) -> Result<Foundry> {
        Foundry::new(Catalog::from_path(path)?, ClientOptions::default())
    }

    /// A client from `FOUNDRY_ENDPOINT`/`FOUNDRY_API_KEY` or the Azure SDK variable names.
    pub fn from_env() -> Result<Foundry> {
        Foundry::new(Catalog::from_env()?, ClientOptions::default())
    }

    /// A client with other call settings over this one's connections, tokens, learned quirks,
    /// retry budget, breakers and event callback (openai's `with_options` / `withOptions`).
    /// The overrides are checked like [`ClientSettings`]' and apply to every call of the
    /// returned client; this client is unchanged.
    pub fn with_options(&self, overrides: CallOverrides) -> Result<Foundry> {
        let mut inner = (*self.inner).clone();
        overrides.apply(&mut inner.catalog, "with_options")?;
        // Its default headers may differ: its requests are prepared anew.
        inner.prepared = Arc::default();
        Ok(Foundry {
            inner: Arc::new(inner),
        })
    }

    /// Each local rate limit as it stands: every limited scope's (declared in the catalog or
    /// given to a handle) and every paced deployment's (empty when nothing is paced). No IO.
    pub fn limits(&self) -> Vec<LimitLine> {
        self.inner.pacing.lines()
    }

    /// Each budget's spend in its current period, from the ledger (empty without budgets).
    /// No network IO.
    pub fn spend(&self) -> Result<Vec<SpendLine>> {
        match &self.inner.spending {
            Some(spending) => spending.report(),
            None => Ok(Vec::new()),
        }
    }

    /// Waits until every settle this client started has reached the ledger. With a networked
    /// ledger (Redis) a settle made where nothing can wait (a stream's end, a dropped call) runs
    /// as a task; a process that is about to exit awaits this so its books are complete.
    pub async fn settled(&self) {
        if let Some(spending) = &self.inner.spending {
            spending.settled().await;
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// The catalog's deployments, with what the client has learned about them applied.
    /// No IO.
    pub fn deployments(&self) -> Vec<Deployment> {
        self.inner
            .catalog
            .deployments
            .iter()
            .map(|d| self.inner.learned.apply(d).into_owned())
            .collect()
    }

    /// A chat completion. `model` may be a deployment or a route alias. A responses-only
    /// deployment is called through the Responses API and its answer translated back.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResult> {
        let span = call_span(Api::Chat, &request.model);
        async {
            let started = Instant::now();
            let payload = Payload::Chat(&request);
            let trace = self.call_trace(Api::Chat, payload, false);
            let sent = self.send(payload, false, &trace).await;
            self.finish_chat(Api::Chat, &request.model, started, sent, trace)
        }
        .instrument(span)
        .await
    }

    /// A streamed chat completion. Dropping the stream aborts the HTTP request.
    pub async fn chat_stream(&self, request: ChatRequest) -> Result<ChatStream> {
        self.open_stream(Api::Chat, Payload::Chat(&request)).await
    }

    /// A Responses-API call, normalized to the same result shape as chat.
    pub async fn responses(&self, request: ResponsesRequest) -> Result<ChatResult> {
        let span = call_span(Api::Responses, &request.model);
        async {
            let started = Instant::now();
            let payload = Payload::Responses(&request);
            let trace = self.call_trace(Api::Responses, payload, false);
            let sent = self.send(payload, false, &trace).await;
            self.finish_chat(Api::Responses, &request.model, started, sent, trace)
        }
        .instrument(span)
        .await
    }

    /// A streamed Responses-API call; chunks have the same type as chat streams.
    pub async fn responses_stream(&self, request: ResponsesRequest) -> Result<ChatStream> {
        self.open_stream(Api::Responses, Payload::Responses(&request))
            .await
    }

    async fn open_stream(&self, op: Api, payload: Payload<'_>) -> Result<ChatStream> {
        let started = Instant::now();
        let trace = self.call_trace(op, payload, true);
        match self.send(payload, true, &trace).await {
            Ok(sent) => {
                let defaults = &self.inner.catalog.defaults;
                let idle = route::seconds(
                    defaults.timeout_secs,
                    "defaults.timeout_secs",
                    ErrorKind::Config,
                )?;
                // The call's deadline bounds the body too, so a stream that trickles events
                // forever still ends; `stream_timeout` is the way to allow a longer answer.
                let (whole, setting) = match payload.stream_timeout() {
                    Some(t) => (
                        route::seconds(t, "stream_timeout", ErrorKind::InvalidRequest)?,
                        "stream_timeout",
                    ),
                    None => (self.call_budget(payload)?, "timeout"),
                };
                let deadline = started.checked_add(whole).ok_or_else(|| {
                    Error::invalid_request(format!(
                        "a stream deadline {:.0}s from now cannot be represented",
                        whole.as_secs_f64()
                    ))
                })?;
                Ok(ChatStream::new(
                    sent,
                    self.inner.events.clone(),
                    trace,
                    started,
                    StreamBounds {
                        idle,
                        deadline: tokio::time::Instant::from_std(deadline),
                        deadline_setting: setting,
                        whole,
                        max_bytes: defaults.limits.max_stream_bytes,
                    },
                ))
            }
            Err(e) => {
                let latency = started.elapsed().as_millis() as u64;
                let model = payload.model();
                self.inner
                    .events
                    .result(trace, || ResultEvent::from_error(op, model, &e, latency));
                Err(e)
            }
        }
    }

    /// Embeddings for one input or a batch.
    pub async fn embeddings(&self, request: EmbeddingsRequest) -> Result<EmbeddingsResult> {
        let span = call_span(Api::Embeddings, &request.model);
        self.embeddings_in_span(request).instrument(span).await
    }

    async fn embeddings_in_span(&self, request: EmbeddingsRequest) -> Result<EmbeddingsResult> {
        let started = Instant::now();
        let payload = Payload::Embeddings(&request);
        let trace = self.call_trace(Api::Embeddings, payload, false);
        let sent = self.send(payload, false, &trace).await;
        let outcome = sent.and_then(|mut sent| {
            let mut r = wire::parse_embeddings(&sent.body)
                .map_err(|e| e.with_deployment(sent.deployment.clone()))?;
            if let Some(hold) = sent.hold.take() {
                hold.settle_usage(&r.usage);
            }
            if let Some(pace) = sent.pace.take() {
                pace.settle(r.usage.total_tokens);
            }
            r.deployment = sent.deployment;
            r.cost_usd = normalize::cost_usd(&r.usage, &sent.pricing);
            r.attempts = sent.tried.len() as u32;
            r.tried = sent.tried;
            r.request_id = sent.request_id;
            Ok(r)
        });
        let latency_ms = started.elapsed().as_millis() as u64;
        let event = || match &outcome {
            Err(e) => ResultEvent::from_error(Api::Embeddings, &request.model, e, latency_ms),
            Ok(r) => ResultEvent {
                operation: Api::Embeddings,
                deployment: r.deployment.clone(),
                model: Some(r.model.clone()),
                attempts: r.attempts,
                fallback: r.tried.iter().any(|a| a.fallback),
                usage: r.usage,
                cost_usd: r.cost_usd,
                finish_reason: None,
                content_filtered: false,
                request_id: r.request_id.clone(),
                latency_ms,
                error: None,
                scope: None,
                tags: Default::default(),
            },
        };
        self.inner.events.result(trace, event);
        outcome
    }

    /// The model-inference endpoint's `/info` for a deployment (its model name, type, provider).
    pub async fn info(&self, model: &str) -> Result<Value> {
        let sent = self
            .send(Payload::Info(model), false, &CallTrace::default())
            .await?;
        serde_json::from_slice(&sent.body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("/info answered non-JSON: {e}"),
            )
            .with_source(&e)
            .with_deployment(sent.deployment)
        })
    }

    /// Normalizes a chat or Responses answer and emits its result event. A thinking model
    /// that spent the whole budget reasoning is an error, but a billed one: its event carries
    /// the usage and cost.
    fn finish_chat(
        &self,
        op: Api,
        model: &str,
        started: Instant,
        sent: Result<Sent>,
        mut trace: CallTrace,
    ) -> Result<ChatResult> {
        let latency = || started.elapsed().as_millis() as u64;
        let r = sent.and_then(|sent| self.normalize(sent));
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                self.inner
                    .events
                    .result(trace, || ResultEvent::from_error(op, model, &e, latency()));
                return Err(e);
            }
        };
        trace.response_id(&r.id);
        if normalize::reasoning_exhausted(&r) {
            let e = reasoning_exhausted_error(&r);
            let error = Some(e.kind().as_str());
            self.inner
                .events
                .result(trace, || ResultEvent::from_result(op, &r, latency(), error));
            return Err(e);
        }
        self.inner
            .events
            .result(trace, || ResultEvent::from_result(op, &r, latency(), None));
        Ok(r)
    }

    /// The telemetry of a call of `payload` (inert unless the process exports).
    fn call_trace(&self, op: Api, payload: Payload<'_>, stream: bool) -> CallTrace {
        let budgeted = self.inner.spending.is_some();
        let shape = || {
            let model = self.inner.pinned.as_deref().unwrap_or(payload.model());
            let target = self.inner.catalog.resolve(model).ok()?;
            target.deployments.first().map(|d| d.shape)
        };
        let (model, headers) = (payload.model(), payload.extra_headers());
        CallTrace::start(op, model, headers, shape, stream, budgeted)
    }

    fn normalize(&self, mut sent: Sent) -> Result<ChatResult> {
        let parsed = match sent.api {
            Api::Responses => wire::parse_responses(&sent.body),
            _ => wire::parse_chat_body(std::mem::take(&mut sent.body)),
        };
        let mut r = parsed.map_err(|e| {
            e.with_deployment(sent.deployment.clone())
                .with_request_id(sent.request_id.clone())
                .with_attempts(sent.tried.clone())
        })?;
        if let Some(hold) = sent.hold.take() {
            hold.settle_usage(&r.usage);
        }
        if let Some(pace) = sent.pace.take() {
            pace.settle(r.usage.total_tokens);
        }
        r.deployment = sent.deployment;
        r.api = Some(sent.api);
        r.cost_usd = normalize::cost_usd(&r.usage, &sent.pricing);
        r.attempts = sent.tried.len() as u32;
        r.tried = sent.tried;
        r.request_id = sent.request_id;
        Ok(r)
    }
}

/// The typed error for a thinking model whose answer is empty because reasoning used every
/// output token (FOUNDRY.md: "200 with content: null").
pub(crate) fn reasoning_exhausted_error(r: &ChatResult) -> Error {
    Error::new(
        ErrorKind::ReasoningExhausted,
        format!(
            "'{}' spent all {} output tokens reasoning and wrote no answer (content is null)",
            r.deployment, r.usage.output_tokens
        ),
    )
    .with_deployment(r.deployment.clone())
    .with_status(200)
    .with_request_id(r.request_id.clone())
    .with_attempts(r.tried.clone())
}
