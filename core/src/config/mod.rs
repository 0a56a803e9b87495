//! The catalog: deployments, routes and defaults, from YAML/JSON files, from code, or from
//! the environment. Everything is resolved and validated at load time, so a bad catalog is
//! refused with an error naming the file, the key and the fix before any call is made.

mod builder;
mod describe;
pub use describe::DeploymentListing;
pub(crate) mod endpoint;
mod env;
mod governance;
mod key_vault;
mod keys;
mod litellm;
mod load;
mod scopes;
mod secret;
mod store;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use builder::CatalogBuilder;
pub(crate) use governance::{check_scope_name, handle_budget};
pub use governance::{Governance, LedgerStore, Policy, ScopeBudget, DEFAULT_OUTPUT_BOUND};
pub use key_vault::{
    KeyVaultConfig, DEFAULT_REFRESH_SECS, MAX_REFRESH_SECS, MIN_REFRESH_SECS, REFERENCE_SCHEME,
};
pub use keys::catalog_keys;
pub(crate) use load::validate_defaults;
pub use load::{check_seconds, MAX_RETRIES, MAX_SECONDS};
pub use scopes::DeclaredScope;
pub use secret::Secret;
pub use store::{RedisStore, RedisUrl, Unreachable, DEFAULT_LEASE_SECS};

/// How a deployment's endpoint is addressed (FOUNDRY.md, "Endpoint shapes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Shape {
    /// `{endpoint}openai/deployments/{deployment}/chat/completions?api-version=...`
    #[default]
    Azure,
    /// `{endpoint}openai/v1/chat/completions`, model in the body.
    V1,
    /// Azure AI Model Inference: `{endpoint}models/chat/completions?api-version=...`.
    Inference,
    /// The public OpenAI API or any OpenAI-compatible server: `{endpoint}v1/chat/completions`.
    Openai,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Azure => "azure",
            Shape::V1 => "v1",
            Shape::Inference => "inference",
            Shape::Openai => "openai",
        }
    }
}

/// Which parameter carries the output-token limit on the chat API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TokensParam {
    #[default]
    MaxTokens,
    /// The gpt-5 family rejects `max_tokens` with 400 `unsupported_parameter`.
    MaxCompletionTokens,
}

/// The model-inference endpoint's `extra-parameters` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExtraParameters {
    Error,
    PassThrough,
    Drop,
}

impl ExtraParameters {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtraParameters::Error => "error",
            ExtraParameters::PassThrough => "pass-through",
            ExtraParameters::Drop => "drop",
        }
    }
}

/// Which Entra ID credential to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CredentialKind {
    /// The chain users know from the other Azure SDKs: environment service principal,
    /// workload identity, managed identity, Azure CLI.
    #[default]
    Default,
    ClientSecret,
    WorkloadIdentity,
    ManagedIdentity,
    AzureCli,
}

/// Entra ID (Azure AD) settings. Unset fields come from the usual environment variables
/// (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_FEDERATED_TOKEN_FILE`,
/// `AZURE_AUTHORITY_HOST`, `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntraConfig {
    #[serde(default)]
    pub credential: CredentialKind,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// Resolved from `client_secret_env` or `AZURE_CLIENT_SECRET`.
    #[serde(skip)]
    pub client_secret: Option<Secret>,
    pub client_secret_env: Option<String>,
    pub federated_token_file: Option<String>,
    /// Must be https (the azure_identity crate refuses anything else).
    pub authority_host: Option<String>,
    /// Token scope; by default chosen from the endpoint's host.
    pub scope: Option<String>,
    /// Extra PEM file of CA certificates to trust for the token endpoints (tests, proxies).
    pub ca_file: Option<String>,
}

/// How requests to a deployment authenticate.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AuthConfig {
    /// `api-key` header (Azure) or `Authorization: Bearer` (OpenAI shape).
    ApiKey(Secret),
    /// Entra ID bearer tokens.
    Entra(EntraConfig),
    /// An API key read from Azure Key Vault at run time, cached, and read again on an
    /// interval and when the service refuses it.
    KeyVault(KeyVaultConfig),
    /// No credential (a local OpenAI-compatible server).
    #[default]
    None,
}

