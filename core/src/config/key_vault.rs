//! API keys kept in Azure Key Vault: `auth: {type: key_vault, vault, secret, refresh_secs,
//! <entra credential fields>}`, or an API key given as the reference
//! `keyvault://<vault>/<secret>` (in `key`, in the variable `env` names, in LiteLLM's
//! `api_key`, or in `FOUNDRY_API_KEY`). The key itself is read at run time (auth/key_vault.rs).

use serde::Deserialize;

use super::load::{resolve_entra, Lookup};
use super::{AuthConfig, CredentialKind, EntraConfig, Secret};
use crate::{Error, Result};

/// The scheme of a key given as a Key Vault reference.
pub const REFERENCE_SCHEME: &str = "keyvault://";

/// How often a key read from Key Vault is read again, by default. A rotation that makes the
/// service refuse the old key is caught at once by the 401 it causes (the key is re-read then),
/// so the interval only bounds how long clients keep sending the old key while the service
/// still accepts both (Azure keeps two keys so that they can be rolled one at a time): five
/// minutes lets an operator regenerate the old key soon after updating the vault, and a
/// thousand clients then read the vault about 3 times a second, far below its limit of
/// 4,000 reads per 10 s.
pub const DEFAULT_REFRESH_SECS: u64 = 300;
/// Shorter would read the vault on nearly every call of a busy client.
pub const MIN_REFRESH_SECS: u64 = 5;
/// A day: longer would keep sending a key the vault no longer holds, while the service still
/// accepts it, for days after an operator rotated it.
pub const MAX_REFRESH_SECS: u64 = 86_400;

/// Where a deployment's API key is read from: one secret of one vault, read with an Entra
/// token for `https://vault.azure.net/.default`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyVaultConfig {
    /// `https://<name>.vault.azure.net/` for a bare vault name; always https, with a
    /// trailing slash.
    pub vault_url: String,
    /// The secret's name (its current version is read).
    pub secret: String,
    /// Seconds between reads of the secret (a 401 also causes one).
    pub refresh_secs: u64,
    /// The credential that reads the secret; its `scope` is always Key Vault's.
    pub entra: EntraConfig,
}

impl KeyVaultConfig {
    /// `vault` (a name, `host[:port]` or an https URL) and `secret`, checked, with the
    /// default refresh and credential. The message of an error names the problem; the caller
    /// adds where it was found.
    pub fn new(vault: &str, secret: &str) -> std::result::Result<KeyVaultConfig, String> {
        Ok(KeyVaultConfig {
            vault_url: vault_url(vault)?,
            secret: secret_name(secret)?,
            refresh_secs: DEFAULT_REFRESH_SECS,
            entra: EntraConfig::default(),
        })
    }

    /// The `az` command that reads the same secret, for hints.
    pub fn az_show_command(&self) -> String {
        let host = self
            .vault_url
            .trim_start_matches("https://")
            .trim_end_matches('/');
        match host.strip_suffix(".vault.azure.net") {
            Some(name) if !name.contains('.') => format!(
                "az keyvault secret show --vault-name {name} --name {} --query id",
                self.secret
            ),
            _ => format!(
                "az keyvault secret show --id {}secrets/{} --query id",
                self.vault_url, self.secret
            ),
        }
    }
}

/// `auth: {type: key_vault, ...}` as the file has it.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKeyVault {
    vault: Option<String>,
    secret: Option<String>,
    refresh_secs: Option<u64>,
    #[serde(default)]
    credential: CredentialKind,
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret_env: Option<String>,
    federated_token_file: Option<String>,
    authority_host: Option<String>,
    ca_file: Option<String>,
}

/// The hint every Key Vault setting error ends with.
const EXAMPLE: &str =
    "e.g. `auth: {type: key_vault, vault: aucertdev-kv-41e0x5, secret: foundry-api-key}` \
     or `key: keyvault://aucertdev-kv-41e0x5/foundry-api-key`";

