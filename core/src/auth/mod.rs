//! Credentials: the header each request carries. API keys go out as `api-key` (Azure shapes)
//! or `Authorization: Bearer` (OpenAI shape); Entra ID tokens come from azure_identity
//! credentials (or the default chain), cached per setting and refreshed before expiry by a
//! single fetch for all concurrent callers. That fetch has its own timeout, a caller waits for
//! it no longer than its attempt has left, and a failure is remembered briefly so a storm of
//! callers does not hammer the identity endpoint (`defaults.token_fetch`). An API key may
//! live in Azure Key Vault (`key_vault.rs`): read with the setting's Entra credential, cached
//! the same way, read again on an interval and after the service refused it. No key or token
//! ever goes over plain http except to loopback, and none appears in Debug, Display, logs or
//! errors.

mod app_service;
mod chain;
mod errors;
mod key;
mod key_vault;
mod resolve;
mod source;
mod token_cache;

#[cfg(test)]
mod emulator_tests;
#[cfg(test)]
mod fake_az;
#[cfg(test)]
mod key_vault_tests;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use futures_util::FutureExt;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::config::endpoint;
use crate::config::{AuthConfig, Deployment, EntraConfig, KeyVaultConfig, TokenFetch};
use crate::{Error, Result};

use chain::EntraCredential;
use key_vault::VaultEntry;
use resolve::EntraSettings;
use source::FetchContext;
pub(crate) use token_cache::{BearerRequest, TokenGeneration};
use token_cache::{FetchPolicy, TokenCache};

/// The scope of the tokens that read Key Vault secrets.
pub(crate) const VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// Reads one environment variable.
pub(crate) type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The caller's own source of Entra bearer tokens (openai's `azure_ad_token_provider`): asked
/// before every attempt of a deployment whose auth is `entra`, in place of the credential that
/// setting names. The caller caches; a failure is a `credential` error carrying its cause.
pub type TokenProvider =
    Arc<dyn Fn() -> futures_util::future::BoxFuture<'static, Result<String>> + Send + Sync>;

/// Builds and caches one credential per distinct auth setting; shared by all calls of a client.
pub(crate) struct AuthRegistry {
    http: reqwest::Client,
    env: EnvLookup,
    /// Tests replace the `az` process.
    cli_executor: Option<Arc<dyn azure_identity::Executor>>,
    entra: Mutex<Vec<Arc<EntraEntry>>>,
    /// One reader and cached key per `key_vault` setting.
    vaults: Mutex<Vec<Arc<VaultEntry>>>,
    /// `defaults.token_fetch`, for every token cache this registry builds.
    fetch_policy: FetchPolicy,
    /// `secret_may_travel_to` per endpoint: a client calls few endpoints, and parsing the
    /// URL on every call cost about 1.6 µs (tests/bench/RESULTS.md).
    endpoint_checks: RwLock<HashMap<String, bool>>,
    token_provider: Option<TokenProvider>,
}

