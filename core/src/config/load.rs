//! The file format (YAML or JSON) and its resolution into a [`Catalog`].

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::key_vault::{self, key_or_reference};
use super::{
    governance, litellm, AuthConfig, Catalog, CircuitBreaker, Defaults, Deployment, EntraConfig,
    ExtraParameters, Governance, Limits, Pricing, RetryBudget, RetryPolicy, Route, Secret, Shape,
    TokenFetch, TokensParam,
};
use crate::{Error, Result};

pub(crate) const DEFAULT_API_VERSION: &str = "2024-10-21";
pub(crate) const DEFAULT_RESPONSES_API_VERSION: &str = "2025-04-01-preview";

pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    deployments: Vec<RawDeployment>,
    #[serde(default)]
    routes: Vec<RawRoute>,
    governance: Option<governance::RawGovernance>,
    /// Read by the emulator only.
    #[serde(default, rename = "emulator")]
    _emulator: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    endpoint: Option<String>,
    shape: Option<Shape>,
    api_version: Option<String>,
    responses_api_version: Option<String>,
    auth: Option<RawAuth>,
    timeout_secs: Option<f64>,
    deadline_secs: Option<f64>,
    retry: Option<RetryPolicy>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    extra_parameters: Option<ExtraParameters>,
    limits: Option<Limits>,
    token_fetch: Option<TokenFetch>,
    retry_budget: Option<RetryBudget>,
    circuit_breaker: Option<CircuitBreaker>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeployment {
    pub name: String,
    pub deployment: Option<String>,
    pub model: Option<String>,
    pub endpoint: Option<String>,
    pub shape: Option<Shape>,
    pub api_version: Option<String>,
    pub responses_api_version: Option<String>,
    pub auth: Option<RawAuth>,
    #[serde(default)]
    pub thinking: bool,
    #[serde(default)]
    pub responses_only: bool,
    pub max_tokens_param: Option<TokensParam>,
    pub min_max_tokens: Option<u64>,
    pub extra_parameters: Option<ExtraParameters>,
    #[serde(default)]
    pub pricing: Pricing,
    pub tpm: Option<u64>,
    pub rpm: Option<u64>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub retry_after_send: bool,
}

#[derive(Deserialize, Clone)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum RawAuth {
    ApiKey {
        key: Option<String>,
        env: Option<String>,
    },
    Entra(EntraConfig),
    KeyVault(super::key_vault::RawKeyVault),
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    name: String,
    deployments: Vec<String>,
    #[serde(default)]
    fallback_on_content_filter: bool,
}

pub(crate) fn from_path(path: &Path, lookup: Lookup) -> Result<Catalog> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!("{origin}: cannot read the catalog: {e}"))
            .with_hint(
                "pass the path of a foundry.yaml (see the README), or use Foundry::from_env()",
            )
            .with_source(&e)
    })?;
    from_text(&text, &origin, lookup)
}

pub(crate) fn from_text(text: &str, origin: &str, lookup: Lookup) -> Result<Catalog> {
    let value: Value = yaml_serde::from_str(text).map_err(|e| {
        Error::config(format!("{origin}: not valid YAML or JSON: {e}"))
            .with_hint("fix the syntax at the line and column named")
            .with_source(&e)
    })?;
    from_json_value(value, origin, lookup)
}

pub(crate) fn from_json_value(mut value: Value, origin: &str, lookup: Lookup) -> Result<Catalog> {
    interpolate(&mut value, "", origin, lookup)?;
    if value.get("model_list").is_some() {
        return litellm::from_value(value, origin, lookup);
    }
    if value.is_null() {
        return Err(Error::config(format!("{origin}: the catalog is empty"))
            .with_hint("list at least one deployment under `deployments:`"));
    }
    let raw: RawCatalog = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Error::config(format!("{origin}: {path}: {}", e.inner()))
            .with_hint("fix or remove that key; the README's configuration section lists every key")
    })?;
    resolve(raw, origin, lookup)
}