pub(crate) fn resolve(
    raw: &RawKeyVault,
    key_path: &str,
    origin: &str,
    lookup: Lookup,
) -> Result<AuthConfig> {
    let required = |value: &Option<String>, field: &str| {
        value
            .clone()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                Error::config(format!("{origin}: {key_path}.{field} is missing")).with_hint(EXAMPLE)
            })
    };
    let (vault, secret) = (
        required(&raw.vault, "vault")?,
        required(&raw.secret, "secret")?,
    );
    let invalid = |field: &str, problem: String| {
        Error::config(format!("{origin}: {key_path}.{field}: {problem}")).with_hint(EXAMPLE)
    };
    let refresh_secs = raw.refresh_secs.unwrap_or(DEFAULT_REFRESH_SECS);
    if !(MIN_REFRESH_SECS..=MAX_REFRESH_SECS).contains(&refresh_secs) {
        return Err(Error::config(format!(
            "{origin}: {key_path}.refresh_secs is {refresh_secs}: it must be between \
             {MIN_REFRESH_SECS} and {MAX_REFRESH_SECS} (a day)"
        ))
        .with_hint(format!(
            "the default, {DEFAULT_REFRESH_SECS}, suits most: a rotation the service enforces \
             is picked up at once by the 401 it causes"
        )));
    }
    let entra = EntraConfig {
        credential: raw.credential,
        tenant_id: raw.tenant_id.clone(),
        client_id: raw.client_id.clone(),
        client_secret: None,
        client_secret_env: raw.client_secret_env.clone(),
        federated_token_file: raw.federated_token_file.clone(),
        authority_host: raw.authority_host.clone(),
        scope: None,
        ca_file: raw.ca_file.clone(),
    };
    Ok(AuthConfig::KeyVault(KeyVaultConfig {
        vault_url: vault_url(&vault).map_err(|p| invalid("vault", p))?,
        secret: secret_name(&secret).map_err(|p| invalid("secret", p))?,
        refresh_secs,
        entra: resolve_entra(entra, key_path, origin, lookup)?,
    }))
}

/// An API key, or the Key Vault secret it refers to when it is `keyvault://<vault>/<secret>`
/// (read with the default credential chain, from the same environment).
pub(crate) fn key_or_reference(
    key: String,
    key_path: &str,
    origin: &str,
    lookup: Lookup,
) -> Result<AuthConfig> {
    let Some(reference) = key.trim().strip_prefix(REFERENCE_SCHEME) else {
        return Ok(AuthConfig::ApiKey(Secret::new(key)));
    };
    let (vault, secret) = reference.rsplit_once('/').unwrap_or((reference, ""));
    let mut config = KeyVaultConfig::new(vault, secret).map_err(|problem| {
        Error::config(format!(
            "{origin}: {key_path}: the Key Vault reference '{REFERENCE_SCHEME}{reference}' is not valid: {problem}"
        ))
        .with_hint(format!(
            "write {REFERENCE_SCHEME}<vault name or host>/<secret name>, e.g. \
             {REFERENCE_SCHEME}aucertdev-kv-41e0x5/foundry-api-key"
        ))
    })?;
    config.entra = resolve_entra(EntraConfig::default(), key_path, origin, lookup)?;
    Ok(AuthConfig::KeyVault(config))
}

/// A vault name (`https://<name>.vault.azure.net/`), `host[:port]` or `https://host[:port]`,
/// as the vault's base URL.
fn vault_url(vault: &str) -> std::result::Result<String, String> {
    let vault = vault.trim().trim_end_matches('/');
    if vault.is_empty() {
        return Err("no vault is named".into());
    }
    if vault.starts_with("http://") {
        return Err(format!(
            "'{vault}' is plain http: Key Vault is only reached over https"
        ));
    }
    let url = match vault.strip_prefix("https://") {
        Some(_) => vault.to_string(),
        None if vault.contains(['.', ':']) => format!("https://{vault}"),
        None if is_vault_name(vault) => format!("https://{vault}.vault.azure.net"),
        None => {
            return Err(format!(
                "'{vault}' is not a vault name (3-24 letters, digits and hyphens, starting with \
                 a letter), a host or an https URL"
            ))
        }
    };
    let parsed =
        reqwest::Url::parse(&url).map_err(|e| format!("'{vault}' is not a valid URL: {e}"))?;
    let clean = parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !clean {
        return Err(format!(
            "'{vault}' must be the vault's base URL, without a path, query or user name \
             (https://<name>.vault.azure.net)"
        ));
    }
    Ok(parsed.to_string())
}