/// The header one attempt carries, and which Entra token it is (None for an API key).
#[derive(Clone)]
pub(crate) struct AuthHeader {
    pub name: HeaderName,
    pub value: HeaderValue,
    pub token: Option<TokenGeneration>,
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
        let vaults = self.vaults.lock().map(|e| e.len()).unwrap_or(0);
        f.debug_struct("AuthRegistry")
            .field("entra_credentials", &entries)
            .field("vault_keys", &vaults)
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
            vaults: Mutex::new(Vec::new()),
            fetch_policy: FetchPolicy::default(),
            endpoint_checks: RwLock::new(HashMap::new()),
            token_provider: None,
        }
    }

    /// Entra deployments take their tokens from `provider` instead of their credential.
    pub fn with_token_provider(mut self, provider: Option<TokenProvider>) -> Self {
        self.token_provider = provider;
        self
    }

    /// Token fetches follow `settings` (`defaults.token_fetch`) instead of the defaults.
    pub fn with_token_fetch(mut self, settings: &TokenFetch) -> Self {
        self.fetch_policy = FetchPolicy::from_config(settings);
        self
    }

    /// The header to attach to one attempt for this deployment, or None for
    /// `AuthConfig::None`. Entra tokens are fetched (network IO) only when none is cached, it is
    /// due for refresh, or it is the token `request.refused` names (after a 401) and no newer
    /// one is cached; the wait for a fetch ends at `request.wait_until`.
    pub(crate) async fn header_for(
        &self,
        d: &Deployment,
        request: BearerRequest,
    ) -> Result<Option<AuthHeader>> {
        if matches!(d.auth, AuthConfig::None) {
            return Ok(None);
        }
        if !self.secret_may_travel_to(&d.endpoint) {
            return Err(refused_plain_http(d));
        }
        let header = match &d.auth {
            AuthConfig::None => return Ok(None),
            AuthConfig::ApiKey(key) => key_header(d, key),
            AuthConfig::Entra(config) => match &self.token_provider {
                Some(provider) => provided_header(provider, request).await,
                None => self.entra_header(d, config, request).await,
            },
            AuthConfig::KeyVault(config) => self.vault_header(d, config, request).await,
        };
        header
            .map(Some)
            .map_err(|e| e.with_deployment(d.name.clone()))
    }

    /// The header of a deployment with `auth: api_key`, the same for every call (the key is the
    /// catalog's), with the check [`AuthRegistry::header_for`] makes; None for other credentials.
    pub(crate) fn api_key_header(&self, d: &Deployment) -> Option<Result<AuthHeader>> {
        let AuthConfig::ApiKey(key) = &d.auth else {
            return None;
        };
        if !self.secret_may_travel_to(&d.endpoint) {
            return Some(Err(refused_plain_http(d)));
        }
        Some(key_header(d, key).map_err(|e| e.with_deployment(d.name.clone())))
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
        request: BearerRequest,
    ) -> Result<AuthHeader> {
        let scope = match config.scope.as_deref().map(str::trim) {
            Some(scope) if !scope.is_empty() => scope.to_string(),
            _ => endpoint::default_scope(&d.endpoint).to_string(),
        };
        let entry = self.entry(config, scope)?;
        let fetching = Arc::clone(&entry);
        let bearer = entry
            .tokens
            .bearer(request, move || {
                async move {
                    fetching
                        .credential
                        .fetch(&fetching.ctx, &fetching.scope)
                        .await
                }
                .boxed()
            })
            .await?;
        Ok(AuthHeader {
            name: AUTHORIZATION,
            value: bearer.header,
            token: Some(bearer.generation),
        })
    }

    /// The API key read from Key Vault, in the header the deployment's shape uses; `token`
    /// names which read of the secret it is (for [`AuthRegistry::reread_refused_key`]).
    async fn vault_header(
        &self,
        d: &Deployment,
        config: &KeyVaultConfig,
        request: BearerRequest,
    ) -> Result<AuthHeader> {
        let key = self.vault_key(config, request).await?;
        // The error carries no text of the value, so nothing of the key leaks.
        let text = key.header.to_str().map_err(|_| {
            Error::new(
                crate::ErrorKind::Credential,
                format!(
                    "the Key Vault secret '{}' holds characters an HTTP header cannot carry (non-ASCII)",
                    config.secret
                ),
            )
            .with_hint("store the API key alone in the secret, as the portal shows it")
        })?;
        let (name, value) = key::api_key_header(d.shape, &crate::config::Secret::new(text))?;
        Ok(AuthHeader {
            name,
            value,
            token: Some(key.generation),
        })
    }

    /// After the service answered 401 to the key read from Key Vault as `refused`, in an
    /// attempt that started at `sent_at`: reads the secret again, unless a read that ended
    /// after `sent_at` already did (so a burst of refused calls causes one read), and tells
    /// whether the key changed. Network IO (the vault) at most once per burst.
    pub(crate) async fn reread_refused_key(
        &self,
        d: &Deployment,
        refused: TokenGeneration,
        sent_at: Instant,
        wait_until: Option<Instant>,
    ) -> Result<bool> {
        let AuthConfig::KeyVault(config) = &d.auth else {
            return Ok(false);
        };
        let request = BearerRequest {
            refused: Some(refused),
            wait_until,
            refused_sent_at: Some(sent_at),
        };
        let key = self
            .vault_key(config, request)
            .await
            .map_err(|e| e.with_deployment(d.name.clone()))?;
        Ok(key.generation != refused)
    }

    async fn vault_key(
        &self,
        config: &KeyVaultConfig,
        request: BearerRequest,
    ) -> Result<token_cache::Bearer> {
        let entry = self.vault_entry(config)?;
        let reading = Arc::clone(&entry);
        entry
            .keys
            .bearer(request, move || async move { reading.read().await }.boxed())
            .await
    }

    /// The reader of this `key_vault` setting, built on first use (no network IO).
    fn vault_entry(&self, config: &KeyVaultConfig) -> Result<Arc<VaultEntry>> {
        let mut entries = self
            .vaults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = entries.iter().find(|e| &e.config == config) {
            return Ok(Arc::clone(entry));
        }
        let settings = EntraSettings::new(&config.entra, &self.env);
        let credential = EntraCredential::resolve(config.entra.credential, &settings)?;
        let ctx = FetchContext {
            http: self.credential_http(&config.entra)?,
            cli_executor: self.cli_executor.clone(),
        };
        let entry = Arc::new(VaultEntry::new(
            config,
            Arc::new(credential),
            ctx,
            self.fetch_policy,
        )?);
        entries.push(Arc::clone(&entry));
        Ok(entry)
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
            tokens: TokenCache::new(self.fetch_policy),
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
        // Shared with every credential (and client) trusting the same CA: building a client
        // parses the system's roots again.
        let text = String::from_utf8_lossy(&pem);
        crate::client::shared_http(Some(&text)).map_err(|e| {
            Error::config(format!(
                "cannot build the HTTP client for entra.ca_file '{path}': {}",
                e.message
            ))
        })
    }

    /// `header_for` as the older tests use it: `force` refuses whatever token is cached now.
    #[cfg(test)]
    async fn header(
        &self,
        d: &Deployment,
        force: bool,
    ) -> Result<Option<(HeaderName, HeaderValue)>> {
        let mut request = BearerRequest::default();
        if force {
            request.refused = self.header_for(d, request).await?.and_then(|h| h.token);
        }
        Ok(self
            .header_for(d, request)
            .await?
            .map(|h| (h.name, h.value)))
    }

    #[cfg(test)]
    fn with_cli_executor(mut self, executor: Arc<dyn azure_identity::Executor>) -> Self {
        self.cli_executor = Some(executor);
        self
    }
}

