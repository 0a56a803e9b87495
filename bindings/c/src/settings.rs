//! The JSON objects of foundry_client_new(), foundry_client_with_options() and
//! foundry_client_scope() turned into the core's `ClientSettings`, `CallOverrides` and
//! `ScopeSpec`. Conversion only: the precedence, the validation and every message about a
//! value are the core's (`Foundry::from_settings`, `Foundry::with_options`,
//! `ScopeSpec::from_json`); this file only refuses what cannot be converted (not JSON, an
//! unknown key, a value of the wrong JSON type), without echoing the value, which may be a key.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use ::foundry_client::{CallOverrides, CatalogSource, ClientSettings, Error, Result, ScopeSpec};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The keys of foundry_client_new()'s settings (tests/conformance/README.md's `client` table).
const SETTINGS_KEYS: &[&str] = &[
    "catalog",
    "catalog_path",
    "catalog_text",
    "endpoint",
    "api_key",
    "api_version",
    "deployment",
    "default_headers",
    "timeout",
    "max_retries",
    "env",
    "ca_pem",
];

/// The keys of foundry_client_with_options()'s overrides.
const OVERRIDE_KEYS: &[&str] = &["default_headers", "timeout", "max_retries"];

/// A JSON object argument whose keys are all known.
struct Fields {
    object: Map<String, Value>,
    arg: &'static str,
}

impl Fields {
    fn parse(text: &str, arg: &'static str, known: &[&str]) -> Result<Fields> {
        let hint = || {
            format!(
                "pass a JSON object with these keys (all optional): {}",
                known.join(", ")
            )
        };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("{arg} is not JSON: {e}")).with_hint(hint()))?;
        let Value::Object(object) = value else {
            return Err(Error::config(format!("{arg} must be a JSON object")).with_hint(hint()));
        };
        if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(
                Error::config(format!("{arg} has an unknown key \"{unknown}\"")).with_hint(hint()),
            );
        }
        Ok(Fields { object, arg })
    }

    /// The value of `key` as `T` (absent and `null` are `None`); `expected` says what it must
    /// be when it is not.
    fn take<T: DeserializeOwned>(&mut self, key: &str, expected: &str) -> Result<Option<T>> {
        match self.object.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|_| Error::config(format!("{}: \"{key}\" must be {expected}", self.arg))),
        }
    }

    fn headers(&mut self) -> Result<BTreeMap<String, String>> {
        let expected = "an object of header names to string values";
        Ok(self.take("default_headers", expected)?.unwrap_or_default())
    }

    fn overrides(&mut self) -> Result<CallOverrides> {
        Ok(CallOverrides {
            default_headers: self.headers()?,
            timeout: self.take("timeout", "a number of seconds")?,
            max_retries: self.take("max_retries", "a whole number")?,
        })
    }

    /// `catalog`, `catalog_path` or `catalog_text`: at most one of them.
    fn catalog(&mut self) -> Result<Option<CatalogSource>> {
        let value: Option<Value> = self.take("catalog", "an object in the catalog file format")?;
        let path: Option<String> = self.take("catalog_path", "a file path string")?;
        let text: Option<String> = self.take("catalog_text", "YAML or JSON catalog text")?;
        let origin = |key: &str| format!("{} \"{key}\"", self.arg);
        let mut sources = Vec::new();
        sources.extend(value.map(|value| CatalogSource::Value {
            value,
            origin: origin("catalog"),
        }));
        sources.extend(path.map(|p| CatalogSource::File(PathBuf::from(p))));
        sources.extend(text.map(|text| CatalogSource::Text {
            text,
            origin: origin("catalog_text"),
        }));
        if sources.len() > 1 {
            return Err(Error::config(format!(
                "{}: more than one of \"catalog\", \"catalog_path\" and \"catalog_text\"",
                self.arg
            ))
            .with_hint("pass the catalog once: as an object, a file path or text"));
        }
        Ok(sources.pop())
    }
}