/// Replaces `${NAME}` and `${NAME:-default}` in every string of the tree.
fn interpolate(value: &mut Value, path: &str, origin: &str, lookup: Lookup) -> Result<()> {
    match value {
        Value::String(s) if s.contains("${") => {
            *s = expand(s, path, origin, lookup)?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate(item, &format!("{path}[{i}]"), origin, lookup)?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                interpolate(v, &child, origin, lookup)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn expand(s: &str, path: &str, origin: &str, lookup: Lookup) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            Error::config(format!("{origin}: {path}: unclosed '${{' in '{s}'"))
                .with_hint("write ${NAME} or ${NAME:-default}")
        })?;
        let expr = &after[..end];
        let (name, default) = match expr.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (expr, None),
        };
        match lookup(name)
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_string))
        {
            Some(v) => out.push_str(&v),
            None => {
                return Err(Error::config(format!(
                    "{origin}: {path}: environment variable {name} is not set"
                ))
                .with_hint(format!(
                    "export {name}, or write ${{{name}:-default}} in the file"
                )))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

pub(crate) fn resolve_auth(
    raw: &RawAuth,
    key_path: &str,
    origin: &str,
    lookup: Lookup,
) -> Result<AuthConfig> {
    match raw {
        RawAuth::None => Ok(AuthConfig::None),
        RawAuth::ApiKey {
            key: Some(k),
            env: None,
        } => key_or_reference(k.clone(), &format!("{key_path}.key"), origin, lookup),
        RawAuth::ApiKey { key: None, env } => {
            let name = env.as_deref().unwrap_or("FOUNDRY_API_KEY");
            match lookup(name).filter(|v| !v.is_empty()) {
                Some(v) => key_or_reference(v, &format!("{key_path}.env ({name})"), origin, lookup),
                None => Err(Error::config(format!(
                    "{origin}: {key_path}.env: the API key variable {name} is not set"
                ))
                .with_hint(format!(
                    "export {name}=keyvault://<vault>/<secret> (the key is then read from Key Vault \
                     at run time and follows its rotations), or {name}=$(az keyvault secret show \
                     --vault-name <vault> --name <secret> --query value -o tsv), or use \
                     `auth: {{type: entra}}` for managed identity"
                ))),
            }
        }
        RawAuth::ApiKey {
            key: Some(_),
            env: Some(_),
        } => Err(Error::config(format!(
            "{origin}: {key_path}: both `key` and `env` are set"
        ))
        .with_hint("keep `env` (the key then stays out of the file)")),
        RawAuth::Entra(cfg) => {
            resolve_entra(cfg.clone(), key_path, origin, lookup).map(AuthConfig::Entra)
        }
        RawAuth::KeyVault(raw) => key_vault::resolve(raw, key_path, origin, lookup),
    }
}

/// An `entra:` setting with its client secret read from the environment and its authority
/// host checked.
pub(crate) fn resolve_entra(
    mut cfg: EntraConfig,
    key_path: &str,
    origin: &str,
    lookup: Lookup,
) -> Result<EntraConfig> {
    let secret_var = cfg
        .client_secret_env
        .clone()
        .unwrap_or_else(|| "AZURE_CLIENT_SECRET".into());
    cfg.client_secret = lookup(&secret_var)
        .filter(|v| !v.is_empty())
        .map(Secret::new);
    if let Some(host) = &cfg.authority_host {
        if !host.starts_with("https://") {
            return Err(Error::config(format!(
                "{origin}: {key_path}.authority_host: '{host}' is not https"
            ))
            .with_hint("Entra ID authority hosts must be https URLs"));
        }
    }
    Ok(cfg)
}

fn resolve(raw: RawCatalog, origin: &str, lookup: Lookup) -> Result<Catalog> {
    let d = &raw.defaults;
    let default_auth = match &d.auth {
        Some(a) => Some(resolve_auth(a, "defaults.auth", origin, lookup)?),
        None => None,
    };
    let mut deployments = Vec::with_capacity(raw.deployments.len());
    let mut seen = HashSet::new();
    for (i, rd) in raw.deployments.into_iter().enumerate() {
        let key = format!("deployments[{i}]");
        if rd.name.trim().is_empty() {
            return Err(Error::config(format!("{origin}: {key}.name is empty"))
                .with_hint("name the deployment as the service does (case- and dot-sensitive)"));
        }
        if !seen.insert(rd.name.clone()) {
            return Err(Error::config(format!(
                "{origin}: {key}.name: '{}' is listed twice",
                rd.name
            ))
            .with_hint("give each deployment a unique name; use a route to group them"));
        }
        let auth = match &rd.auth {
            Some(a) => resolve_auth(a, &format!("{key}.auth"), origin, lookup)?,
            None => default_auth.clone().unwrap_or_default(),
        };
        let endpoint = rd.endpoint.clone().or_else(|| d.endpoint.clone()).ok_or_else(|| {
            Error::config(format!("{origin}: {key}.endpoint: no endpoint for '{}'", rd.name))
                .with_hint("set `endpoint:` on the deployment or under `defaults:` (e.g. ${FOUNDRY_ENDPOINT})")
        })?;
        let deployment = Deployment {
            deployment: rd.deployment.clone().unwrap_or_else(|| rd.name.clone()),
            name: rd.name,
            model: rd.model,
            endpoint: normalize_endpoint(&endpoint, &format!("{key}.endpoint"), origin)?,
            shape: rd.shape.or(d.shape).unwrap_or_default(),
            api_version: rd
                .api_version
                .or_else(|| d.api_version.clone())
                .unwrap_or_else(|| DEFAULT_API_VERSION.into()),
            responses_api_version: rd
                .responses_api_version
                .or_else(|| d.responses_api_version.clone())
                .unwrap_or_else(|| DEFAULT_RESPONSES_API_VERSION.into()),
            auth,
            thinking: rd.thinking,
            responses_only: rd.responses_only,
            max_tokens_param: rd.max_tokens_param.unwrap_or_default(),
            min_max_tokens: rd.min_max_tokens,
            extra_parameters: rd.extra_parameters.or(d.extra_parameters),
            pricing: rd.pricing,
            tpm: rd.tpm,
            rpm: rd.rpm,
            tags: rd.tags,
            headers: rd.headers,
            retry_after_send: rd.retry_after_send,
        };
        validate_deployment(&deployment, &key, origin)?;
        deployments.push(deployment);
    }
    let defaults = Defaults {
        timeout_secs: d.timeout_secs.unwrap_or(Defaults::default().timeout_secs),
        deadline_secs: d.deadline_secs.unwrap_or(Defaults::default().deadline_secs),
        retry: d.retry.unwrap_or_default(),
        headers: d.headers.clone(),
        limits: d.limits.unwrap_or_default(),
        token_fetch: d.token_fetch.unwrap_or_default(),
        retry_budget: d.retry_budget.unwrap_or_default(),
        circuit_breaker: d.circuit_breaker.unwrap_or_default(),
    };
    validate_defaults(&defaults, origin)?;
    let routes = raw
        .routes
        .into_iter()
        .map(|r| Route {
            name: r.name,
            deployments: r.deployments,
            fallback_on_content_filter: r.fallback_on_content_filter,
        })
        .collect();
    let governance = match raw.governance {
        Some(g) => governance::resolve(g, &deployments, origin)?,
        None => Governance::default(),
    };
    let catalog = Catalog {
        deployments,
        routes,
        defaults,
        governance,
        template: None,
        origin: origin.to_string(),
    };
    validate_routes(&catalog)?;
    Ok(catalog)
}

/// The longest timeout or deadline accepted, in seconds (a week): anything longer is a typo,
/// and every value must convert to a `Duration` and add to an `Instant` without overflow.
pub const MAX_SECONDS: f64 = 7.0 * 24.0 * 3600.0;
/// The most retries per deployment: each one is a new billed request.
pub const MAX_RETRIES: u32 = 10;
/// The longest wait, in milliseconds, a retry setting may name (an hour).
pub(crate) const MAX_WAIT_MS: u64 = 3_600_000;

/// Checks a number of seconds from a file, a builder or a request: finite, positive and at
/// most [`MAX_SECONDS`], so no conversion to a `Duration` can panic.
pub fn check_seconds(value: f64, what: &str) -> std::result::Result<(), String> {
    if value.is_finite() && value > 0.0 && value <= MAX_SECONDS {
        Ok(())
    } else {
        Err(format!(
            "{what} must be a positive number of seconds, at most {MAX_SECONDS} (a week), got {value}"
        ))
    }
}

/// Timeouts, retry policy and limits, wherever the catalog came from.
pub(crate) fn validate_defaults(d: &Defaults, origin: &str) -> Result<()> {
    let seconds_hint = "use a number of seconds such as 60";
    check_seconds(d.timeout_secs, "defaults.timeout_secs")
        .and_then(|_| check_seconds(d.deadline_secs, "defaults.deadline_secs"))
        .map_err(|m| Error::config(format!("{origin}: {m}")).with_hint(seconds_hint))?;
    let r = &d.retry;
    let retry_error = |m: String| {
        Error::config(format!("{origin}: defaults.retry: {m}")).with_hint(
            "e.g. `retry: {max_retries: 3, base_delay_ms: 250, max_delay_ms: 8000, max_server_wait_ms: 30000}`",
        )
    };
    if r.max_retries > MAX_RETRIES {
        return Err(retry_error(format!(
            "max_retries is {}, at most {MAX_RETRIES} are allowed (each retry is a billed request)",
            r.max_retries
        )));
    }
    if r.base_delay_ms == 0 {
        return Err(retry_error(
            "base_delay_ms must be at least 1: retries without a pause hammer a failing service"
                .into(),
        ));
    }
    if r.max_delay_ms < r.base_delay_ms {
        return Err(retry_error(format!(
            "max_delay_ms ({}) is below base_delay_ms ({})",
            r.max_delay_ms, r.base_delay_ms
        )));
    }
    for (name, value) in [
        ("base_delay_ms", r.base_delay_ms),
        ("max_delay_ms", r.max_delay_ms),
        ("max_server_wait_ms", r.max_server_wait_ms),
    ] {
        if value > MAX_WAIT_MS {
            return Err(retry_error(format!(
                "{name} is {value}, at most {MAX_WAIT_MS} (an hour) is allowed"
            )));
        }
    }
    let l = &d.limits;
    for (name, value) in [
        ("max_body_bytes", l.max_body_bytes),
        ("max_error_body_bytes", l.max_error_body_bytes),
        ("max_stream_bytes", l.max_stream_bytes),
    ] {
        if value == 0 || value > 1 << 32 {
            return Err(Error::config(format!(
                "{origin}: defaults.limits.{name} is {value}: it must be between 1 and 4 GiB"
            ))
            .with_hint("the defaults are 32 MiB (body), 64 KiB (error body), 64 MiB (stream)"));
        }
    }
    validate_retry_budget(&d.retry_budget, origin)?;
    validate_circuit_breaker(&d.circuit_breaker, origin)?;
    validate_token_fetch(&d.token_fetch, origin)
}

/// The longest failure memory accepted: longer would turn one blip of the identity endpoint
/// into a minute of failed calls.
pub(crate) const MAX_FAILURE_MEMORY_MS: u64 = 60_000;

fn validate_token_fetch(t: &TokenFetch, origin: &str) -> Result<()> {
    let hint =
        "e.g. `token_fetch: {timeout_secs: 30, failure_memory_ms: 2000, max_retry_after_secs: 30}`";
    check_seconds(t.timeout_secs, "defaults.token_fetch.timeout_secs")
        .and_then(|_| {
            check_seconds(
                t.max_retry_after_secs,
                "defaults.token_fetch.max_retry_after_secs",
            )
        })
        .map_err(|m| Error::config(format!("{origin}: {m}")).with_hint(hint))?;
    if t.failure_memory_ms > MAX_FAILURE_MEMORY_MS {
        return Err(Error::config(format!(
            "{origin}: defaults.token_fetch.failure_memory_ms is {}, at most {MAX_FAILURE_MEMORY_MS} (a minute) is allowed",
            t.failure_memory_ms
        ))
        .with_hint(format!("{hint}; 0 turns the failure memory off")));
    }
    Ok(())
}

/// The largest retry budget accepted: far above any useful one, and small enough that token
/// arithmetic on a `u32` never comes near overflowing.
pub(crate) const MAX_BUDGET_CAPACITY: u32 = 1_000_000;

fn validate_retry_budget(b: &RetryBudget, origin: &str) -> Result<()> {
    let budget_error = |m: String| {
        Error::config(format!("{origin}: defaults.retry_budget: {m}")).with_hint(
            "e.g. `retry_budget: {capacity: 500, retry_cost: 5, timeout_cost: 10, refill: 1}`, \
             or `retry_budget: {enabled: false}` to rely on max_retries alone",
        )
    };
    if b.capacity == 0 || b.capacity > MAX_BUDGET_CAPACITY {
        return Err(budget_error(format!(
            "capacity is {}: it must be between 1 and {MAX_BUDGET_CAPACITY}",
            b.capacity
        )));
    }
    for (name, cost) in [
        ("retry_cost", b.retry_cost),
        ("timeout_cost", b.timeout_cost),
    ] {
        // A free retry would make the budget unlimited; one dearer than the bucket, impossible.
        if cost == 0 || cost > b.capacity {
            return Err(budget_error(format!(
                "{name} is {cost}: it must be between 1 and the capacity ({})",
                b.capacity
            )));
        }
    }
    if b.refill > b.capacity {
        return Err(budget_error(format!(
            "refill is {}, above the capacity ({})",
            b.refill, b.capacity
        )));
    }
    Ok(())
}

/// The most consecutive failures a breaker may wait for: beyond this it would never open.
pub(crate) const MAX_FAILURE_THRESHOLD: u32 = 1_000;

fn validate_circuit_breaker(c: &CircuitBreaker, origin: &str) -> Result<()> {
    let breaker_error = |m: String| {
        Error::config(format!("{origin}: defaults.circuit_breaker: {m}")).with_hint(
            "e.g. `circuit_breaker: {failure_threshold: 5, cooldown_ms: 30000}`, \
             or `circuit_breaker: {enabled: false}`",
        )
    };
    if c.failure_threshold == 0 || c.failure_threshold > MAX_FAILURE_THRESHOLD {
        return Err(breaker_error(format!(
            "failure_threshold is {}: it must be between 1 and {MAX_FAILURE_THRESHOLD}",
            c.failure_threshold
        )));
    }
    if c.cooldown_ms == 0 || c.cooldown_ms > MAX_WAIT_MS {
        return Err(breaker_error(format!(
            "cooldown_ms is {}: it must be between 1 and {MAX_WAIT_MS} (an hour)",
            c.cooldown_ms
        )));
    }
    Ok(())
}

pub(crate) fn normalize_endpoint(endpoint: &str, key: &str, origin: &str) -> Result<String> {
    let endpoint = endpoint.trim();
    let example = "use the resource endpoint, e.g. https://<resource>.cognitiveservices.azure.com/";
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        return Err(Error::config(format!(
            "{origin}: {key}: '{endpoint}' is not an http(s) URL"
        ))
        .with_hint(example));
    }
    let url = reqwest::Url::parse(endpoint).map_err(|e| {
        Error::config(format!("{origin}: {key}: not a valid URL: {e}")).with_hint(example)
    })?;
    // Each of these would be sent somewhere the client does not mean: a query or fragment is
    // mangled by the path the client appends, credentials in the URL travel to every host.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "{origin}: {key}: the endpoint carries a user name or password"
        ))
        .with_hint("remove `user:password@` from the URL and configure `auth:` instead"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        let host = url.host_str().unwrap_or_default();
        return Err(Error::config(format!(
            "{origin}: {key}: the endpoint for {host} has a query or a fragment"
        ))
        .with_hint(
            "give the endpoint without `?...` or `#...`: set the api-version with `api_version:`",
        ));
    }
    let mut e = endpoint.to_string();
    if !e.ends_with('/') {
        e.push('/');
    }
    Ok(e)
}