/// The header carrying a deployment's API key.
fn key_header(d: &Deployment, key: &crate::config::Secret) -> Result<AuthHeader> {
    key::api_key_header(d.shape, key).map(|(name, value)| AuthHeader {
        name,
        value,
        token: None,
    })
}

/// Why no credential goes to `d`: its endpoint is plain http to another host.
fn refused_plain_http(d: &Deployment) -> Error {
    Error::config(format!(
        "refusing to send a credential to '{}': plain http is only allowed to loopback",
        d.endpoint
    ))
    .with_deployment(d.name.clone())
    .with_hint("use the https:// endpoint (plain http is for a local emulator on 127.0.0.1 only)")
}

/// `Authorization: Bearer` from the caller's provider, waited for no longer than the attempt
/// may wait for a token.
async fn provided_header(provider: &TokenProvider, request: BearerRequest) -> Result<AuthHeader> {
    let asked = provider();
    let token = match request.wait_until {
        Some(until) => tokio::time::timeout_at(until.into(), asked)
            .await
            .map_err(|_| {
                Error::new(
                    crate::ErrorKind::Timeout,
                    "the token provider gave no token before the attempt's deadline",
                )
                .with_hint("make the token provider return sooner (cache its token), or raise timeout_secs")
            })?,
        None => asked.await,
    }
    .map_err(|e| {
        // The provider's own failure (a Python exception, a rejected JS promise) is the cause.
        let cause = crate::Cause {
            message: e.message.clone(),
            cause: e.details().cause.clone().map(Box::new),
        };
        Error::new(
            crate::ErrorKind::Credential,
            format!("the token provider failed: {}", e.message),
        )
        .with_hint("the token provider passed to the client raised an error: see its cause")
        .with_cause(cause)
    })?;
    let token = token.trim();
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .ok()
        .filter(|_| !token.is_empty())
        .ok_or_else(|| {
            Error::new(
                crate::ErrorKind::Credential,
                "the token provider returned an empty token or one with characters a header cannot carry",
            )
            .with_hint("return the access token itself (an Entra JWT), without 'Bearer ' or line breaks")
        })?;
    value.set_sensitive(true);
    Ok(AuthHeader {
        name: AUTHORIZATION,
        value,
        token: None,
    })
}