/// foundry_client_new()'s `settings_json` as the core's settings (no event callback and no
/// token provider: the caller adds those).
pub(crate) fn client_settings(text: &str) -> Result<ClientSettings> {
    let mut fields = Fields::parse(text, "settings_json", SETTINGS_KEYS)?;
    let catalog = fields.catalog()?;
    let overrides = fields.overrides()?;
    let string = "a string";
    Ok(ClientSettings {
        catalog,
        endpoint: fields.take("endpoint", string)?,
        api_key: fields.take("api_key", string)?,
        api_version: fields.take("api_version", string)?,
        deployment: fields.take("deployment", string)?,
        default_headers: overrides.default_headers,
        timeout: overrides.timeout,
        max_retries: overrides.max_retries,
        env: fields.take::<HashMap<String, String>>(
            "env",
            "an object of variable names to string values",
        )?,
        ca_pem: fields.take("ca_pem", "a string of PEM certificates")?,
        on_event: None,
        token_provider: None,
    })
}

/// foundry_client_with_options()'s `overrides_json` as the core's overrides.
pub(crate) fn call_overrides(text: &str) -> Result<CallOverrides> {
    Fields::parse(text, "overrides_json", OVERRIDE_KEYS)?.overrides()
}

/// foundry_client_scope()'s `options_json` (None: no options) as the core's spec: the keys,
/// their types and their messages are `ScopeSpec::from_json`'s, so this only parses the text.
pub(crate) fn scope_spec(name: &str, options: Option<&str>) -> Result<ScopeSpec> {
    let value = match options {
        None => Value::Null,
        Some(text) => serde_json::from_str(text).map_err(|e| {
            Error::config(format!("scope('{name}'): options_json is not JSON: {e}"))
                .with_hint("pass NULL or a JSON object such as {\"budget\": {\"hard_usd\": 5}}")
        })?,
    };
    ScopeSpec::from_json(name, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_converts() {
        let settings = client_settings(
            r#"{"catalog_text": "deployments: []", "default_headers": {"x-team": "a"},
                "timeout": 12.5, "max_retries": 0, "env": {"K": "v"}, "ca_pem": null}"#,
        )
        .expect("converts");
        assert!(matches!(settings.catalog, Some(CatalogSource::Text { .. })));
        assert_eq!(settings.default_headers["x-team"], "a");
        assert_eq!(settings.timeout, Some(12.5));
        assert_eq!(settings.max_retries, Some(0));
        assert_eq!(settings.env.expect("env")["K"], "v");
        let empty = client_settings("{}").expect("the environment client");
        assert!(empty.catalog.is_none());
    }

    #[test]
    fn refusals_name_the_key_and_never_the_value() {
        for (json, needle) in [
            ("{oops", "settings_json is not JSON"),
            ("[]", "settings_json must be a JSON object"),
            (r#"{"apiKey": "x"}"#, "unknown key \"apiKey\""),
            (
                r#"{"timeout": "made-up-secret"}"#,
                "\"timeout\" must be a number",
            ),
            (
                r#"{"max_retries": 1.5}"#,
                "\"max_retries\" must be a whole number",
            ),
            (
                r#"{"catalog_path": "a.yaml", "catalog_text": "b"}"#,
                "more than one of",
            ),
        ] {
            let err = client_settings(json).expect_err(json);
            assert!(err.message.contains(needle), "{json}: {err}");
            assert!(!err.message.contains("made-up-secret"), "{err}");
        }
        let err = call_overrides(r#"{"endpoint": "x"}"#).expect_err("not an override");
        assert!(
            err.message.contains("overrides_json has an unknown key"),
            "{err}"
        );
    }

    #[test]
    fn scope_options_are_the_cores() {
        let spec = scope_spec("bot", Some(r#"{"rpm": 6, "tags": {"team": "c"}}"#)).expect("spec");
        assert_eq!((spec.name.as_str(), spec.rpm), ("bot", Some(6)));
        assert_eq!(spec.tags["team"], "c");
        assert_eq!(scope_spec("bot", None).expect("none").rpm, None);
        let err = scope_spec("bot", Some("{oops")).expect_err("not JSON");
        assert!(
            err.message
                .starts_with("scope('bot'): options_json is not JSON"),
            "{err}"
        );
        let err = scope_spec("bot", Some(r#"{"max_budget": 5}"#)).expect_err("unknown");
        assert!(err.message.contains("unknown field `max_budget`"), "{err}");
    }
}
