//! The constructor's settings (Kotlin's `Foundry.builder()`) turned into the core's
//! `ClientSettings`, and `withOptions(...)` into its `CallOverrides`. Conversion only: the
//! precedence, the validation and every message are the core's (`Foundry::from_settings`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use foundry_client::{Cause, Error, ErrorKind};

use crate::events::{callback, EventListener};

/// Where the catalog comes from (`None` in [`ClientSettings`]: the environment catalog).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum CatalogSource {
    /// A YAML or JSON file, in the native format or LiteLLM's `model_list`.
    File { path: String },
    /// Catalog text (YAML or JSON, the builder's catalog included); `origin` names it in errors.
    Text { text: String, origin: String },
}

/// Everything a client is built from: the core's `ClientSettings`, field for field. The
/// event listener and the token provider are the constructor's other arguments.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ClientSettings {
    /// `null`: the environment catalog (`FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY`, ...).
    #[uniffi(default)]
    pub catalog: Option<CatalogSource>,
    /// With `api_key` and `api_version`, describes the environment catalog in place of the
    /// variables; with a catalog, an error.
    #[uniffi(default)]
    pub endpoint: Option<String>,
    #[uniffi(default)]
    pub api_key: Option<String>,
    #[uniffi(default)]
    pub api_version: Option<String>,
    /// Every call goes to this deployment or route, whatever `model` it names.
    #[uniffi(default)]
    pub deployment: Option<String>,
    /// Sent with every request, over the catalog's headers of the same name.
    #[uniffi(default)]
    pub default_headers: HashMap<String, String>,
    /// The deadline of each call in seconds, retries included.
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    #[uniffi(default)]
    pub max_retries: Option<i64>,
    /// Variables used instead of the process environment.
    #[uniffi(default)]
    pub env: Option<HashMap<String, String>>,
    /// Extra PEM CA certificates to trust (a proxy, or the emulator's https port).
    #[uniffi(default)]
    pub ca_pem: Option<String>,
}

/// `withOptions(...)`: the call settings a derived client changes.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct CallOverrides {
    #[uniffi(default)]
    pub default_headers: HashMap<String, String>,
    /// Seconds.
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    #[uniffi(default)]
    pub max_retries: Option<i64>,
}

/// What the Kotlin token provider answered: the wrapper catches its exception, so the
/// provider never throws across the boundary.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum TokenAnswer {
    Token {
        token: String,
    },
    /// The exception's message chain, outermost first.
    Failed {
        messages: Vec<String>,
    },
}

/// Bearer tokens for `entra` deployments from the caller (openai's `azure_ad_token_provider`;
/// Kotlin: `.tokenProvider { "token" }`). Asked before every attempt: cache in Kotlin.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync {
    async fn token(&self) -> TokenAnswer;
}

/// The core's `TokenProvider` over the Kotlin one: a failure is an error whose cause is the
/// exception's message chain (the core adds the `credential` kind and its own wording).
fn token_provider(source: Arc<dyn TokenSource>) -> foundry_client::TokenProvider {
    Arc::new(move || {
        let source = source.clone();
        Box::pin(async move {
            match source.token().await {
                TokenAnswer::Token { token } => Ok(token),
                TokenAnswer::Failed { messages } => {
                    let mut messages = messages.into_iter();
                    let first = messages.next().unwrap_or_else(|| "no message".into());
                    let below = messages.rev().fold(None, |cause: Option<Cause>, message| {
                        Some(Cause {
                            message,
                            cause: cause.map(Box::new),
                        })
                    });
                    let e = Error::new(ErrorKind::Credential, first);
                    Err(match below {
                        Some(cause) => e.with_cause(cause),
                        None => e,
                    })
                }
            }
        })
    })
}

impl ClientSettings {
    pub(crate) fn into_core(
        self,
        listener: Option<Arc<dyn EventListener>>,
        tokens: Option<Arc<dyn TokenSource>>,
    ) -> foundry_client::ClientSettings {
        let catalog = self.catalog.map(|source| match source {
            CatalogSource::File { path } => {
                foundry_client::CatalogSource::File(PathBuf::from(path))
            }
            CatalogSource::Text { text, origin } => {
                foundry_client::CatalogSource::Text { text, origin }
            }
        });
        foundry_client::ClientSettings {
            catalog,
            endpoint: self.endpoint,
            api_key: self.api_key,
            api_version: self.api_version,
            deployment: self.deployment,
            default_headers: self.default_headers.into_iter().collect(),
            timeout: self.timeout_secs,
            max_retries: self.max_retries,
            env: self.env,
            ca_pem: self.ca_pem,
            on_event: listener.map(callback),
            token_provider: tokens.map(token_provider),
        }
    }
}

impl From<CallOverrides> for foundry_client::CallOverrides {
    fn from(o: CallOverrides) -> Self {
        foundry_client::CallOverrides {
            default_headers: o.default_headers.into_iter().collect(),
            timeout: o.timeout_secs,
            max_retries: o.max_retries,
        }
    }
}

/// Every key path of the catalog file format (the core's list), for the test that the Kotlin
/// catalog builder reaches each one. No IO.
#[uniffi::export]
pub fn catalog_keys() -> Vec<String> {
    foundry_client::config::catalog_keys()
        .into_iter()
        .map(str::to_string)
        .collect()
}
