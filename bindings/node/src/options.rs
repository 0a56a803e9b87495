//! `new Foundry({...})`'s settings (openai-node's `AzureOpenAI` names) turned into the core's
//! `ClientSettings`, and `withOptions({...})` into its `CallOverrides`. Conversion only: the
//! precedence, the validation and every message are the core's (`Foundry::from_settings`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use foundry_client::{CallOverrides, CatalogSource, ClientSettings, Error, ErrorKind};
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;
use serde::Deserialize;

use crate::events::{event_callback, EventFunction};

/// The constructor's settings, as the TS wrapper passes them (the `config` option split by
/// type: a path, or a catalog object as JSON).
#[napi(object)]
#[derive(Default)]
pub struct NativeSettings {
    /// `config` given as a string: a YAML or JSON catalog file.
    pub config_path: Option<String>,
    /// `config` given as an object: the catalog (file format or LiteLLM's), as JSON text.
    pub config_json: Option<String>,
    /// Names the catalog object in errors.
    pub config_origin: Option<String>,
    pub endpoint: Option<String>,
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    pub deployment: Option<String>,
    pub default_headers: Option<HashMap<String, String>>,
    /// Milliseconds, as openai-node's `timeout`.
    pub timeout: Option<f64>,
    pub max_retries: Option<f64>,
    pub env: Option<HashMap<String, String>>,
    pub ca_pem: Option<String>,
}

/// `withOptions({...})`: openai-node's names, `timeout` in milliseconds.
#[napi(object)]
#[derive(Default)]
pub struct NativeCallOptions {
    pub default_headers: Option<HashMap<String, String>>,
    pub timeout: Option<f64>,
    pub max_retries: Option<f64>,
}

/// `azureADTokenProvider`, wrapped by the TS side so that it always resolves (never throws):
/// with `{"token": "..."}` or `{"error": "...", "cause": {"message", "cause"}}` as JSON.
/// Weak: a client with a provider does not keep the process alive.
pub type TokenFunction = ThreadsafeFunction<(), Promise<String>, (), Status, false, true>;

/// What the wrapped provider resolves with.
#[derive(Deserialize)]
struct TokenOutcome {
    token: Option<String>,
    error: Option<String>,
    cause: Option<serde_json::Value>,
}

/// `{"message", "cause"}` (the JS error's `cause` chain, bounded by the TS side) as the core's.
fn cause_of(value: &serde_json::Value) -> Option<foundry_client::Cause> {
    let message = value.get("message")?.as_str()?.to_string();
    Some(foundry_client::Cause {
        message,
        cause: value.get("cause").and_then(cause_of).map(Box::new),
    })
}

fn credential(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Credential, message)
}

/// The core's `TokenProvider` over the JS function: each call runs it on the JS thread and
/// awaits its promise; a throw or rejection is a `credential` error whose cause is the JS
/// error's chain.
fn token_provider(function: TokenFunction) -> foundry_client::TokenProvider {
    let function = Arc::new(function);
    Arc::new(move || {
        let function = function.clone();
        Box::pin(async move {
            let unreachable = |e: napi::Error| {
                credential(format!(
                    "azureADTokenProvider could not be called: {}",
                    e.reason
                ))
            };
            let promise = function.call_async_catch(()).await.map_err(unreachable)?;
            let json = promise.await.map_err(unreachable)?;
            let outcome: TokenOutcome = serde_json::from_str(&json)
                .map_err(|e| credential(format!("azureADTokenProvider's answer: {e}")))?;
            match (outcome.token, outcome.error) {
                (Some(token), None) => Ok(token),
                (_, error) => {
                    let mut e = credential(error.unwrap_or_else(|| "no token".into()));
                    if let Some(cause) = outcome.cause.as_ref().and_then(cause_of) {
                        e = e.with_cause(cause);
                    }
                    Err(e)
                }
            }
        })
    })
}

/// Milliseconds (openai-node) to the core's seconds.
fn seconds(ms: Option<f64>) -> Option<f64> {
    ms.map(|ms| ms / 1000.0)
}

/// A JS number as the core's signed count; a fraction is refused rather than truncated.
fn count(name: &str, value: Option<f64>) -> foundry_client::Result<Option<i64>> {
    match value {
        Some(v) if v.fract() != 0.0 || !v.is_finite() => Err(Error::config(format!(
            "{name} must be a whole number, got {v}"
        ))
        .with_hint("pass a small count such as 2 (each retry is a billed request)")),
        Some(v) => Ok(Some(v as i64)),
        None => Ok(None),
    }
}

fn headers(h: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    h.unwrap_or_default().into_iter().collect()
}

impl NativeSettings {
    pub fn into_settings(
        self,
        on_event: Option<EventFunction>,
        provider: Option<TokenFunction>,
    ) -> foundry_client::Result<ClientSettings> {
        let origin = self
            .config_origin
            .unwrap_or_else(|| "the config option".into());
        let catalog = match (self.config_path, self.config_json) {
            (Some(path), _) => Some(CatalogSource::File(PathBuf::from(path))),
            (_, Some(json)) => Some(CatalogSource::Value {
                value: serde_json::from_str(&json)
                    .map_err(|e| Error::config(format!("{origin} is not JSON: {e}")))?,
                origin,
            }),
            _ => None,
        };
        Ok(ClientSettings {
            catalog,
            endpoint: self.endpoint,
            api_key: self.api_key,
            api_version: self.api_version,
            deployment: self.deployment,
            default_headers: headers(self.default_headers),
            timeout: seconds(self.timeout),
            max_retries: count("maxRetries", self.max_retries)?,
            env: self.env,
            ca_pem: self.ca_pem,
            on_event: on_event.map(event_callback),
            token_provider: provider.map(token_provider),
        })
    }
}

impl NativeCallOptions {
    pub fn into_overrides(self) -> foundry_client::Result<CallOverrides> {
        Ok(CallOverrides {
            default_headers: headers(self.default_headers),
            timeout: seconds(self.timeout),
            max_retries: count("withOptions: maxRetries", self.max_retries)?,
        })
    }
}
