//! `ClientSettings`: everything a binding's constructor can be given, turned into a client by
//! one precedence rule, one validation and one set of messages. A binding only converts its
//! arguments (Python's `azure_endpoint`, openai-node's `defaultHeaders`, Kotlin's builder, C's
//! JSON) into these fields.
//!
//! The rule:
//! 1. The catalog is `catalog` when given, else the environment catalog (`FOUNDRY_ENDPOINT` /
//!    `FOUNDRY_API_KEY`, or the Azure SDK names).
//! 2. `endpoint`, `api_key` and `api_version` describe that environment catalog: they take the
//!    place of `FOUNDRY_ENDPOINT`, `FOUNDRY_API_KEY` and `OPENAI_API_VERSION`. Given together with
//!    `catalog` they are an error, never silently ignored.
//! 3. `default_headers` join the catalog's `defaults.headers`, and win over a header of the
//!    same name there.
//! 4. `timeout` replaces `defaults.deadline_secs` and `max_retries` replaces
//!    `defaults.retry.max_retries`; the defaults are then validated again, exactly as a file's
//!    are, so a bad value fails here and not at the first call.
//! 5. `token_provider` (openai's `azure_ad_token_provider`) gives the bearer token of every
//!    deployment whose auth is `entra`; the environment catalog then ignores
//!    `FOUNDRY_API_KEY`/`AZURE_OPENAI_API_KEY`, and an `api_key` with it is an error.
//! 6. `env` is where `${NAME}` references, the environment catalog and the credentials read
//!    their variables; without it, the process environment.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::{ClientOptions, EnvLookup, Foundry, TokenProvider};
use crate::config::{check_seconds, validate_defaults, Catalog, RedactedHeaders, MAX_RETRIES};
use crate::events::EventCallback;
use crate::{Error, Result};

/// Where a client's catalog comes from.
#[derive(Clone, Debug)]
pub enum CatalogSource {
    /// The environment catalog: one endpoint, any deployment name.
    Environment,
    /// A YAML or JSON file, in the native format or LiteLLM's `model_list`.
    File(PathBuf),
    /// Catalog text (YAML or JSON); `origin` names it in errors.
    Text { text: String, origin: String },
    /// A catalog value in the file format, as bindings pass one from code.
    Value { value: Value, origin: String },
    /// A catalog already built (`Catalog::builder()`).
    Built(Box<Catalog>),
}

/// Everything a client can be built from. `Default` is "the environment, nothing else".
#[derive(Clone, Default)]
pub struct ClientSettings {
    /// `None` is [`CatalogSource::Environment`].
    pub catalog: Option<CatalogSource>,
    pub endpoint: Option<String>,
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    /// Every call goes to this deployment or route ([`ClientOptions::deployment`]).
    pub deployment: Option<String>,
    /// Sent with every request (`default_headers` / `defaultHeaders`).
    pub default_headers: BTreeMap<String, String>,
    /// The deadline of each call in seconds, retries included.
    pub timeout: Option<f64>,
    /// Signed so that a negative value from any language gets this module's message.
    pub max_retries: Option<i64>,
    /// Variables used instead of the process environment.
    pub env: Option<HashMap<String, String>>,
    /// Extra PEM CA certificates to trust.
    pub ca_pem: Option<String>,
    pub on_event: Option<EventCallback>,
    /// Bearer tokens for `entra` deployments from the caller (rule 5).
    pub token_provider: Option<TokenProvider>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys, header values and variables may all be secrets: names and presence only.
        let env_names: Option<Vec<&String>> = self.env.as_ref().map(|e| {
            let mut names: Vec<&String> = e.keys().collect();
            names.sort();
            names
        });
        f.debug_struct("ClientSettings")
            .field("catalog", &self.catalog.as_ref().map(source_name))
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_version", &self.api_version)
            .field("deployment", &self.deployment)
            .field("default_headers", &RedactedHeaders(&self.default_headers))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("env", &env_names)
            .field("ca_pem", &self.ca_pem.is_some())
            .field("on_event", &self.on_event.is_some())
            .field("token_provider", &self.token_provider.is_some())
            .finish()
    }
}

fn source_name(source: &CatalogSource) -> String {
    match source {
        CatalogSource::Environment => "environment".into(),
        CatalogSource::File(path) => path.display().to_string(),
        CatalogSource::Text { origin, .. } | CatalogSource::Value { origin, .. } => origin.clone(),
        CatalogSource::Built(catalog) => catalog.origin.clone(),
    }
}

/// The call settings a client can change without a new catalog: the constructor's
/// `default_headers`, `timeout` and `max_retries`, and all of `with_options`.
#[derive(Clone, Default)]
pub struct CallOverrides {
    pub default_headers: BTreeMap<String, String>,
    /// Seconds.
    pub timeout: Option<f64>,
    pub max_retries: Option<i64>,
}