/// Key Vault's naming rule for vaults.
fn is_vault_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Key Vault's naming rule for secrets: 1-127 letters, digits and hyphens.
fn secret_name(secret: &str) -> std::result::Result<String, String> {
    let secret = secret.trim();
    let valid = (1..=127).contains(&secret.len())
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    match valid {
        true => Ok(secret.to_string()),
        false if secret.is_empty() => Err("no secret is named".into()),
        false => Err(format!(
            "'{secret}' is not a secret name (1-127 letters, digits and hyphens)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaults_resolve_to_https_urls() {
        let url = |v: &str| vault_url(v);
        assert_eq!(
            url("aucertdev-kv-41e0x5").unwrap(),
            "https://aucertdev-kv-41e0x5.vault.azure.net/"
        );
        assert_eq!(url("127.0.0.1:8443").unwrap(), "https://127.0.0.1:8443/");
        assert_eq!(
            url("https://my-kv.vault.azure.net/").unwrap(),
            "https://my-kv.vault.azure.net/"
        );
        assert_eq!(url("localhost:9").unwrap(), "https://localhost:9/");
        assert!(url("http://my-kv.vault.azure.net")
            .unwrap_err()
            .contains("https"));
        assert!(url("kv").unwrap_err().contains("vault name"));
        assert!(url("my_kv").is_err());
        assert!(url("https://my-kv.vault.azure.net/secrets").is_err());
        assert!(url("https://u:p@my-kv.vault.azure.net").is_err());
        assert!(url("").is_err());
    }

    #[test]
    fn secret_names_follow_the_vault_rule() {
        assert_eq!(secret_name(" foundry-api-key ").unwrap(), "foundry-api-key");
        assert!(secret_name("").is_err());
        assert!(secret_name("a/b").is_err());
        assert!(secret_name(&"a".repeat(128)).is_err());
    }

    #[test]
    fn a_reference_names_a_vault_and_a_secret() {
        let none = |_: &str| None;
        let auth = key_or_reference(
            "keyvault://aucertdev-kv-41e0x5/foundry-api-key".into(),
            "auth.key",
            "test",
            &none,
        )
        .unwrap();
        let AuthConfig::KeyVault(kv) = auth else {
            panic!("not a vault reference: {auth:?}")
        };
        assert_eq!(kv.vault_url, "https://aucertdev-kv-41e0x5.vault.azure.net/");
        assert_eq!(kv.secret, "foundry-api-key");
        assert_eq!(kv.refresh_secs, DEFAULT_REFRESH_SECS);
        assert_eq!(
            kv.az_show_command(),
            "az keyvault secret show --vault-name aucertdev-kv-41e0x5 --name foundry-api-key --query id"
        );
        let plain = key_or_reference("made-up-key".into(), "k", "test", &none).unwrap();
        assert!(matches!(plain, AuthConfig::ApiKey(k) if k.expose() == "made-up-key"));
        for bad in ["keyvault://kv-only", "keyvault:///s", "keyvault://x/s"] {
            let e = key_or_reference(bad.into(), "auth.key", "test", &none).unwrap_err();
            assert!(e.message.contains("auth.key"), "{}", e.message);
            assert!(e.hint.contains("keyvault://<vault"), "{}", e.hint);
        }
        let local = key_or_reference("keyvault://127.0.0.1:8443/k".into(), "k", "t", &none);
        let Ok(AuthConfig::KeyVault(local)) = local else {
            panic!("host:port vault")
        };
        assert!(local
            .az_show_command()
            .contains("--id https://127.0.0.1:8443/secrets/k"));
    }
}