/// Prices in USD per 1M tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Pricing {
    #[serde(default)]
    pub input: f64,
    /// Cached input; defaults to the input price when unset.
    pub cached_input: Option<f64>,
    #[serde(default)]
    pub output: f64,
}

/// Retry policy. Backoff is exponential with full jitter, capped per wait.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Retries after the first attempt, per deployment.
    pub max_retries: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// A server hint longer than this ends the call with a rate-limit error carrying it.
    pub max_server_wait_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay_ms: 250,
            max_delay_ms: 8_000,
            max_server_wait_ms: 30_000,
        }
    }
}

/// One deployment of the catalog, fully resolved. `Debug` redacts header values: a configured
/// header may carry a secret (an APIM subscription key, a bearer token).
#[derive(Clone, PartialEq)]
pub struct Deployment {
    /// What callers pass as `model`.
    pub name: String,
    /// The deployment name on the service (usually equal to `name`).
    pub deployment: String,
    /// The underlying model, for display.
    pub model: Option<String>,
    /// Base URL with a trailing slash.
    pub endpoint: String,
    pub shape: Shape,
    /// api-version for the chat, embeddings and inference paths.
    pub api_version: String,
    /// api-version for `{endpoint}openai/responses` (the Responses API needs a newer one).
    pub responses_api_version: String,
    pub auth: AuthConfig,
    pub thinking: bool,
    pub responses_only: bool,
    pub max_tokens_param: TokensParam,
    /// Thinking deployments: a `max_tokens` below this is raised to it.
    pub min_max_tokens: Option<u64>,
    pub extra_parameters: Option<ExtraParameters>,
    pub pricing: Pricing,
    pub tpm: Option<u64>,
    pub rpm: Option<u64>,
    pub tags: BTreeMap<String, String>,
    /// Headers sent with every request to this deployment.
    pub headers: BTreeMap<String, String>,
    /// Retry once a request that was sent but never answered (a timeout or a connection lost
    /// after sending). Off by default: the service may have processed, and billed, the first.
    pub retry_after_send: bool,
}

impl std::fmt::Debug for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field("name", &self.name)
            .field("deployment", &self.deployment)
            .field("model", &self.model)
            .field("endpoint", &self.endpoint)
            .field("shape", &self.shape)
            .field("api_version", &self.api_version)
            .field("responses_api_version", &self.responses_api_version)
            .field("auth", &self.auth)
            .field("thinking", &self.thinking)
            .field("responses_only", &self.responses_only)
            .field("max_tokens_param", &self.max_tokens_param)
            .field("min_max_tokens", &self.min_max_tokens)
            .field("extra_parameters", &self.extra_parameters)
            .field("pricing", &self.pricing)
            .field("tpm", &self.tpm)
            .field("rpm", &self.rpm)
            .field("tags", &self.tags)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("retry_after_send", &self.retry_after_send)
            .finish()
    }
}

/// Header names with their values hidden, for `Debug`.
pub(crate) struct RedactedHeaders<'a, V>(pub &'a BTreeMap<String, V>);

impl<V> std::fmt::Debug for RedactedHeaders<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

/// How much of an answer the client reads, so a hostile or broken server cannot fill memory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// A success body larger than this fails the call with `invalid_response`.
    pub max_body_bytes: u64,
    /// Only this much of an error body is read (enough for any service error); the rest is
    /// discarded with the connection.
    pub max_error_body_bytes: u64,
    /// The most a stream may deliver in total before the call fails with `invalid_response`.
    pub max_stream_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 32 << 20,
            max_error_body_bytes: 64 << 10,
            max_stream_bytes: 64 << 20,
        }
    }
}

/// How Entra tokens are fetched, so that a slow or failing identity endpoint costs a call no
/// more than its deadline and a storm of callers cannot hammer it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenFetch {
    /// The longest one token fetch may take, whoever waits for it; a call waits at most the
    /// time it has left.
    pub timeout_secs: f64,
    /// A failed fetch is remembered this long: callers arriving meanwhile get its error at
    /// once instead of each asking the identity endpoint again. 0 turns the memory off.
    pub failure_memory_ms: u64,
    /// The longest Retry-After from a token endpoint the client honours: a longer one is cut
    /// to this, so a hostile or confused endpoint cannot lock the client out for hours.
    pub max_retry_after_secs: f64,
}

