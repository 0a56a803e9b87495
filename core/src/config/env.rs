//! A catalog from the environment: the usage guide's `FOUNDRY_ENDPOINT`/`FOUNDRY_API_KEY`,
//! or the Azure SDK names, so existing shells and pods work unchanged.

use super::key_vault::key_or_reference;
use super::load::{normalize_endpoint, validate_deployment, Lookup};
use super::{AuthConfig, Catalog, Defaults, Deployment, EntraConfig, Secret, Shape};
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
        Some(key) => key_or_reference(key, "FOUNDRY_API_KEY", "environment", lookup)?,
        None => AuthConfig::Entra(EntraConfig {
            client_secret: get("AZURE_CLIENT_SECRET").map(Secret::new),
            ..EntraConfig::default()
        }),
    };
    let mut template = Deployment::new("", endpoint);
    template.shape = shape;
    template.auth = auth;
    if let Some(version) = get("OPENAI_API_VERSION") {
        template.api_version = version;
    }
    validate_deployment(&template, var, &origin)?;
    Ok(Catalog {
        deployments: Vec::new(),
        routes: Vec::new(),
        defaults: Defaults::default(),
        governance: super::Governance::default(),
        template: Some(template),
        origin,
    })
}