pub(crate) fn validate_deployment(d: &Deployment, key: &str, origin: &str) -> Result<()> {
    for (field, value) in [("name", &d.name), ("deployment", &d.deployment)] {
        // `.` and `..` would be resolved as path segments and change which URL is called.
        if value == "." || value == ".." {
            return Err(Error::config(format!(
                "{origin}: {key}.{field}: '{value}' is not a deployment name"
            ))
            .with_hint("use the deployment's name as the service lists it"));
        }
    }
    let has_credential = !matches!(d.auth, AuthConfig::None);
    if has_credential && !super::endpoint::secret_may_travel_to(&d.endpoint) {
        return Err(Error::config(format!(
            "{origin}: {key}.endpoint: '{}' is plain http and the deployment has a credential",
            d.endpoint
        ))
        .with_hint("use https: keys and tokens are only ever sent over plain http to loopback"));
    }
    let p = &d.pricing;
    if p.input < 0.0 || p.output < 0.0 || p.cached_input.is_some_and(|c| c < 0.0) {
        return Err(Error::config(format!(
            "{origin}: {key}.pricing: prices cannot be negative"
        ))
        .with_hint("prices are USD per 1M tokens, e.g. `pricing: {input: 4.0, output: 16.0}`"));
    }
    if d.tpm == Some(0) || d.rpm == Some(0) {
        return Err(Error::config(format!(
            "{origin}: {key}: tpm/rpm of 0 would block every call"
        ))
        .with_hint("remove the limit or set a positive number"));
    }
    Ok(())
}

