//! Where a client's catalog comes from (a file, YAML/JSON text, the environment, or the Kotlin
//! builder's spec) and the options every constructor takes. A spec is written out in the file
//! format and loaded by the core, so it is validated exactly like a file.

use std::collections::HashMap;
use std::sync::Arc;

use foundry_client::config::{check_seconds, Catalog, MAX_RETRIES};
use foundry_client::{ClientOptions, EnvLookup};
use serde_json::{json, Map, Value};

use crate::events::{callback, EventListener};

/// Options beyond the catalog.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ClientSettings {
    /// Extra PEM CA certificates to trust (a proxy, or the emulator's https port).
    #[uniffi(default)]
    pub ca_pem: Option<String>,
    /// Variables used instead of the process environment: for `${NAME}` in catalogs, for
    /// catalogs built from the environment, and for credentials (`IDENTITY_ENDPOINT`, ...).
    #[uniffi(default)]
    pub env: Option<HashMap<String, String>>,
    /// Headers sent with every request, on top of the catalog's.
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
}

impl ClientSettings {
    fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// The catalog from `source`, with the extra headers applied.
    pub(crate) fn load(&self, source: CatalogSource) -> foundry_client::Result<Catalog> {
        let lookup = |name: &str| self.var(name);
        let mut catalog = match source {
            CatalogSource::File(path) => Catalog::from_path_with_env(path, &lookup),
            CatalogSource::Text { text, origin } => {
                Catalog::from_str_with_env(&text, &origin, &lookup)
            }
            CatalogSource::Value(value) => {
                Catalog::from_value_with_env(value, "Foundry.builder()", &lookup)
            }
            CatalogSource::Environment => Catalog::from_env_lookup(&lookup),
        }?;
        for (name, value) in &self.headers {
            catalog.defaults.headers.insert(name.clone(), value.clone());
        }
        Ok(catalog)
    }

    pub(crate) fn options(&self, listener: Option<Arc<dyn EventListener>>) -> ClientOptions {
        let env = self.env.clone().map(|env| {
            let lookup: EnvLookup = Arc::new(move |name: &str| env.get(name).cloned());
            lookup
        });
        ClientOptions {
            on_event: listener.map(callback),
            ca_pem: self.ca_pem.clone(),
            env,
            deployment: None,
            token_provider: None,
        }
    }
}

pub(crate) enum CatalogSource {
    File(String),
    Text { text: String, origin: String },
    Value(Value),
    Environment,
}

/// How a deployment authenticates (the builder's `auth`).
#[derive(Debug, Clone, uniffi::Enum)]
pub enum AuthSpec {
    /// A literal key (prefer `ApiKeyFromEnv`: keys in code leak).
    ApiKey { key: String },
    /// A key read from an environment variable when the client is built.
    ApiKeyFromEnv { variable: String },
    /// Managed identity (AKS, App Service); `client_id` for a user-assigned identity.
    ManagedIdentity { client_id: Option<String> },
    /// The Entra ID chain: environment service principal, workload identity, managed
    /// identity, Azure CLI.
    DefaultCredential,
    /// No credential (a local OpenAI-compatible server).
    NoAuth,
}

impl AuthSpec {
    fn to_json(&self) -> Value {
        match self {
            AuthSpec::ApiKey { key } => json!({"type": "api_key", "key": key}),
            AuthSpec::ApiKeyFromEnv { variable } => json!({"type": "api_key", "env": variable}),
            AuthSpec::ManagedIdentity { client_id } => {
                let mut v = json!({"type": "entra", "credential": "managed_identity"});
                if let Some(id) = client_id {
                    v["client_id"] = json!(id);
                }
                v
            }
            AuthSpec::DefaultCredential => json!({"type": "entra", "credential": "default"}),
            AuthSpec::NoAuth => json!({"type": "none"}),
        }
    }
}

/// One deployment for the builder; unset fields take the catalog defaults.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeploymentSpec {
    /// What callers pass as `model`.
    pub name: String,
    #[uniffi(default)]
    pub endpoint: Option<String>,
    /// The service's name for it, when it differs from `name`.
    #[uniffi(default)]
    pub deployment: Option<String>,
    #[uniffi(default)]
    pub model: Option<String>,
    /// `azure` (default), `v1`, `inference` or `openai`.
    #[uniffi(default)]
    pub shape: Option<String>,
    #[uniffi(default)]
    pub api_version: Option<String>,
    #[uniffi(default)]
    pub auth: Option<AuthSpec>,
    /// A thinking model (answer in `reasoning_content` first).
    #[uniffi(default)]
    pub thinking: bool,
    /// For thinking models: a smaller `max_tokens` is raised to this.
    #[uniffi(default)]
    pub min_max_tokens: Option<i64>,
    /// Serves only the Responses API (chat calls are translated).
    #[uniffi(default)]
    pub responses_only: bool,
    /// Send `max_completion_tokens` instead of `max_tokens` (the gpt-5 family).
    #[uniffi(default)]
    pub max_completion_tokens: bool,
    /// USD per 1M input tokens.
    #[uniffi(default)]
    pub input_price: Option<f64>,
    /// USD per 1M output tokens.
    #[uniffi(default)]
    pub output_price: Option<f64>,
    #[uniffi(default)]
    pub tags: HashMap<String, String>,
}