impl std::fmt::Debug for CallOverrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOverrides")
            .field("default_headers", &RedactedHeaders(&self.default_headers))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

impl CallOverrides {
    /// Rules 3 and 4 of the module docs; `origin` names the caller in messages.
    pub(crate) fn apply(self, catalog: &mut Catalog, origin: &str) -> Result<()> {
        catalog.defaults.headers.extend(self.default_headers);
        if let Some(timeout) = self.timeout {
            // Checked under the caller's own name: `defaults.deadline_secs` is not what they typed.
            check_seconds(timeout, "timeout").map_err(|m| {
                Error::config(format!("{origin}: {m}"))
                    .with_hint("pass the whole call's deadline in seconds, such as 60")
            })?;
            catalog.defaults.deadline_secs = timeout;
        }
        if let Some(max_retries) = self.max_retries {
            let allowed = 0..=i64::from(MAX_RETRIES);
            if !allowed.contains(&max_retries) {
                return Err(Error::config(format!(
                    "{origin}: max_retries must be between 0 and {MAX_RETRIES}, got {max_retries}"
                ))
                .with_hint("pass a small count such as 2 (each retry is a billed request)"));
            }
            catalog.defaults.retry.max_retries = max_retries as u32;
        }
        validate_defaults(&catalog.defaults, origin)
    }
}

impl ClientSettings {
    /// The variable lookup every part of the client uses: `env` when given, else the process.
    pub fn env_lookup(&self) -> Option<EnvLookup> {
        self.env.clone().map(|vars| {
            let vars = Arc::new(vars);
            Arc::new(move |name: &str| vars.get(name).cloned()) as EnvLookup
        })
    }

    /// The catalog and options a client is built from, after the precedence rule and the
    /// validation (module docs). File IO and environment reads only; no network.
    pub fn resolve(self) -> Result<(Catalog, ClientOptions)> {
        let lookup = self.env_lookup();
        let read = |name: &str| match &lookup {
            Some(lookup) => lookup(name),
            None => std::env::var(name).ok(),
        };
        let overrides: Vec<(&str, &String)> = [
            ("FOUNDRY_ENDPOINT", &self.endpoint),
            ("FOUNDRY_API_KEY", &self.api_key),
            ("OPENAI_API_VERSION", &self.api_version),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| (name, v)))
        .collect();
        if self.token_provider.is_some() && self.api_key.is_some() {
            return Err(
                Error::config("both an api_key and a token provider were given").with_hint(
                    "pass one credential: the api_key, or the token provider for Entra ID tokens",
                ),
            );
        }
        // With a token provider the environment catalog is an Entra one, whatever key is set.
        let ignored: &[&str] = if self.token_provider.is_some() {
            &["FOUNDRY_API_KEY", "AZURE_OPENAI_API_KEY"]
        } else {
            &[]
        };
        let source = self.catalog.clone().unwrap_or(CatalogSource::Environment);
        if !overrides.is_empty() && !matches!(source, CatalogSource::Environment) {
            return Err(Error::config(format!(
                "both a catalog ({}) and an endpoint, key or api-version were given",
                source_name(&source)
            ))
            .with_hint(
                "pass either the catalog or endpoint/api_key/api_version; to use both, put the \
                 endpoint and key in the catalog (or ${NAME} references to them)",
            ));
        }
        let mut catalog = match source {
            CatalogSource::Environment => {
                let overlay = |name: &str| {
                    overrides
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.to_string())
                        .or_else(|| read(name).filter(|_| !ignored.contains(&name)))
                };
                Catalog::from_env_lookup(&overlay)?
            }
            CatalogSource::File(path) => Catalog::from_path_with_env(&path, &read)?,
            CatalogSource::Text { text, origin } => {
                Catalog::from_str_with_env(&text, &origin, &read)?
            }
            CatalogSource::Value { value, origin } => {
                Catalog::from_value_with_env(value, &origin, &read)?
            }
            CatalogSource::Built(catalog) => *catalog,
        };
        CallOverrides {
            default_headers: self.default_headers,
            timeout: self.timeout,
            max_retries: self.max_retries,
        }
        .apply(&mut catalog, "client settings")?;
        let options = ClientOptions {
            on_event: self.on_event,
            ca_pem: self.ca_pem,
            env: lookup,
            deployment: self.deployment,
            token_provider: self.token_provider,
        };
        Ok((catalog, options))
    }
}

