//! The emulator's catalog. It reads the client's catalog format (`deployments:` with `name`,
//! `model`, `responses_only`, `thinking`, `max_tokens_param`, `tpm`, `rpm`), LiteLLM's
//! `model_list`, and its own `emulator:` section; every other key is ignored so that the repo's
//! `foundry.yaml` loads as is.

use std::collections::BTreeMap;
use std::path::Path;

use yaml_serde::{Mapping, Value};

/// The made-up key the emulator accepts unless the config lists others.
pub const DEFAULT_API_KEY: &str = "emulator-key-0000";

/// One served deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentConfig {
    /// The deployment name clients put in the URL or in `model` (case and dot sensitive).
    pub name: String,
    /// Reported as `model` in answers.
    pub model: String,
    /// Reported by `GET /models/info` as `model_provider_name`.
    pub provider: String,
    /// `/chat/completions` answers 400 `OperationNotSupported`.
    pub responses_only: bool,
    /// Answers carry `reasoning_content` (64 words) before the content.
    pub thinking: bool,
    /// Chat bodies with `max_tokens` get the recorded 400 `unsupported_parameter`.
    pub rejects_max_tokens: bool,
    pub tpm: u64,
    pub rpm: u64,
}

impl DeploymentConfig {
    /// A plain chat deployment with the default quota (10K TPM, 600 RPM).
    pub fn new(name: &str) -> Self {
        DeploymentConfig {
            name: name.to_string(),
            model: name.to_string(),
            provider: provider_for(name).to_string(),
            responses_only: false,
            thinking: false,
            rejects_max_tokens: false,
            tpm: 10_000,
            rpm: 600,
        }
    }
}

/// Everything the emulator serves. `Default` is [`EmulatorConfig::reference`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatorConfig {
    pub deployments: Vec<DeploymentConfig>,
    /// Keys accepted in `api-key` or `Authorization: Bearer`.
    pub api_keys: Vec<String>,
    /// Entra client ids whose tokens get 403 PermissionDenied.
    pub forbidden_clients: Vec<String>,
    /// Lifetime of the tokens the fake Entra and managed-identity endpoints issue.
    pub token_ttl_secs: u64,
    /// Enforce every deployment's `tpm`/`rpm` in every scenario. Off by default, so that
    /// suites sharing one emulator never see 429s they did not ask for; a scenario's `limits`
    /// are always enforced.
    pub enforce_rate_limits: bool,
    /// Key Vault secrets at start (`emulator.vault.secrets`), each as its first version.
    pub vault_secrets: BTreeMap<String, String>,
    /// The vault secret whose current value is the only accepted API key
    /// (`emulator.vault.api_key_secret`): see [`crate::Emulator::bind_api_key_to_secret`].
    pub api_key_secret: Option<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self::reference()
    }
}

impl EmulatorConfig {
    /// The five deployments of the reference estate (FOUNDRY.md) and the default key.
    pub fn reference() -> Self {
        let mut codex51 = DeploymentConfig::new("gpt-5.1-codex");
        codex51.responses_only = true;
        codex51.rejects_max_tokens = true;
        let mut gpt54 = DeploymentConfig::new("gpt-5.4");
        gpt54.rejects_max_tokens = true;
        let mut codex53 = DeploymentConfig::new("gpt-5.3-codex");
        codex53.rejects_max_tokens = true;
        let mut kimi = DeploymentConfig::new("Kimi-K2.6");
        kimi.thinking = true;
        let deepseek = DeploymentConfig::new("DeepSeek-V3.2");
        EmulatorConfig {
            deployments: vec![codex51, gpt54, codex53, kimi, deepseek],
            api_keys: vec![DEFAULT_API_KEY.to_string()],
            forbidden_clients: Vec::new(),
            token_ttl_secs: 3600,
            enforce_rate_limits: false,
            vault_secrets: BTreeMap::new(),
            api_key_secret: None,
        }
    }

