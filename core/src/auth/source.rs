//! One way of getting an Entra token, its settings already resolved, and the fetch itself:
//! through azure_identity's credentials on the client's own HTTP transport, or through our
//! App Service managed identity client.

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::cloud::CustomConfiguration;
use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{
    ClientOptions, Context, ExponentialRetryOptions, RawResponse, Request, RetryOptions, Transport,
};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, Executor, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::app_service::AppServiceIdentity;
use super::errors::{credential_failure, from_azure, retry_hint, CredentialName};
use super::token_cache::FetchedToken;
use crate::config::Secret;
use crate::Result;

/// A token source with everything it needs to ask for a token.
#[derive(Debug, Clone)]
pub(crate) enum TokenSource {
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: Secret,
        authority_host: String,
    },
    WorkloadIdentity {
        tenant_id: String,
        client_id: String,
        token_file: PathBuf,
        authority_host: String,
    },
    AppService(AppServiceIdentity),
    /// The VM / AKS node metadata endpoint (169.254.169.254), through azure_identity.
    Imds {
        client_id: Option<String>,
    },
    AzureCli {
        tenant_id: Option<String>,
    },
}

/// What every fetch shares: the HTTP client (the client's own, or one that also trusts
/// `entra.ca_file`) and, in tests, a stand-in for the `az` process.
#[derive(Clone)]
pub(crate) struct FetchContext {
    pub http: reqwest::Client,
    pub cli_executor: Option<Arc<dyn Executor>>,
}

impl TokenSource {
    pub(crate) fn name(&self) -> CredentialName {
        match self {
            TokenSource::ClientSecret { .. } => CredentialName::ClientSecret,
            TokenSource::WorkloadIdentity { .. } => CredentialName::WorkloadIdentity,
            TokenSource::AppService(_) | TokenSource::Imds { .. } => {
                CredentialName::ManagedIdentity
            }
            TokenSource::AzureCli { .. } => CredentialName::AzureCli,
        }
    }

    /// Asks for a new token. The azure_identity credential is built anew for every fetch:
    /// its internal cache would otherwise hand back the token a 401 just refused, and the
    /// workload identity token file is rotated by the kubelet, so reading it again is right.
    pub(crate) async fn fetch(&self, ctx: &FetchContext, scope: &str) -> Result<FetchedToken> {
        match self {
            TokenSource::AppService(identity) => return identity.fetch(&ctx.http, scope).await,
            // A safety net under the resolver's guards: no unit test may reach 169.254.169.254.
            TokenSource::Imds { .. } if cfg!(test) => {
                return Err(credential_failure(
                    CredentialName::ManagedIdentity,
                    "the VM metadata endpoint is never contacted from unit tests",
                ))
            }
            _ => {}
        }
        let secret = match self {
            TokenSource::ClientSecret { secret, .. } => secret.expose(),
            _ => "",
        };
        let credential = self
            .credential(ctx)
            .map_err(|e| from_azure(self.name(), &e, &[secret]))?;
        let token = credential
            .get_token(&[scope], None)
            .await
            .map_err(|e| from_azure(self.name(), &e, &[secret]))?;
        Ok(fetched(token))
    }

    fn credential(&self, ctx: &FetchContext) -> azure_core::Result<Arc<dyn TokenCredential>> {
        Ok(match self {
            TokenSource::ClientSecret {
                tenant_id,
                client_id,
                secret,
                authority_host,
            } => ClientSecretCredential::new(
                tenant_id,
                client_id.clone(),
                azure_core::credentials::Secret::new(secret.expose().to_string()),
                Some(ClientSecretCredentialOptions {
                    client_options: client_options(ctx, Some(authority_host)),
                }),
            )?,
            TokenSource::WorkloadIdentity {
                tenant_id,
                client_id,
                token_file,
                authority_host,
            } => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(ctx, Some(authority_host)),
                },
                client_id: Some(client_id.clone()),
                tenant_id: Some(tenant_id.clone()),
                token_file_path: Some(token_file.clone()),
            }))?,
            TokenSource::Imds { client_id } => {
                ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                    client_options: client_options(ctx, None),
                }))?
            }
            TokenSource::AzureCli { tenant_id } => {
                AzureCliCredential::new(Some(AzureCliCredentialOptions {
                    tenant_id: tenant_id.clone(),
                    executor: ctx.cli_executor.clone(),
                    ..Default::default()
                }))?
            }
            TokenSource::AppService(_) => {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Other,
                    "App Service identity is fetched without azure_identity",
                ))
            }
        })
    }
}

impl std::fmt::Debug for FetchContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchContext")
            .field("cli_executor", &self.cli_executor.is_some())
            .finish_non_exhaustive()
    }
}

/// azure_identity options on the client's transport. The authority host is always given
/// explicitly so azure_identity never falls back to reading `AZURE_AUTHORITY_HOST` from the
/// process environment behind the client's injected one.
pub(super) fn client_options(ctx: &FetchContext, authority_host: Option<&str>) -> ClientOptions {
    let mut options = ClientOptions {
        transport: Some(Transport::new(Arc::new(ctx.http.clone()))),
        per_try_policies: vec![Arc::new(LongRetryAfterEndsTheFetch)],
        // The client's own retry loop sits above this; a short inner retry absorbs a blip
        // at the token endpoint without multiplying a long outage.
        retry: RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: azure_core::time::Duration::milliseconds(200),
            max_retries: 2,
            max_total_elapsed: azure_core::time::Duration::seconds(15),
            max_delay: azure_core::time::Duration::seconds(INNER_MAX_DELAY_SECS),
        }),
        ..Default::default()
    };
    if let Some(host) = authority_host {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = host.to_string();
        options.cloud = Some(Arc::new(cloud.into()));
    }
    options
}

/// The longest wait between azure_identity's own retries of a token request.
const INNER_MAX_DELAY_SECS: i64 = 5;

/// azure_identity's retry sleeps as long as a 429/503's Retry-After asks (a day, if the token
/// endpoint says so) inside the fetch. A hint longer than the inner retry's own longest wait
/// ends the fetch at once with that answer instead: the token cache then remembers the failure
/// for the hint, capped at `defaults.token_fetch.max_retry_after_secs`.
#[derive(Debug)]
struct LongRetryAfterEndsTheFetch;

#[async_trait::async_trait]
impl Policy for LongRetryAfterEndsTheFetch {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Some((policy, rest)) = next.split_first() else {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "the token request has no transport",
            ));
        };
        let response = policy.send(ctx, request, rest).await?;
        let status = response.status();
        if !matches!(u16::from(status), 429 | 503) {
            return Ok(response);
        }
        let hint = match retry_hint(response.headers()) {
            Some(hint) if hint.as_secs() > INNER_MAX_DELAY_SECS.unsigned_abs() => hint,
            _ => return Ok(response),
        };
        // Only the status and headers matter now; the body is dropped unread.
        let raw = RawResponse::from_bytes(status, response.headers().clone(), Vec::new());
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::HttpResponse {
                status,
                error_code: None,
                raw_response: Some(Box::new(raw)),
            },
            format!(
                "the token endpoint answered {} and asks to wait {}s before asking again",
                u16::from(status),
                hint.as_secs()
            ),
        ))
    }
}

fn fetched(token: AccessToken) -> FetchedToken {
    let left = token.expires_on - azure_core::time::OffsetDateTime::now_utc();
    let millis = u64::try_from(left.whole_milliseconds().max(0)).unwrap_or(u64::MAX);
    FetchedToken {
        value: token.token.secret().to_string(),
        expires_in: std::time::Duration::from_millis(millis),
    }
}