/// A route: an alias trying its deployments in order.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RouteSpec {
    pub name: String,
    pub deployments: Vec<String>,
    #[uniffi(default)]
    pub fallback_on_content_filter: bool,
}

/// A whole catalog for the builder.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CatalogSpec {
    /// The endpoint of deployments that name none.
    #[uniffi(default)]
    pub endpoint: Option<String>,
    /// The auth of deployments that name none.
    #[uniffi(default)]
    pub auth: Option<AuthSpec>,
    pub deployments: Vec<DeploymentSpec>,
    #[uniffi(default)]
    pub routes: Vec<RouteSpec>,
    /// Per-attempt timeout.
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    /// Overall deadline of one call.
    #[uniffi(default)]
    pub deadline_secs: Option<f64>,
    #[uniffi(default)]
    pub max_retries: Option<i64>,
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

impl DeploymentSpec {
    fn to_json(&self) -> Value {
        let mut d = Map::new();
        d.insert("name".into(), json!(self.name));
        put(&mut d, "endpoint", self.endpoint.clone().map(Value::from));
        put(
            &mut d,
            "deployment",
            self.deployment.clone().map(Value::from),
        );
        put(&mut d, "model", self.model.clone().map(Value::from));
        put(&mut d, "shape", self.shape.clone().map(Value::from));
        put(
            &mut d,
            "api_version",
            self.api_version.clone().map(Value::from),
        );
        put(&mut d, "auth", self.auth.as_ref().map(AuthSpec::to_json));
        d.insert("thinking".into(), json!(self.thinking));
        put(
            &mut d,
            "min_max_tokens",
            self.min_max_tokens.map(Value::from),
        );
        d.insert("responses_only".into(), json!(self.responses_only));
        if self.max_completion_tokens {
            d.insert("max_tokens_param".into(), json!("max_completion_tokens"));
        }
        if self.input_price.is_some() || self.output_price.is_some() {
            d.insert(
                "pricing".into(),
                json!({"input": self.input_price.unwrap_or(0.0), "output": self.output_price.unwrap_or(0.0)}),
            );
        }
        d.insert("tags".into(), json!(self.tags));
        Value::Object(d)
    }
}

/// A builder error, worded as the core's catalog errors are.
fn spec_error(message: String, hint: &str) -> foundry_client::Error {
    foundry_client::Error::config(format!("Foundry.builder(): {message}")).with_hint(hint)
}

