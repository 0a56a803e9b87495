//! The catalog from code: the same validation as a file, without one.
//!
//! ```
//! use foundry_client::config::{Catalog, Deployment};
//! let catalog = Catalog::builder()
//!     .deployment(Deployment::new("gpt-5.4", "https://res.cognitiveservices.azure.com")
//!         .api_key("made-up-key")
//!         .max_completion_tokens()
//!         .pricing(4.0, 16.0))
//!     .deployment(Deployment::new("Kimi-K2.6", "https://res.cognitiveservices.azure.com")
//!         .api_key("made-up-key")
//!         .thinking(100))
//!     .route("decision", ["gpt-5.4", "Kimi-K2.6"])
//!     .build()
//!     .unwrap();
//! assert_eq!(catalog.deployments.len(), 2);
//! ```

use std::collections::BTreeMap;

use super::load::{
    normalize_endpoint, validate_defaults, validate_deployment, validate_routes,
    DEFAULT_API_VERSION, DEFAULT_RESPONSES_API_VERSION,
};
use super::{
    AuthConfig, Catalog, CircuitBreaker, Defaults, Deployment, EntraConfig, KeyVaultConfig,
    Pricing, RetryBudget, RetryPolicy, Route, Secret, Shape, TokenFetch, TokensParam,
};
use crate::Result;

impl Deployment {
    /// A deployment on `endpoint` named as the service names it, with the defaults a file
    /// would get: Azure shape, api-version 2024-10-21, no credential, no prices.
    pub fn new(name: impl Into<String>, endpoint: impl Into<String>) -> Deployment {
        let name = name.into();
        Deployment {
            deployment: name.clone(),
            name,
            model: None,
            endpoint: endpoint.into(),
            shape: Shape::Azure,
            api_version: DEFAULT_API_VERSION.into(),
            responses_api_version: DEFAULT_RESPONSES_API_VERSION.into(),
            auth: AuthConfig::None,
            thinking: false,
            responses_only: false,
            max_tokens_param: TokensParam::MaxTokens,
            min_max_tokens: None,
            extra_parameters: None,
            pricing: Pricing::default(),
            tpm: None,
            rpm: None,
            tags: BTreeMap::new(),
            headers: BTreeMap::new(),
            retry_after_send: false,
        }
    }

    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.auth = AuthConfig::ApiKey(Secret::new(key));
        self
    }

    pub fn entra(mut self, entra: EntraConfig) -> Self {
        self.auth = AuthConfig::Entra(entra);
        self
    }

    /// The API key read from Key Vault at run time ([`KeyVaultConfig::new`] checks the vault
    /// and secret names).
    pub fn key_vault(mut self, vault: KeyVaultConfig) -> Self {
        self.auth = AuthConfig::KeyVault(vault);
        self
    }

    pub fn shape(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// A thinking model; `max_tokens` below `floor` is raised to it.
    pub fn thinking(mut self, floor: u64) -> Self {
        self.thinking = true;
        self.min_max_tokens = Some(floor);
        self
    }

    pub fn responses_only(mut self) -> Self {
        self.responses_only = true;
        self
    }

    pub fn max_completion_tokens(mut self) -> Self {
        self.max_tokens_param = TokensParam::MaxCompletionTokens;
        self
    }

    /// USD per 1M input and output tokens.
    pub fn pricing(mut self, input: f64, output: f64) -> Self {
        self.pricing = Pricing {
            input,
            cached_input: None,
            output,
        };
        self
    }

    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// Collects deployments and routes; [`CatalogBuilder::build`] validates like a file load.
#[derive(Debug, Default)]
pub struct CatalogBuilder {
    deployments: Vec<Deployment>,
    routes: Vec<Route>,
    defaults: Defaults,
}

impl CatalogBuilder {
    pub fn deployment(mut self, deployment: Deployment) -> Self {
        self.deployments.push(deployment);
        self
    }

    /// An alias trying `deployments` in order.
    pub fn route<S: Into<String>>(
        mut self,
        name: impl Into<String>,
        deployments: impl IntoIterator<Item = S>,
    ) -> Self {
        self.routes.push(Route {
            name: name.into(),
            deployments: deployments.into_iter().map(Into::into).collect(),
            fallback_on_content_filter: false,
        });
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.defaults.retry = retry;
        self
    }

    /// The client-wide retry budget (validated by [`CatalogBuilder::build`]).
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.defaults.retry_budget = budget;
        self
    }

    /// The per-deployment circuit breaker (validated by [`CatalogBuilder::build`]).
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.defaults.circuit_breaker = breaker;
        self
    }

    pub fn timeout_secs(mut self, per_attempt: f64, per_call: f64) -> Self {
        self.defaults.timeout_secs = per_attempt;
        self.defaults.deadline_secs = per_call;
        self
    }

    /// How Entra tokens are fetched (`defaults.token_fetch`); range-checked by `build`.
    pub fn token_fetch(mut self, settings: TokenFetch) -> Self {
        self.defaults.token_fetch = settings;
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.defaults.headers.insert(name.into(), value.into());
        self
    }

    /// Validates and returns the catalog. No IO.
    pub fn build(self) -> Result<Catalog> {
        let origin = "catalog builder";
        let mut deployments = self.deployments;
        for (i, d) in deployments.iter_mut().enumerate() {
            let key = format!("deployments[{i}]");
            if d.name.trim().is_empty() {
                return Err(
                    crate::Error::config(format!("{origin}: {key}: the name is empty"))
                        .with_hint("name the deployment as the service does"),
                );
            }
            d.endpoint = normalize_endpoint(&d.endpoint, &format!("{key}.endpoint"), origin)?;
            validate_deployment(d, &key, origin)?;
        }
        for (i, d) in deployments.iter().enumerate() {
            if deployments[..i].iter().any(|e| e.name == d.name) {
                return Err(crate::Error::config(format!(
                    "{origin}: deployments[{i}]: '{}' is listed twice",
                    d.name
                ))
                .with_hint("give each deployment a unique name; use a route to group them"));
            }
        }
        validate_defaults(&self.defaults, origin)?;
        let catalog = Catalog {
            deployments,
            routes: self.routes,
            defaults: self.defaults,
            governance: super::Governance::default(),
            template: None,
            origin: origin.to_string(),
        };
        validate_routes(&catalog)?;
        Ok(catalog)
    }
}

impl Catalog {
    /// Starts a catalog in code.
    pub fn builder() -> CatalogBuilder {
        CatalogBuilder::default()
    }
}
