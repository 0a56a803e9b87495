//! A catalog from the environment: the usage guide's `FOUNDRY_ENDPOINT`/`FOUNDRY_API_KEY`,
//! or the Azure SDK names, so existing shells and pods work unchanged.

use super::load::{
    normalize_endpoint, validate_deployment, Lookup, DEFAULT_API_VERSION,
    DEFAULT_RESPONSES_API_VERSION,
};
use super::{
    AuthConfig, Catalog, Defaults, Deployment, EntraConfig, Pricing, Secret, Shape, TokensParam,
};
use crate::{Error, Result};

pub(crate) fn from_env(lookup: Lookup) -> Result<Catalog> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let (endpoint, var) =
        match get("FOUNDRY_ENDPOINT") {
            Some(e) => (e, "FOUNDRY_ENDPOINT"),
            None => match get("AZURE_OPENAI_ENDPOINT") {
                Some(e) => (e, "AZURE_OPENAI_ENDPOINT"),
                None => return Err(
                    Error::config("the environment names no endpoint").with_hint(
                        "export FOUNDRY_ENDPOINT=https://<resource>.cognitiveservices.azure.com/ \
                     (and FOUNDRY_API_KEY, or rely on managed identity), or load a foundry.yaml",
                    ),
                ),
            },
        };
    let origin = format!("environment ({var})");
    let mut endpoint = normalize_endpoint(&endpoint, var, &origin)?;
    let shape = if let Some(base) = endpoint.strip_suffix("openai/v1/") {
        endpoint = base.to_string();
        Shape::V1
    } else if let Some(base) = endpoint.strip_suffix("models/") {
        endpoint = base.to_string();
        Shape::Inference
    } else {
        Shape::Azure
    };
    let auth = match get("FOUNDRY_API_KEY").or_else(|| get("AZURE_OPENAI_API_KEY")) {
        Some(key) => AuthConfig::ApiKey(Secret::new(key)),
        None => AuthConfig::Entra(EntraConfig {
            client_secret: get("AZURE_CLIENT_SECRET").map(Secret::new),
            ..EntraConfig::default()
        }),
    };
    let template = Deployment {
        name: String::new(),
        deployment: String::new(),
        model: None,
        endpoint,
        shape,
        api_version: get("OPENAI_API_VERSION").unwrap_or_else(|| DEFAULT_API_VERSION.into()),
        responses_api_version: DEFAULT_RESPONSES_API_VERSION.into(),
        auth,
        thinking: false,
        responses_only: false,
        max_tokens_param: TokensParam::MaxTokens,
        min_max_tokens: None,
        extra_parameters: None,
        pricing: Pricing::default(),
        tpm: None,
        rpm: None,
        tags: Default::default(),
        headers: Default::default(),
    };
    validate_deployment(&template, var, &origin)?;
    Ok(Catalog {
        deployments: Vec::new(),
        routes: Vec::new(),
        defaults: Defaults::default(),
        template: Some(template),
        origin,
    })
}
