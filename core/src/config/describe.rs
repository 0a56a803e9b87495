//! A deployment as JSON for the bindings' deployment lists: every setting a caller may want
//! to show or check, and never a secret (auth is named by its type only).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{AuthConfig, CredentialKind, Deployment, ExtraParameters, Pricing, Shape, TokensParam};

/// One deployment of a binding's deployment list ([`Deployment::to_json`]): a struct so that
/// the bindings' declarations of it (Node's, through the `ts` feature) are generated from it.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NormalizedDeployment"))]
pub struct DeploymentListing {
    /// What callers pass as `model`.
    pub name: String,
    /// The deployment name on the service.
    pub deployment: String,
    pub model: Option<String>,
    pub endpoint: String,
    pub shape: Shape,
    pub api_version: String,
    pub responses_api_version: String,
    /// How requests authenticate: `api_key`, `entra`, `key_vault` (an API key read from Key
    /// Vault) or `none`; never the key.
    #[cfg_attr(
        feature = "ts",
        ts(type = "'api_key' | 'entra' | 'key_vault' | 'none'")
    )]
    pub auth: &'static str,
    /// The Entra credential, for `entra` and `key_vault` (the one that reads the vault).
    pub credential: Option<CredentialKind>,
    pub thinking: bool,
    pub responses_only: bool,
    pub max_tokens_param: TokensParam,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub min_max_tokens: Option<u64>,
    pub extra_parameters: Option<ExtraParameters>,
    /// USD per 1M tokens.
    pub pricing: Pricing,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub tpm: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub rpm: Option<u64>,
    // Every key present: ts-rs would declare a map's values optional.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub tags: BTreeMap<String, String>,
}

impl AuthConfig {
    /// How requests authenticate, for a person: the type, the Entra credential, and for
    /// `key_vault` where the key is read from (a vault and a secret's name are not secrets).
    /// Never a key or token. Pure computation.
    pub fn summary(&self) -> String {
        let credential = |c: CredentialKind| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        match self {
            AuthConfig::ApiKey(_) => "api_key".into(),
            AuthConfig::Entra(entra) => format!("entra ({})", credential(entra.credential)),
            AuthConfig::KeyVault(vault) => format!(
                "key_vault {}secrets/{} ({})",
                vault.vault_url,
                vault.secret,
                credential(vault.entra.credential)
            ),
            AuthConfig::None => "none".into(),
        }
    }
}

impl Deployment {
    /// The deployment for a deployment list: every setting a caller may want to show or
    /// check, never a secret. Pure computation.
    pub fn listing(&self) -> DeploymentListing {
        let (auth, credential) = match &self.auth {
            AuthConfig::ApiKey(_) => ("api_key", None),
            AuthConfig::Entra(entra) => ("entra", Some(entra.credential)),
            AuthConfig::KeyVault(vault) => ("key_vault", Some(vault.entra.credential)),
            AuthConfig::None => ("none", None),
        };
        DeploymentListing {
            name: self.name.clone(),
            deployment: self.deployment.clone(),
            model: self.model.clone(),
            endpoint: self.endpoint.clone(),
            shape: self.shape,
            api_version: self.api_version.clone(),
            responses_api_version: self.responses_api_version.clone(),
            auth,
            credential,
            thinking: self.thinking,
            responses_only: self.responses_only,
            max_tokens_param: self.max_tokens_param,
            min_max_tokens: self.min_max_tokens,
            extra_parameters: self.extra_parameters,
            pricing: self.pricing,
            tpm: self.tpm,
            rpm: self.rpm,
            tags: self.tags.clone(),
        }
    }

    /// [`Deployment::listing`] as a JSON object with snake_case keys. Pure computation.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.listing()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_settings_and_never_the_key() {
        let d = Deployment::new("gpt-5.4", "https://res.cognitiveservices.azure.com/")
            .api_key("very-secret-key")
            .max_completion_tokens()
            .pricing(4.0, 16.0);
        let v = d.to_json();
        assert_eq!(v["name"], "gpt-5.4");
        assert_eq!(v["shape"], "azure");
        assert_eq!(v["auth"], "api_key");
        assert_eq!(v["credential"], Value::Null);
        assert_eq!(v["max_tokens_param"], "max_completion_tokens");
        assert_eq!(v["pricing"]["output"], 16.0);
        assert!(!v.to_string().contains("very-secret-key"));
        assert_eq!(d.auth.summary(), "api_key");
    }

    #[test]
    fn a_key_vault_deployment_names_the_vault_and_secret() {
        let vault = super::super::KeyVaultConfig::new("aucertdev-kv-41e0x5", "foundry-api-key")
            .expect("vault");
        let d =
            Deployment::new("gpt-5.4", "https://res.cognitiveservices.azure.com/").key_vault(vault);
        let v = d.to_json();
        assert_eq!(v["auth"], "key_vault");
        assert_eq!(v["credential"], "default");
        assert_eq!(
            d.auth.summary(),
            "key_vault https://aucertdev-kv-41e0x5.vault.azure.net/secrets/foundry-api-key (default)"
        );
    }
}
