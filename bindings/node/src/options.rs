//! Client options and catalog sources, from what the JS constructor was given.

use std::collections::HashMap;
use std::sync::Arc;

use foundry_client::config::Catalog;
use foundry_client::{ClientOptions, EnvLookup};
use napi_derive::napi;

use crate::events::{event_callback, EventFunction};

/// Options every constructor takes.
#[napi(object)]
#[derive(Default)]
pub struct NativeOptions {
    /// Extra PEM CA certificates to trust (a proxy, or the emulator's https port).
    pub ca_pem: Option<String>,
    /// Variables used instead of the process environment: for `${NAME}` in catalogs, for
    /// catalogs built from the environment, and for credentials (`AZURE_CLIENT_ID`, ...).
    pub env: Option<HashMap<String, String>>,
}

impl NativeOptions {
    /// A variable, from `env` when given, else from the process environment.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    pub fn client_options(self, on_event: Option<EventFunction>) -> ClientOptions {
        let env = self.env.map(|env| {
            let lookup: EnvLookup = Arc::new(move |name: &str| env.get(name).cloned());
            lookup
        });
        ClientOptions {
            on_event: on_event.map(event_callback),
            ca_pem: self.ca_pem,
            env,
            deployment: None,
            token_provider: None,
        }
    }
}

/// Where the catalog comes from.
pub enum CatalogSource {
    /// A YAML or JSON file (native format or LiteLLM's `model_list`).
    File(String),
    /// The catalog as JSON text (`origin` names it in errors).
    Value { json: String, origin: String },
    /// `FOUNDRY_*` / `AZURE_OPENAI_*` variables.
    Environment,
}

impl CatalogSource {
    pub fn load(&self, options: &NativeOptions) -> foundry_client::Result<Catalog> {
        let lookup = |name: &str| options.var(name);
        match self {
            CatalogSource::File(path) => Catalog::from_path_with_env(path, &lookup),
            CatalogSource::Value { json, origin } => {
                let value = serde_json::from_str(json).map_err(|e| {
                    foundry_client::Error::config(format!("{origin} is not JSON: {e}"))
                })?;
                Catalog::from_value_with_env(value, origin, &lookup)
            }
            CatalogSource::Environment => Catalog::from_env_lookup(&lookup),
        }
    }
}