impl Default for TokenFetch {
    fn default() -> Self {
        TokenFetch {
            timeout_secs: 30.0,
            failure_memory_ms: 2_000,
            max_retry_after_secs: 30.0,
        }
    }
}

/// A client-wide allowance for retries, as a token bucket (the AWS SDKs' "standard" retry
/// mode): each retry spends from it, each success puts a little back, and when it cannot pay
/// the call fails at once with its last error. Per-call `max_retries` bounds one call; this
/// bounds what a storm of failing calls can add to the bill together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryBudget {
    /// `false` turns the budget off (only `max_retries` then limits retries).
    pub enabled: bool,
    /// Tokens in a full bucket; the bucket starts full.
    pub capacity: u32,
    /// Spent by a retry after an answered failure (429, 5xx).
    pub retry_cost: u32,
    /// Spent by a retry after a timeout or a connection failure: those hint at an overloaded
    /// service or network, so they drain the bucket faster.
    pub timeout_cost: u32,
    /// Put back by every successful attempt, up to `capacity`.
    pub refill: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            enabled: true,
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            refill: 1,
        }
    }
}

/// A per-deployment circuit breaker: after `failure_threshold` failed attempts in a row (5xx,
/// 408/429, timeouts, connection failures; never a client error) the deployment is not called
/// for `cooldown_ms` (or the failure's retry hint when longer, at most an hour). Routes skip
/// it meanwhile; then one probe call is let through, and its outcome closes the breaker or
/// opens it for another cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CircuitBreaker {
    /// `false` turns the breaker off.
    pub enabled: bool,
    pub failure_threshold: u32,
    pub cooldown_ms: u64,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        CircuitBreaker {
            enabled: true,
            failure_threshold: 5,
            cooldown_ms: 30_000,
        }
    }
}

/// What a route does when a deployment fails for good.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    /// Tried in order.
    pub deployments: Vec<String>,
    /// Also move to the next deployment when the content filter refuses.
    pub fallback_on_content_filter: bool,
}

/// Catalog-wide settings. `Debug` redacts header values.
#[derive(Clone, PartialEq)]
pub struct Defaults {
    /// Per-attempt timeout.
    pub timeout_secs: f64,
    /// Overall deadline for one call, retries and fallbacks included.
    pub deadline_secs: f64,
    pub retry: RetryPolicy,
    /// Headers sent with every request.
    pub headers: BTreeMap<String, String>,
    pub limits: Limits,
    pub token_fetch: TokenFetch,
    /// Shared by every call of a client.
    pub retry_budget: RetryBudget,
    /// One breaker per deployment, held by the client.
    pub circuit_breaker: CircuitBreaker,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            timeout_secs: 60.0,
            deadline_secs: 300.0,
            retry: RetryPolicy::default(),
            headers: BTreeMap::new(),
            limits: Limits::default(),
            token_fetch: TokenFetch::default(),
            retry_budget: RetryBudget::default(),
            circuit_breaker: CircuitBreaker::default(),
        }
    }
}

impl std::fmt::Debug for Defaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Defaults")
            .field("timeout_secs", &self.timeout_secs)
            .field("deadline_secs", &self.deadline_secs)
            .field("retry", &self.retry)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("limits", &self.limits)
            .field("token_fetch", &self.token_fetch)
            .field("retry_budget", &self.retry_budget)
            .field("circuit_breaker", &self.circuit_breaker)
            .finish()
    }
}

/// The resolved catalog a client runs on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    pub deployments: Vec<Deployment>,
    pub routes: Vec<Route>,
    pub defaults: Defaults,
    /// Budgets, the client's scope and the spend ledger.
    pub governance: Governance,
    /// A deployment used as the template for names the catalog does not list
    /// (catalogs built from the environment accept any deployment name).
    pub template: Option<Deployment>,
    /// Where the catalog came from, for error messages.
    pub origin: String,
}

