//! LiteLLM's `model_list` format, so an existing gateway config ports as it is:
//! `azure/<deployment>` is an Azure OpenAI deployment, `azure_ai/<model>` a model-inference
//! deployment, anything else an OpenAI-compatible server. Entries sharing a `model_name`
//! become a route tried in order.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::key_vault::key_or_reference;
use super::load::{
    normalize_endpoint, resolve_auth, validate_deployment, validate_routes, Lookup, RawAuth,
};
use super::{Catalog, Defaults, Deployment, Pricing, Route, Shape};
use crate::{Error, Result};

#[derive(Deserialize)]
struct RawLiteLlm {
    model_list: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawEntry {
    model_name: String,
    litellm_params: RawParams,
}

#[derive(Deserialize)]
struct RawParams {
    model: String,
    api_base: Option<String>,
    api_key: Option<String>,
    api_version: Option<String>,
    rpm: Option<u64>,
    tpm: Option<u64>,
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
}

/// `os.environ/NAME` means "the value of NAME".
fn env_ref(value: &str, key: &str, origin: &str, lookup: Lookup) -> Result<String> {
    match value.strip_prefix("os.environ/") {
        Some(name) => lookup(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::config(format!(
                "{origin}: {key}: environment variable {name} is not set"
            ))
            .with_hint(format!("export {name}"))
        }),
        None => Ok(value.to_string()),
    }
}

pub(crate) fn from_value(value: Value, origin: &str, lookup: Lookup) -> Result<Catalog> {
    let raw: RawLiteLlm = serde_path_to_error::deserialize(value).map_err(|e| {
        Error::config(format!("{origin}: {}: {}", e.path(), e.inner()))
            .with_hint("each model_list entry needs model_name and litellm_params.model")
    })?;
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut deployments = Vec::new();
    for (i, entry) in raw.model_list.into_iter().enumerate() {
        let key = format!("model_list[{i}].litellm_params");
        let p = entry.litellm_params;
        let (shape, service_name) = match p.model.split_once('/') {
            Some(("azure", rest)) => (Shape::Azure, rest.to_string()),
            Some(("azure_ai", rest)) => (Shape::Inference, rest.to_string()),
            Some(("openai", rest)) => (Shape::Openai, rest.to_string()),
            _ => (Shape::Openai, p.model.clone()),
        };
        let base = match &p.api_base {
            Some(b) => env_ref(b, &format!("{key}.api_base"), origin, lookup)?,
            None => {
                return Err(
                    Error::config(format!("{origin}: {key}.api_base is missing")).with_hint(
                        "set api_base to the resource endpoint (os.environ/AZURE_API_BASE)",
                    ),
                )
            }
        };
        // azure_ai api_base usually ends in /models; the shape adds that segment itself.
        let base = base.trim_end_matches('/');
        let base = if shape == Shape::Inference {
            base.trim_end_matches("/models")
        } else {
            base
        };
        let auth = match &p.api_key {
            Some(k) => key_or_reference(
                env_ref(k, &format!("{key}.api_key"), origin, lookup)?,
                &format!("{key}.api_key"),
                origin,
                lookup,
            )?,
            None => resolve_auth(&RawAuth::Entra(Default::default()), &key, origin, lookup)?,
        };
        let per_million = |v: Option<f64>| v.map(|c| c * 1_000_000.0);
        // Unique name per entry: the model_name when it is alone, else suffixed.
        let name = format!("{}#{}", entry.model_name, i);
        let mut d = Deployment::new(
            name.clone(),
            normalize_endpoint(base, &format!("{key}.api_base"), origin)?,
        );
        d.deployment = service_name;
        d.shape = shape;
        if let Some(version) = p.api_version {
            d.api_version = version;
        }
        d.auth = auth;
        d.pricing = Pricing {
            input: per_million(p.input_cost_per_token).unwrap_or(0.0),
            cached_input: per_million(p.cache_read_input_token_cost),
            output: per_million(p.output_cost_per_token).unwrap_or(0.0),
        };
        d.tpm = p.tpm;
        d.rpm = p.rpm;
        validate_deployment(&d, &key, origin)?;
        if !groups.contains_key(&entry.model_name) {
            order.push(entry.model_name.clone());
        }
        groups.entry(entry.model_name).or_default().push(name);
        deployments.push(d);
    }
    let mut routes = Vec::new();
    for model_name in order {
        let members = &groups[&model_name];
        if members.len() == 1 {
            // A lone entry is addressed by its model_name directly.
            if let Some(d) = deployments.iter_mut().find(|d| d.name == members[0]) {
                d.name = model_name.clone();
            }
        } else {
            routes.push(Route {
                name: model_name,
                deployments: members.clone(),
                fallback_on_content_filter: false,
            });
        }
    }
    let catalog = Catalog {
        deployments,
        routes,
        defaults: Defaults::default(),
        governance: super::Governance::default(),
        template: None,
        origin: origin.to_string(),
    };
    validate_routes(&catalog)?;
    Ok(catalog)
}