    pub fn from_path(p: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("{}: cannot read the file: {e}", p.display()))?;
        Self::from_yaml_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    }

    /// Parses YAML (or JSON, which YAML reads too).
    pub fn from_yaml_str(s: &str) -> Result<Self, String> {
        let doc: Value = yaml_serde::from_str(s).map_err(|e| format!("invalid YAML: {e}"))?;
        let root = doc
            .as_mapping()
            .ok_or("the document must be a mapping with a `deployments` list")?;
        let mut config = EmulatorConfig {
            deployments: Vec::new(),
            ..Self::reference()
        };
        if let Some(list) = root.get("deployments") {
            let items = list
                .as_sequence()
                .ok_or("`deployments` must be a list of mappings")?;
            for (i, item) in items.iter().enumerate() {
                config.deployments.push(parse_deployment(item, i)?);
            }
        } else if let Some(list) = root.get("model_list") {
            let items = list.as_sequence().ok_or("`model_list` must be a list")?;
            for (i, item) in items.iter().enumerate() {
                config.deployments.push(parse_litellm(item, i)?);
            }
        }
        if config.deployments.is_empty() {
            return Err(
                "no deployments: add a `deployments:` list with at least one `name`".into(),
            );
        }
        if let Some(section) = root.get("emulator") {
            let m = section.as_mapping().ok_or("`emulator` must be a mapping")?;
            if let Some(keys) = string_list(m, "api_keys", "emulator")? {
                config.api_keys = keys;
            }
            if let Some(ids) = string_list(m, "forbidden_clients", "emulator")? {
                config.forbidden_clients = ids;
            }
            if let Some(ttl) = uint(m, "token_ttl_secs", "emulator")? {
                config.token_ttl_secs = ttl;
            }
            if let Some(on) = boolean(m, "enforce_rate_limits", "emulator")? {
                config.enforce_rate_limits = on;
            }
            if let Some(vault) = m.get("vault") {
                parse_vault(vault, &mut config)?;
            }
        }
        Ok(config)
    }

    pub fn deployment(&self, name: &str) -> Option<&DeploymentConfig> {
        self.deployments.iter().find(|d| d.name == name)
    }
}

/// `emulator.vault: {secrets: {name: value}, api_key_secret: name}`.
fn parse_vault(vault: &Value, config: &mut EmulatorConfig) -> Result<(), String> {
    let at = "emulator.vault";
    let m = vault
        .as_mapping()
        .ok_or(format!("{at} must be a mapping with `secrets`"))?;
    if let Some(secrets) = m.get("secrets") {
        let secrets = secrets
            .as_mapping()
            .ok_or(format!("{at}.secrets must map secret names to values"))?;
        for (name, value) in secrets {
            match (name.as_str(), value.as_str()) {
                (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => {
                    config.vault_secrets.insert(n.to_string(), v.to_string());
                }
                _ => {
                    return Err(format!(
                        "{at}.secrets: each entry must be `name: value`, both non-empty strings"
                    ))
                }
            }
        }
    }
    config.api_key_secret = scalar(m, "api_key_secret", at)?;
    Ok(())
}

fn parse_deployment(item: &Value, i: usize) -> Result<DeploymentConfig, String> {
    let at = format!("deployments[{i}]");
    let m = item.as_mapping().ok_or(format!("{at} must be a mapping"))?;
    let name = scalar(m, "name", &at)?.ok_or(format!("{at}.name is required"))?;
    // The catalog may name an Azure deployment that differs from the logical name.
    let served = scalar(m, "deployment", &at)?.unwrap_or(name);
    let mut d = DeploymentConfig::new(&served);
    if let Some(model) = scalar(m, "model", &at)? {
        d.provider = provider_for(&model).to_string();
        d.model = model;
    }
    if let Some(p) = scalar(m, "provider", &at)? {
        d.provider = p;
    }
    d.responses_only = boolean(m, "responses_only", &at)?.unwrap_or(false);
    d.thinking = boolean(m, "thinking", &at)?.unwrap_or(false);
    d.rejects_max_tokens = match scalar(m, "max_tokens_param", &at)?.as_deref() {
        None | Some("max_tokens") => false,
        Some("max_completion_tokens") => true,
        Some(other) => {
            return Err(format!(
                "{at}.max_tokens_param: `{other}` is neither max_tokens nor max_completion_tokens"
            ))
        }
    };
    d.tpm = uint(m, "tpm", &at)?.unwrap_or(d.tpm);
    d.rpm = uint(m, "rpm", &at)?.unwrap_or(d.rpm);
    Ok(d)
}

fn parse_litellm(item: &Value, i: usize) -> Result<DeploymentConfig, String> {
    let at = format!("model_list[{i}]");
    let m = item.as_mapping().ok_or(format!("{at} must be a mapping"))?;
    let params = m
        .get("litellm_params")
        .and_then(Value::as_mapping)
        .ok_or(format!("{at}.litellm_params is required"))?;
    let target = scalar(params, "model", &format!("{at}.litellm_params"))?
        .ok_or(format!("{at}.litellm_params.model is required"))?;
    // `azure/gpt-5.4` and `azure_ai/DeepSeek-V3.2` name the deployment after the prefix.
    let served = target.rsplit('/').next().unwrap_or(&target).to_string();
    let mut d = DeploymentConfig::new(&served);
    if let Some(tpm) = uint(m, "tpm", &at)?.or(uint(params, "tpm", &at)?) {
        d.tpm = tpm;
    }
    if let Some(rpm) = uint(m, "rpm", &at)?.or(uint(params, "rpm", &at)?) {
        d.rpm = rpm;
    }
    Ok(d)
}

/// A best guess at the provider `GET /models/info` reports, from the model's name.
fn provider_for(model: &str) -> &'static str {
    let m = model.to_ascii_lowercase();
    if m.starts_with("gpt")
        || (m.starts_with('o') && m.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
    {
        "OpenAI"
    } else if m.starts_with("deepseek") {
        "DeepSeek"
    } else if m.starts_with("kimi") {
        "Moonshot AI"
    } else if m.starts_with("mistral") || m.starts_with("codestral") {
        "Mistral AI"
    } else if m.starts_with("llama") {
        "Meta"
    } else if m.starts_with("grok") {
        "xAI"
    } else {
        "Microsoft"
    }
}

fn scalar(m: &Mapping, key: &str, at: &str) -> Result<Option<String>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(format!("{at}.{key} must be a string")),
    }
}