impl Catalog {
    /// Loads a YAML or JSON catalog (the native format or LiteLLM's `model_list`).
    /// Performs file IO and reads environment variables; no network.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> crate::Result<Catalog> {
        load::from_path(path.as_ref(), &|name| std::env::var(name).ok())
    }

    /// Like [`Catalog::from_path`] with an explicit variable lookup for `${NAME}` references.
    pub fn from_path_with_env(
        path: impl AsRef<std::path::Path>,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> crate::Result<Catalog> {
        load::from_path(path.as_ref(), lookup)
    }

    /// Parses a YAML or JSON catalog from text; `origin` names it in errors.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, origin: &str) -> crate::Result<Catalog> {
        load::from_text(text, origin, &|name| std::env::var(name).ok())
    }

    /// Like [`Catalog::from_str`] with an explicit variable lookup for `${NAME}` references.
    pub fn from_str_with_env(
        text: &str,
        origin: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> crate::Result<Catalog> {
        load::from_text(text, origin, lookup)
    }

    /// Builds a catalog from a JSON value in the file format (what bindings pass from code).
    pub fn from_value(value: serde_json::Value, origin: &str) -> crate::Result<Catalog> {
        load::from_json_value(value, origin, &|name| std::env::var(name).ok())
    }

    /// Like [`Catalog::from_value`] with an explicit variable lookup for `${NAME}` references.
    pub fn from_value_with_env(
        value: serde_json::Value,
        origin: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> crate::Result<Catalog> {
        load::from_json_value(value, origin, lookup)
    }

    /// Builds a catalog from `FOUNDRY_ENDPOINT`/`FOUNDRY_API_KEY` or the Azure SDK names
    /// `AZURE_OPENAI_ENDPOINT`/`AZURE_OPENAI_API_KEY`/`OPENAI_API_VERSION`; any deployment
    /// name is accepted. Without a key, Entra ID (the default credential chain) is used.
    pub fn from_env() -> crate::Result<Catalog> {
        env::from_env(&|name| std::env::var(name).ok())
    }

    /// Like [`Catalog::from_env`] with an explicit variable lookup (tests, embedding hosts).
    pub fn from_env_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> crate::Result<Catalog> {
        env::from_env(lookup)
    }

    /// The deployment named `name` (exact, case- and dot-sensitive).
    pub fn deployment(&self, name: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.name == name)
    }

    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }

    /// The deployments a call to `model` may use, in order, or an error listing what exists.
    /// Listed deployments are borrowed from the catalog; only a templated name is built anew.
    pub fn resolve(&self, model: &str) -> crate::Result<ResolvedTarget<'_>> {
        if let Some(route) = self.route(model) {
            let deployments = route
                .deployments
                .iter()
                .filter_map(|name| self.deployment(name).map(Cow::Borrowed))
                .collect();
            return Ok(ResolvedTarget {
                deployments,
                fallback_on_content_filter: route.fallback_on_content_filter,
            });
        }
        if let Some(d) = self.deployment(model) {
            return Ok(ResolvedTarget {
                deployments: vec![Cow::Borrowed(d)],
                fallback_on_content_filter: false,
            });
        }
        if model.trim().is_empty() {
            return Err(crate::Error::invalid_request(
                "`model` is empty: pass a deployment name or a route alias",
            ));
        }
        if let Some(template) = &self.template {
            let mut d = template.clone();
            d.name = model.to_string();
            d.deployment = model.to_string();
            return Ok(ResolvedTarget {
                deployments: vec![Cow::Owned(d)],
                fallback_on_content_filter: false,
            });
        }
        let mut known: Vec<&str> = self.deployments.iter().map(|d| d.name.as_str()).collect();
        known.extend(self.routes.iter().map(|r| r.name.as_str()));
        let near = known.iter().find(|k| {
            k.eq_ignore_ascii_case(model) || k.replace('.', "-") == model.replace('.', "-")
        });
        let hint = match near {
            Some(n) => format!("did you mean '{n}'? Names are case- and dot-sensitive"),
            None => format!("known deployments and routes: {}", known.join(", ")),
        };
        Err(crate::Error::new(
            crate::ErrorKind::NotFound,
            format!("unknown deployment or route '{model}' in {}", self.origin),
        )
        .with_hint(hint))
    }
}

/// What a `model` name resolved to.
#[derive(Debug, Clone)]
pub struct ResolvedTarget<'a> {
    pub deployments: Vec<Cow<'a, Deployment>>,
    pub fallback_on_content_filter: bool,
}