impl CatalogSpec {
    /// The numbers JSON would not carry faithfully (issue 10, point 6): `Value::from(f64::NAN)`
    /// is `null`, which the loader would read as "not set", and a `Long` `maxRetries` could
    /// be negative or huge. Checked with the core's own ranges, naming the Kotlin argument.
    fn check_numbers(&self) -> foundry_client::Result<()> {
        let seconds = [
            ("timeoutSecs", self.timeout_secs),
            ("deadlineSecs", self.deadline_secs),
        ];
        for (name, value) in seconds {
            if let Some(v) = value {
                check_seconds(v, name)
                    .map_err(|m| spec_error(m, "use a number of seconds such as 60"))?;
            }
        }
        if let Some(n) = self.max_retries {
            if !(0..=i64::from(MAX_RETRIES)).contains(&n) {
                return Err(spec_error(
                    format!("maxRetries must be a whole number from 0 to {MAX_RETRIES} (each retry is a billed request), got {n}"),
                    "e.g. maxRetries(3)",
                ));
            }
        }
        for d in &self.deployments {
            for (name, price) in [
                ("inputPrice", d.input_price),
                ("outputPrice", d.output_price),
            ] {
                if let Some(p) = price.filter(|p| !p.is_finite() || *p < 0.0) {
                    return Err(spec_error(
                        format!("deployment '{}': {name} must be a finite number of USD per 1M tokens, at least 0, got {p}", d.name),
                        "e.g. pricing(input = 1.25, output = 10.0)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The spec in the catalog file format, once its numbers are checked.
    pub(crate) fn to_json(&self) -> foundry_client::Result<Value> {
        self.check_numbers()?;
        Ok(self.to_json_unchecked())
    }

    fn to_json_unchecked(&self) -> Value {
        let mut defaults = Map::new();
        put(
            &mut defaults,
            "endpoint",
            self.endpoint.clone().map(Value::from),
        );
        put(
            &mut defaults,
            "auth",
            self.auth.as_ref().map(AuthSpec::to_json),
        );
        put(
            &mut defaults,
            "timeout_secs",
            self.timeout_secs.map(Value::from),
        );
        put(
            &mut defaults,
            "deadline_secs",
            self.deadline_secs.map(Value::from),
        );
        put(
            &mut defaults,
            "retry",
            self.max_retries.map(|n| json!({"max_retries": n})),
        );
        let routes: Vec<Value> = self
            .routes
            .iter()
            .map(|r| json!({"name": r.name, "deployments": r.deployments, "fallback_on_content_filter": r.fallback_on_content_filter}))
            .collect();
        json!({
            "defaults": defaults,
            "deployments": self.deployments.iter().map(DeploymentSpec::to_json).collect::<Vec<_>>(),
            "routes": routes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str) -> DeploymentSpec {
        DeploymentSpec {
            name: name.into(),
            endpoint: None,
            deployment: None,
            model: None,
            shape: None,
            api_version: None,
            auth: None,
            thinking: false,
            min_max_tokens: None,
            responses_only: false,
            max_completion_tokens: false,
            input_price: None,
            output_price: None,
            tags: HashMap::new(),
        }
    }

    #[test]
    fn a_spec_loads_like_a_file() {
        let mut gpt = deployment("gpt-5.4");
        gpt.max_completion_tokens = true;
        gpt.input_price = Some(4.0);
        gpt.output_price = Some(16.0);
        let spec = CatalogSpec {
            endpoint: Some("https://res.cognitiveservices.azure.com".into()),
            auth: Some(AuthSpec::ManagedIdentity { client_id: None }),
            deployments: vec![gpt, deployment("Kimi-K2.6")],
            routes: vec![RouteSpec {
                name: "decision".into(),
                deployments: vec!["gpt-5.4".into(), "Kimi-K2.6".into()],
                fallback_on_content_filter: false,
            }],
            timeout_secs: Some(30.0),
            deadline_secs: None,
            max_retries: Some(1),
        };
        let settings = ClientSettings {
            env: Some(HashMap::new()),
            ..ClientSettings::default()
        };
        let catalog = settings
            .load(CatalogSource::Value(spec.to_json().unwrap()))
            .unwrap();
        assert_eq!(catalog.deployments.len(), 2);
        assert_eq!(catalog.deployments[0].to_json()["auth"], "entra");
        assert_eq!(catalog.deployments[0].pricing.output, 16.0);
        assert_eq!(catalog.defaults.retry.max_retries, 1);
        assert_eq!(catalog.routes[0].deployments.len(), 2);
    }

    #[test]
    fn numbers_json_cannot_carry_are_refused_naming_the_argument() {
        let spec = |timeout: f64, retries: i64| CatalogSpec {
            endpoint: Some("https://res.cognitiveservices.azure.com".into()),
            auth: None,
            deployments: vec![deployment("x")],
            routes: vec![],
            timeout_secs: Some(timeout),
            deadline_secs: None,
            max_retries: Some(retries),
        };
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e300] {
            let e = spec(bad, 1).to_json().unwrap_err();
            assert!(
                e.message.starts_with(&format!("Foundry.builder(): timeoutSecs must be a positive number of seconds, at most 604800 (a week), got {bad}")),
                "{}",
                e.message
            );
        }
        for bad in [-1, 11, i64::MAX] {
            let e = spec(30.0, bad).to_json().unwrap_err();
            assert!(e.message.contains(&format!("maxRetries must be a whole number from 0 to 10 (each retry is a billed request), got {bad}")));
        }
        let mut priced = spec(30.0, 1);
        priced.deployments[0].input_price = Some(f64::NAN);
        assert!(priced
            .to_json()
            .unwrap_err()
            .message
            .contains("inputPrice must be a finite number"));
        assert!(spec(30.0, 10).to_json().is_ok());
    }

    #[test]
    fn a_missing_key_variable_is_a_config_error() {
        let mut d = deployment("x");
        d.endpoint = Some("https://res.cognitiveservices.azure.com".into());
        d.auth = Some(AuthSpec::ApiKeyFromEnv {
            variable: "NOPE_KEY".into(),
        });
        let spec = CatalogSpec {
            endpoint: None,
            auth: None,
            deployments: vec![d],
            routes: vec![],
            timeout_secs: None,
            deadline_secs: None,
            max_retries: None,
        };
        let settings = ClientSettings {
            env: Some(HashMap::new()),
            ..ClientSettings::default()
        };
        let e = settings
            .load(CatalogSource::Value(spec.to_json().unwrap()))
            .unwrap_err();
        assert!(e.message.contains("NOPE_KEY"));
    }
}
