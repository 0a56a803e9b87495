//! API keys read from Azure Key Vault (`auth: {type: key_vault}`, or a `keyvault://` key):
//! Microsoft's `SecretClient` on the client's own transport (so the vault is trusted like the
//! deployments: `ca_pem`, `entra.ca_file`), its token from the setting's Entra credential for
//! Key Vault's scope, and the key cached in a [`TokenCache`] holding a [`Held::VaultSecret`]:
//! one read for all concurrent callers, read again every `refresh_secs`, and once for a whole
//! burst of calls the service answered 401.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};

use super::chain::EntraCredential;
use super::errors::redact;
use super::source::{client_options, FetchContext};
use super::token_cache::{FetchPolicy, FetchedToken, Held, TokenCache};
use crate::config::{endpoint, KeyVaultConfig, MAX_REFRESH_SECS};
use crate::{Cause, Error, ErrorKind, Result};

/// The role a principal needs to read secrets (Azure RBAC vaults).
const ROLE: &str = "Key Vault Secrets User";

/// The reader and the cached key of one `key_vault` setting.
pub(super) struct VaultEntry {
    pub config: KeyVaultConfig,
    client: SecretClient,
    pub keys: TokenCache,
}

impl VaultEntry {
    /// The entry for `config`, reading with `credential` over `ctx`. No network IO.
    pub(super) fn new(
        config: &KeyVaultConfig,
        credential: Arc<EntraCredential>,
        ctx: FetchContext,
        policy: FetchPolicy,
    ) -> Result<VaultEntry> {
        let options = SecretClientOptions {
            client_options: client_options(&ctx, None),
            // The SDK checks that the challenge's resource (https://vault.azure.net) is a
            // parent domain of the vault's host, so a look-alike vault cannot collect tokens.
            // A vault on loopback (the emulator) can never pass that check, and a token sent
            // to this machine goes nowhere else, so only there it is off.
            verify_challenge_resource: Some(!endpoint::is_loopback(&config.vault_url)),
            ..Default::default()
        };
        let credential = Arc::new(VaultCredential { credential, ctx });
        let client = SecretClient::new(&config.vault_url, credential, Some(options))
            .map_err(|e| read_failure(config, &e))?;
        // Checked at load; a value set in code is held to the same range rather than let an
        // `Instant` overflow.
        let refresh_secs = config.refresh_secs.clamp(1, MAX_REFRESH_SECS);
        let reread_every = Duration::from_secs(refresh_secs);
        Ok(VaultEntry {
            config: config.clone(),
            client,
            keys: TokenCache::holding(policy, Held::VaultSecret { reread_every }),
        })
    }

    /// Reads the secret's current version (network IO: the vault, and the identity endpoint
    /// when the credential has no token for the vault).
    pub(super) async fn read(&self) -> Result<FetchedToken> {
        let config = &self.config;
        let secret = self
            .client
            .get_secret(&config.secret, None)
            .await
            .and_then(|response| response.into_model())
            .map_err(|e| read_failure(config, &e))?;
        match secret.value.filter(|v| !v.trim().is_empty()) {
            Some(value) => Ok(FetchedToken {
                value: value.trim().to_string(),
                expires_in: Duration::ZERO,
            }),
            None => Err(Error::new(
                ErrorKind::Credential,
                format!(
                    "the Key Vault secret '{}' of {} is empty",
                    config.secret, config.vault_url
                ),
            )
            .with_hint(format!(
                "store the deployment's API key in it (az keyvault secret set ...), then check \
                 it with `{}`",
                config.az_show_command()
            ))),
        }
    }
}

/// The setting's Entra credential as azure_core's `TokenCredential`, for the SecretClient.
/// No cache of its own: the SecretClient keeps its token until near expiry, and the reads
/// that ask for one are already one at a time (the key cache's single fetch).
#[derive(Debug)]
struct VaultCredential {
    credential: Arc<EntraCredential>,
    ctx: FetchContext,
}

#[async_trait::async_trait]
impl TokenCredential for VaultCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        // The SDK asks for the scope the vault's challenge named (`https://vault.azure.net/.default`).
        let scope = scopes.first().copied().unwrap_or(super::VAULT_SCOPE);
        let fetched = self
            .credential
            .fetch(&self.ctx, scope)
            .await
            .map_err(|e| azure_core::Error::new(azure_core::error::ErrorKind::Credential, e))?;
        let lifetime = azure_core::time::Duration::try_from(fetched.expires_in)
            .unwrap_or(azure_core::time::Duration::ZERO);
        Ok(AccessToken::new(
            fetched.value,
            azure_core::time::OffsetDateTime::now_utc() + lifetime,
        ))
    }
}

/// The client's error for a failed read: a `credential` error whose hint names the `az`
/// command that reads the same secret and the role it needs. The vault's status is in the
/// message and code, never in `status` (that is the deployment's).
fn read_failure(config: &KeyVaultConfig, error: &azure_core::Error) -> Error {
    let check = format!(
        "check with `{}` as the same identity; it needs the {ROLE} role on the vault \
         (or a `get` secret access policy)",
        config.az_show_command()
    );
    let what = format!(
        "reading the Key Vault secret '{}' of {}",
        config.secret, config.vault_url
    );
    // The credential's own failure, carried through the SDK: its kind and hint stand.
    if let Some(ours) = our_error(error) {
        return Error::new(ours.kind(), format!("{what}: {}", ours.message))
            .with_hint(format!("{} ({check})", ours.hint))
            .with_cause(Cause::chain(error, &|m| redact(m, &[])));
    }
    let status = error.http_status().map(u16::from);
    let (problem, hint) = match status {
        Some(401) => (
            "Key Vault refused the token (401)".to_string(),
            format!("the token is not for https://vault.azure.net or not from the vault's tenant; {check}"),
        ),
        Some(403) => (
            "the identity may not read the secret (403)".to_string(),
            format!("grant it the {ROLE} role on the vault (az role assignment create --role \"{ROLE}\" ...); {check}"),
        ),
        Some(404) => (
            "the vault has no such secret (404)".to_string(),
            format!("check the secret's name (case-insensitive, letters, digits and hyphens) and the vault: {check}"),
        ),
        Some(status) => (format!("Key Vault answered {status}"), check),
        None => (
            "Key Vault could not be reached".to_string(),
            format!("check the vault's URL, DNS, proxy and the vault's network rules (a private endpoint?); {check}"),
        ),
    };
    let code = match error.kind() {
        azure_core::error::ErrorKind::HttpResponse { error_code, .. } => error_code.clone(),
        _ => None,
    };
    Error::new(ErrorKind::Credential, format!("{what}: {problem}"))
        .with_hint(hint)
        .with_code(code)
        .with_cause(Cause::chain(error, &|m| redact(m, &[])))
}

/// The client's own error somewhere in an azure_core error's chain.
fn our_error(error: &azure_core::Error) -> Option<&Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(ours) = e.downcast_ref::<Error>() {
            return Some(ours);
        }
        current = e.source();
    }
    None
}