fn boolean(m: &Mapping, key: &str, at: &str) -> Result<Option<bool>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{at}.{key} must be true or false")),
    }
}

fn uint(m: &Mapping, key: &str, at: &str) -> Result<Option<u64>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or(format!("{at}.{key} must be a non-negative integer")),
    }
}

fn string_list(m: &Mapping, key: &str, at: &str) -> Result<Option<Vec<String>>, String> {
    let Some(v) = m.get(key) else {
        return Ok(None);
    };
    let items = v
        .as_sequence()
        .ok_or(format!("{at}.{key} must be a list of strings"))?;
    items
        .iter()
        .map(|i| {
            i.as_str()
                .map(str::to_string)
                .ok_or(format!("{at}.{key} must be a list of strings"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_has_the_five_deployments() {
        let c = EmulatorConfig::reference();
        let names: Vec<_> = c.deployments.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "gpt-5.1-codex",
                "gpt-5.4",
                "gpt-5.3-codex",
                "Kimi-K2.6",
                "DeepSeek-V3.2"
            ]
        );
        assert!(c.deployment("gpt-5.1-codex").unwrap().responses_only);
        assert!(c.deployment("Kimi-K2.6").unwrap().thinking);
        assert_eq!(c, EmulatorConfig::default());
    }

    #[test]
    fn reads_the_repo_catalog() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../foundry.yaml");
        if path.exists() {
            let c = EmulatorConfig::from_path(&path).expect("foundry.yaml loads");
            assert!(c.deployment("gpt-5.4").is_some());
        }
    }

    #[test]
    fn parses_emulator_section_and_ignores_unknown_keys() {
        let c = EmulatorConfig::from_yaml_str(
            "endpoint: x\nroutes: []\ndeployments:\n  - name: a\n    model: A-1\n    thinking: true\n    max_tokens_param: max_completion_tokens\n    tpm: 5\n    rpm: 2\n    pricing: {input: 1}\nemulator:\n  api_keys: [k1]\n  forbidden_clients: [bad]\n  token_ttl_secs: 2\n",
        )
        .unwrap();
        let d = c.deployment("a").unwrap();
        assert_eq!(
            (d.model.as_str(), d.thinking, d.rejects_max_tokens),
            ("A-1", true, true)
        );
        assert_eq!((d.tpm, d.rpm), (5, 2));
        assert_eq!(c.api_keys, ["k1"]);
        assert_eq!(c.forbidden_clients, ["bad"]);
        assert_eq!(c.token_ttl_secs, 2);
    }

    #[test]
    fn errors_name_the_key() {
        let e = EmulatorConfig::from_yaml_str("deployments:\n  - model: x\n").unwrap_err();
        assert!(e.contains("deployments[0].name"), "{e}");
        let e = EmulatorConfig::from_yaml_str("deployments:\n  - name: x\n    tpm: lots\n")
            .unwrap_err();
        assert!(e.contains("deployments[0].tpm"), "{e}");
        assert!(EmulatorConfig::from_yaml_str("deployments: []").is_err());
    }

    #[test]
    fn reads_litellm_model_list() {
        let c = EmulatorConfig::from_yaml_str(
            "model_list:\n  - model_name: fast\n    litellm_params:\n      model: azure_ai/DeepSeek-V3.2\n      api_key: os.environ/KEY\n",
        )
        .unwrap();
        assert!(c.deployment("DeepSeek-V3.2").is_some());
    }
}
