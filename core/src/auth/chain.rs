//! The Entra credential of one `entra:` setting: a single credential kind, or the default
//! chain in the order users know from the other Azure SDKs (azure_identity 1.x dropped
//! DefaultAzureCredential): environment service principal, workload identity, managed
//! identity, Azure CLI.

use std::sync::OnceLock;
use std::time::Duration;

use super::errors::CredentialName;
use super::resolve::{EntraSettings, Unconfigured};
use super::source::{FetchContext, TokenSource};
use super::token_cache::FetchedToken;
use crate::config::CredentialKind;
use crate::{Error, ErrorKind, Result};

/// Inside the chain the VM metadata endpoint gets this long to answer before the chain moves
/// on: off Azure, 169.254.169.254 often swallows packets and would stall the chain for
/// minutes (the other Azure SDKs probe it the same way). Once it has answered it gets the
/// full azure_identity retry budget.
const IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

const CHAIN_HINT: &str = "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, \
     run in a pod with workload identity or on a resource with a managed identity, or run `az login`; \
     `entra.credential` picks one credential explicitly";

/// One member of the default chain: usable, or why not.
#[derive(Debug)]
enum Member {
    Ready(TokenSource),
    Skipped(CredentialName, Unconfigured),
}

/// The default chain; remembers the first member that produced a token.
#[derive(Debug)]
pub(crate) struct Chain {
    members: Vec<Member>,
    chosen: OnceLock<usize>,
}

/// How one `entra:` setting gets its tokens.
#[derive(Debug)]
pub(crate) enum EntraCredential {
    Single(TokenSource),
    Chain(Chain),
}

impl EntraCredential {
    /// Resolves the setting's credential kind against the environment. No network IO.
    pub(crate) fn resolve(
        kind: CredentialKind,
        settings: &EntraSettings<'_>,
    ) -> Result<EntraCredential> {
        let single = |name: CredentialName, source: Result<TokenSource, Unconfigured>| {
            source.map(EntraCredential::Single).map_err(|reason| {
                Error::new(
                    ErrorKind::Credential,
                    format!("{} credential: {reason}", name.as_str()),
                )
                .with_hint(name.hint())
            })
        };
        match kind {
            CredentialKind::ClientSecret => single(
                CredentialName::ClientSecret,
                settings.client_secret_source(),
            ),
            CredentialKind::WorkloadIdentity => single(
                CredentialName::WorkloadIdentity,
                settings.workload_identity_source(),
            ),
            CredentialKind::ManagedIdentity => single(
                CredentialName::ManagedIdentity,
                settings.managed_identity_source(),
            ),
            CredentialKind::AzureCli => Ok(EntraCredential::Single(settings.azure_cli_source())),
            CredentialKind::Default => Ok(EntraCredential::Chain(Chain::resolve(settings))),
        }
    }

    pub(crate) async fn fetch(&self, ctx: &FetchContext, scope: &str) -> Result<FetchedToken> {
        match self {
            EntraCredential::Single(source) => source.fetch(ctx, scope).await,
            EntraCredential::Chain(chain) => chain.fetch(ctx, scope).await,
        }
    }
}

impl Chain {
    fn resolve(settings: &EntraSettings<'_>) -> Chain {
        let member = |name: CredentialName, source: Result<TokenSource, Unconfigured>| match source
        {
            Ok(source) => Member::Ready(source),
            Err(reason) => Member::Skipped(name, reason),
        };
        Chain {
            members: vec![
                member(
                    CredentialName::ClientSecret,
                    settings.client_secret_source(),
                ),
                member(
                    CredentialName::WorkloadIdentity,
                    settings.workload_identity_source(),
                ),
                member(
                    CredentialName::ManagedIdentity,
                    settings.managed_identity_source(),
                ),
                Member::Ready(settings.azure_cli_source()),
            ],
            chosen: OnceLock::new(),
        }
    }

    async fn fetch(&self, ctx: &FetchContext, scope: &str) -> Result<FetchedToken> {
        if let Some(Member::Ready(source)) = self.chosen.get().and_then(|&i| self.members.get(i)) {
            return source.fetch(ctx, scope).await;
        }
        let mut reasons = Vec::with_capacity(self.members.len());
        for (index, member) in self.members.iter().enumerate() {
            let source = match member {
                Member::Ready(source) => source,
                Member::Skipped(name, reason) => {
                    reasons.push(format!("{}: {reason}", name.as_str()));
                    continue;
                }
            };
            let outcome = match source {
                TokenSource::Imds { .. } => tokio::time::timeout(IMDS_PROBE_TIMEOUT, source.fetch(ctx, scope))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::new(
                            ErrorKind::Credential,
                            "managed identity credential: the VM metadata endpoint did not answer (not on an Azure VM or AKS node?)",
                        ))
                    }),
                _ => source.fetch(ctx, scope).await,
            };
            match outcome {
                Ok(token) => {
                    let _ = self.chosen.set(index);
                    tracing::debug!(
                        credential = source.name().as_str(),
                        "Entra credential chain chose a credential"
                    );
                    return Ok(token);
                }
                Err(error) => reasons.push(error.message.clone()),
            }
        }
        Err(Error::new(
            ErrorKind::Credential,
            format!(
                "no credential of the default chain produced a token: {}",
                reasons.join("; ")
            ),
        )
        .with_hint(CHAIN_HINT))
    }
}