impl Foundry {
    /// A client from [`ClientSettings`], the one constructor every binding calls. No network IO.
    pub fn from_settings(settings: ClientSettings) -> Result<Foundry> {
        let (catalog, options) = settings.resolve()?;
        Foundry::new(catalog, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    const CATALOG: &str = "defaults:\n  endpoint: https://example.invalid/\n  auth: {type: api_key, env: MY_KEY}\ndeployments:\n  - name: gpt-5.4\n";

    fn text_source() -> Option<CatalogSource> {
        Some(CatalogSource::Text {
            text: CATALOG.into(),
            origin: "test.yaml".into(),
        })
    }

    #[test]
    fn endpoint_and_key_describe_the_environment_catalog() {
        let settings = ClientSettings {
            endpoint: Some("https://mine.openai.azure.com/".into()),
            api_key: Some("made-up-key-1".into()),
            api_version: Some("2024-10-21".into()),
            env: env(&[("FOUNDRY_ENDPOINT", "https://other.invalid/")]),
            ..ClientSettings::default()
        };
        let (catalog, _) = settings.resolve().expect("settings resolve");
        let d = catalog
            .resolve("any-deployment")
            .expect("any name")
            .deployments[0]
            .clone();
        assert_eq!(d.endpoint, "https://mine.openai.azure.com/");
        assert_eq!(d.api_version, "2024-10-21");
    }

    #[test]
    fn a_catalog_and_an_endpoint_conflict() {
        let settings = ClientSettings {
            catalog: text_source(),
            endpoint: Some("https://mine.openai.azure.com/".into()),
            ..ClientSettings::default()
        };
        let err = settings.resolve().expect_err("conflict");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message.contains("both a catalog (test.yaml)"), "{err}");
        assert!(err.hint.contains("either the catalog"), "{err}");
    }

    #[test]
    fn bad_numbers_fail_at_construction() {
        for (timeout, retries, needle) in [
            (Some(-1.0), None, "must be a positive number of seconds"),
            (Some(f64::NAN), None, "must be a positive number of seconds"),
            (Some(1e300), None, "at most 604800"),
            (None, Some(-1), "between 0 and 10, got -1"),
            (None, Some(11), "between 0 and 10, got 11"),
        ] {
            let settings = ClientSettings {
                catalog: text_source(),
                timeout,
                max_retries: retries,
                env: env(&[("MY_KEY", "made-up")]),
                ..ClientSettings::default()
            };
            let err = settings.resolve().expect_err("refused");
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            assert!(err.message.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn headers_join_and_win_and_numbers_apply() {
        let settings = ClientSettings {
            catalog: text_source(),
            default_headers: BTreeMap::from([("x-team".into(), "search".into())]),
            timeout: Some(12.5),
            max_retries: Some(0),
            env: env(&[("MY_KEY", "made-up")]),
            ..ClientSettings::default()
        };
        let (catalog, options) = settings.resolve().expect("resolves");
        assert_eq!(catalog.defaults.headers["x-team"], "search");
        assert_eq!(catalog.defaults.deadline_secs, 12.5);
        assert_eq!(catalog.defaults.retry.max_retries, 0);
        let lookup = options.env.expect("the env map is the lookup");
        assert_eq!(lookup("MY_KEY").as_deref(), Some("made-up"));
        assert_eq!(lookup("PATH"), None, "the process environment is not read");
    }

    #[test]
    fn with_options_derives_a_client_and_leaves_the_original() {
        let settings = ClientSettings {
            catalog: text_source(),
            env: env(&[("MY_KEY", "made-up")]),
            ..ClientSettings::default()
        };
        let base = Foundry::from_settings(settings).expect("client");
        let derived = base
            .with_options(CallOverrides {
                default_headers: BTreeMap::from([("x-team".into(), "ads".into())]),
                timeout: Some(3.0),
                max_retries: Some(1),
            })
            .expect("overrides are valid");
        assert_eq!(derived.catalog().defaults.deadline_secs, 3.0);
        assert_eq!(derived.catalog().defaults.retry.max_retries, 1);
        assert_eq!(derived.catalog().defaults.headers["x-team"], "ads");
        assert_ne!(base.catalog().defaults.deadline_secs, 3.0);
        assert!(!base.catalog().defaults.headers.contains_key("x-team"));
        let err = base
            .with_options(CallOverrides {
                max_retries: Some(-2),
                ..CallOverrides::default()
            })
            .expect_err("refused");
        assert!(
            err.message.starts_with("with_options: max_retries"),
            "{err}"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let settings = ClientSettings {
            api_key: Some("made-up-secret-key-77".into()),
            default_headers: BTreeMap::from([("x-k".into(), "header-secret-88".into())]),
            env: env(&[("FOUNDRY_API_KEY", "env-secret-99")]),
            ..ClientSettings::default()
        };
        let text = format!("{settings:?}");
        for secret in ["made-up-secret-key-77", "header-secret-88", "env-secret-99"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("FOUNDRY_API_KEY"), "{text}");
    }
}
