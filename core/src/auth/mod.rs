//! Credentials: the header each request carries. API keys go out as `api-key` (Azure shapes)
//! or `Authorization: Bearer` (OpenAI shape); Entra ID tokens come from azure_identity
//! credentials (or the default chain), cached per setting and refreshed before expiry by a
//! single fetch for all concurrent callers. No key or token ever goes over plain http except
//! to loopback, and none appears in Debug, Display, logs or errors.

mod app_service;
mod chain;
mod endpoint;

pub(crate) use endpoint::secret_may_travel_to;
mod errors;
mod key;
mod resolve;
mod source;
mod token_cache;

#[cfg(test)]
mod emulator_tests;
#[cfg(test)]
mod fake_az;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use futures_util::FutureExt;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::config::{AuthConfig, Deployment, EntraConfig};
use crate::{Error, Result};

use chain::EntraCredential;
use resolve::EntraSettings;
use source::FetchContext;
use token_cache::TokenCache;

/// Reads one environment variable.
pub(crate) type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds and caches one credential per distinct auth setting; shared by all calls of a client.
pub(crate) struct AuthRegistry {
    http: reqwest::Client,
    env: EnvLookup,
    /// Tests replace the `az` process.
    cli_executor: Option<Arc<dyn azure_identity::Executor>>,
    entra: Mutex<Vec<Arc<EntraEntry>>>,
    /// `secret_may_travel_to` per endpoint: a client calls few endpoints, and parsing the
    /// URL on every call cost about 1.6 µs (tests/bench/RESULTS.md).
    endpoint_checks: RwLock<HashMap<String, bool>>,
}

/// The credential and token cache of one (`entra:` setting, scope) pair.
struct EntraEntry {
    config: EntraConfig,
    scope: String,
    credential: Arc<EntraCredential>,
    ctx: FetchContext,
    tokens: TokenCache,
}

impl std::fmt::Debug for AuthRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entra.lock().map(|e| e.len()).unwrap_or(0);
        f.debug_struct("AuthRegistry")
            .field("entra_credentials", &entries)
            .finish_non_exhaustive()
    }
}

impl AuthRegistry {
    /// A registry whose credentials read the process environment. `http` is the client's
    /// own HTTP client; token requests go through it so TLS and proxy settings are shared.
    pub fn new(http: reqwest::Client) -> Self {
        Self::with_env(http, Arc::new(|name| std::env::var(name).ok()))
    }

    /// A registry whose credentials read their settings (`AZURE_CLIENT_ID`,
    /// `IDENTITY_ENDPOINT`, ...) through `env` instead of the process environment.
    pub fn with_env(http: reqwest::Client, env: EnvLookup) -> Self {
        AuthRegistry {
            http,
            env,
            cli_executor: None,
            entra: Mutex::new(Vec::new()),
            endpoint_checks: RwLock::new(HashMap::new()),
        }
    }

    /// The header to attach to a request for this deployment, or None for `AuthConfig::None`.
    /// Entra tokens are fetched (network IO) only when none is cached or it is due for refresh;
    /// `force_refresh` (after a 401) fetches a new one even if the cached one looks valid.
    pub async fn header(
        &self,
        d: &Deployment,
        force_refresh: bool,
    ) -> Result<Option<(HeaderName, HeaderValue)>> {
        if matches!(d.auth, AuthConfig::None) {
            return Ok(None);
        }
        if !self.secret_may_travel_to(&d.endpoint) {
            return Err(Error::config(format!(
                "refusing to send a credential to '{}': plain http is only allowed to loopback",
                d.endpoint
            ))
            .with_deployment(d.name.clone())
            .with_hint(
                "use the https:// endpoint (plain http is for a local emulator on 127.0.0.1 only)",
            ));
        }
        let header = match &d.auth {
            AuthConfig::None => return Ok(None),
            AuthConfig::ApiKey(key) => key::api_key_header(d.shape, key),
            AuthConfig::Entra(config) => self.entra_header(d, config, force_refresh).await,
        };
        header
            .map(Some)
            .map_err(|e| e.with_deployment(d.name.clone()))
    }

    fn secret_may_travel_to(&self, url: &str) -> bool {
        let known = self
            .endpoint_checks
            .read()
            .ok()
            .and_then(|m| m.get(url).copied());
        if let Some(allowed) = known {
            return allowed;
        }
        let allowed = endpoint::secret_may_travel_to(url);
        if let Ok(mut m) = self.endpoint_checks.write() {
            m.insert(url.to_string(), allowed);
        }
        allowed
    }

    async fn entra_header(
        &self,
        d: &Deployment,
        config: &EntraConfig,
        force_refresh: bool,
    ) -> Result<(HeaderName, HeaderValue)> {
        let scope = match config.scope.as_deref().map(str::trim) {
            Some(scope) if !scope.is_empty() => scope.to_string(),
            _ => endpoint::default_scope(&d.endpoint).to_string(),
        };
        let entry = self.entry(config, scope)?;
        let fetching = Arc::clone(&entry);
        let value = entry
            .tokens
            .bearer(force_refresh, move || {
                async move {
                    fetching
                        .credential
                        .fetch(&fetching.ctx, &fetching.scope)
                        .await
                }
                .boxed()
            })
            .await?;
        Ok((AUTHORIZATION, value))
    }

    /// The entry for this setting and scope, built on first use (no network IO).
    fn entry(&self, config: &EntraConfig, scope: String) -> Result<Arc<EntraEntry>> {
        let mut entries = self
            .entra
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = entries
            .iter()
            .find(|e| e.scope == scope && &e.config == config)
        {
            return Ok(Arc::clone(entry));
        }
        let settings = EntraSettings::new(config, &self.env);
        let entry = Arc::new(EntraEntry {
            credential: Arc::new(EntraCredential::resolve(config.credential, &settings)?),
            ctx: FetchContext {
                http: self.credential_http(config)?,
                cli_executor: self.cli_executor.clone(),
            },
            config: config.clone(),
            scope,
            tokens: TokenCache::default(),
        });
        entries.push(Arc::clone(&entry));
        Ok(entry)
    }

    /// The client's HTTP client, or one that also trusts `entra.ca_file` (a proxy's CA, or a
    /// local token endpoint's test certificate).
    fn credential_http(&self, config: &EntraConfig) -> Result<reqwest::Client> {
        let Some(path) = config.ca_file.as_deref() else {
            return Ok(self.http.clone());
        };
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("entra.ca_file '{path}' cannot be read: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::config(format!(
                "entra.ca_file '{path}' is not a PEM certificate bundle: {e}"
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::config(format!(
                "entra.ca_file '{path}' holds no certificate"
            )));
        }
        reqwest::Client::builder()
            .tls_certs_merge(certs)
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| {
                Error::config(format!(
                    "cannot build the HTTP client for entra.ca_file '{path}': {e}"
                ))
            })
    }

    #[cfg(test)]
    fn with_cli_executor(mut self, executor: Arc<dyn azure_identity::Executor>) -> Self {
        self.cli_executor = Some(executor);
        self
    }
}