pub(crate) fn validate_routes(catalog: &Catalog) -> Result<()> {
    let origin = &catalog.origin;
    for (i, route) in catalog.routes.iter().enumerate() {
        if catalog.deployment(&route.name).is_some() {
            return Err(Error::config(format!(
                "{origin}: routes[{i}].name: '{}' is also a deployment name",
                route.name
            ))
            .with_hint("give the route an alias of its own"));
        }
        if route.deployments.is_empty() {
            return Err(
                Error::config(format!("{origin}: routes[{i}].deployments is empty"))
                    .with_hint("list the deployments to try, in order"),
            );
        }
        for (j, name) in route.deployments.iter().enumerate() {
            if catalog.deployment(name).is_none() {
                return Err(Error::config(format!(
                    "{origin}: routes[{i}].deployments[{j}]: unknown deployment '{name}'"
                ))
                .with_hint(
                    "list it under `deployments:` or fix the name (case- and dot-sensitive)",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod key_list_tests {
    use super::super::keys::{assert_listed, fields_of};
    use super::*;

    #[test]
    fn catalog_keys_lists_every_field_the_loader_reads() {
        let top: Vec<&str> = fields_of::<RawCatalog>()
            .iter()
            .copied()
            .filter(|f| *f != "emulator") // read by the emulator only
            .collect();
        assert_listed("", &top);
        for (prefix, fields) in [
            ("defaults", fields_of::<RawDefaults>()),
            ("defaults.retry", fields_of::<RetryPolicy>()),
            ("defaults.limits", fields_of::<Limits>()),
            ("defaults.token_fetch", fields_of::<TokenFetch>()),
            ("defaults.retry_budget", fields_of::<RetryBudget>()),
            ("defaults.circuit_breaker", fields_of::<CircuitBreaker>()),
            ("deployments[]", fields_of::<RawDeployment>()),
            ("deployments[].pricing", fields_of::<Pricing>()),
            ("routes[]", fields_of::<RawRoute>()),
        ] {
            assert_listed(prefix, fields);
        }
        // `auth` is tagged by `type`: `api_key` reads key/env, `entra` the EntraConfig fields,
        // `key_vault` its own.
        let mut auth = vec!["type", "key", "env"];
        auth.extend(fields_of::<EntraConfig>());
        auth.extend(fields_of::<super::super::key_vault::RawKeyVault>());
        assert_listed("defaults.auth", &auth);
        assert_listed("deployments[].auth", &auth);
    }
}
