//! A deployment as JSON for the bindings' deployment lists: every setting a caller may want
//! to show or check, and never a secret (auth is named by its type only).

use serde_json::{json, Value};

use super::{AuthConfig, Deployment};

impl Deployment {
    /// The deployment as a JSON object with snake_case keys: `name`, `deployment`, `model`,
    /// `endpoint`, `shape`, `api_version`, `responses_api_version`, `auth` (`api_key`,
    /// `entra` or `none`), `credential` (the Entra credential, else null), `thinking`,
    /// `responses_only`, `max_tokens_param`, `min_max_tokens`, `extra_parameters`, `pricing`,
    /// `tpm`, `rpm`, `tags`. Pure computation.
    pub fn to_json(&self) -> Value {
        let (auth, credential) = match &self.auth {
            AuthConfig::ApiKey(_) => ("api_key", None),
            AuthConfig::Entra(entra) => ("entra", Some(entra.credential)),
            AuthConfig::None => ("none", None),
        };
        json!({
            "name": self.name,
            "deployment": self.deployment,
            "model": self.model,
            "endpoint": self.endpoint,
            "shape": self.shape,
            "api_version": self.api_version,
            "responses_api_version": self.responses_api_version,
            "auth": auth,
            "credential": credential,
            "thinking": self.thinking,
            "responses_only": self.responses_only,
            "max_tokens_param": self.max_tokens_param,
            "min_max_tokens": self.min_max_tokens,
            "extra_parameters": self.extra_parameters,
            "pricing": self.pricing,
            "tpm": self.tpm,
            "rpm": self.rpm,
            "tags": self.tags,
        })
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
    }
}
