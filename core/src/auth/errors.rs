//! Turning credential failures into the client's taxonomy: kind Credential (kind
//! Authentication when the token endpoint answered 401), the credential's own message with
//! every known secret blanked out, and a hint that names the settings to check.

use std::time::Duration;

use crate::{Cause, Error, ErrorKind};

/// Which kind of Entra credential failed, for messages and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialName {
    ClientSecret,
    WorkloadIdentity,
    ManagedIdentity,
    AzureCli,
}

impl CredentialName {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredentialName::ClientSecret => "client secret (environment service principal)",
            CredentialName::WorkloadIdentity => "workload identity",
            CredentialName::ManagedIdentity => "managed identity",
            CredentialName::AzureCli => "Azure CLI",
        }
    }

    pub(crate) fn hint(self) -> &'static str {
        match self {
            CredentialName::ClientSecret => {
                "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or entra.tenant_id, \
                 entra.client_id, entra.client_secret_env): the secret may be wrong or expired \
                 (az ad app credential reset --id <client id>)"
            }
            CredentialName::WorkloadIdentity => {
                "check AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and AZURE_CLIENT_ID (injected by \
                 the workload identity webhook when the pod's service account is annotated with \
                 azure.workload.identity/client-id) and the app's federated credential"
            }
            CredentialName::ManagedIdentity => {
                "check that the resource has a managed identity (IDENTITY_ENDPOINT and \
                 IDENTITY_HEADER on App Service / Container Apps) and, for a user-assigned one, \
                 that entra.client_id names it"
            }
            CredentialName::AzureCli => "run `az login` (install the Azure CLI if `az` is missing)",
        }
    }
}

/// Blanks out every non-empty secret in `text`.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |acc, secret| acc.replace(secret, "***"))
}

/// The client's error for a failure inside an azure_identity credential.
pub(crate) fn from_azure(
    name: CredentialName,
    error: &azure_core::Error,
    secrets: &[&str],
) -> Error {
    let (status, code, retry_after) = http_failure(error);
    let kind = if status == Some(401) {
        ErrorKind::Authentication
    } else {
        ErrorKind::Credential
    };
    let message = format!(
        "{} credential: {}",
        name.as_str(),
        redact(&error.to_string(), secrets)
    );
    // The token cache caps the hint at defaults.token_fetch.max_retry_after_secs.
    Error::new(kind, message)
        .with_cause(Cause::chain(error, &|m| redact(m, secrets)))
        .with_code(code)
        .with_retry_after(retry_after)
        .with_hint(name.hint())
}

/// The status, Entra error code and Retry-After of the first HTTP failure in the error's chain.
fn http_failure(error: &azure_core::Error) -> (Option<u16>, Option<String>, Option<Duration>) {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(azure) = e.downcast_ref::<azure_core::Error>() {
            if let azure_core::error::ErrorKind::HttpResponse {
                status,
                error_code,
                raw_response,
            } = azure.kind()
            {
                let code = error_code.as_ref().map(|c| format!("AADSTS{c}"));
                let retry_after = raw_response.as_ref().and_then(|r| retry_hint(r.headers()));
                return (Some(u16::from(*status)), code, retry_after);
            }
        }
        current = e.source();
    }
    (None, None, None)
}

/// The token endpoint's retry hint, read by the same rules as the service's own
/// (`retry-after-ms`, `x-ms-retry-after-ms`, then `retry-after` in seconds or as a date).
pub(crate) fn retry_hint(headers: &azure_core::http::headers::Headers) -> Option<Duration> {
    let mut hints = reqwest::header::HeaderMap::new();
    for name in ["retry-after-ms", "x-ms-retry-after-ms", "retry-after"] {
        let key = azure_core::http::headers::HeaderName::from_static(name);
        if let Some(value) = headers
            .get_optional_str(&key)
            .and_then(|v| reqwest::header::HeaderValue::from_str(v).ok())
        {
            hints.insert(name, value);
        }
    }
    crate::wire::retry_after(&hints)
}

/// A credential that failed without an azure_identity error (our own managed identity client).
pub(crate) fn credential_failure(name: CredentialName, message: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::Credential,
        format!("{} credential: {}", name.as_str(), message.into()),
    )
    .with_hint(name.hint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_blanks_every_secret() {
        let text = "bad secret s3cr3t near s3cr3t and tok";
        assert_eq!(
            redact(text, &["s3cr3t", "", "tok"]),
            "bad secret *** near *** and ***"
        );
    }

    #[test]
    fn plain_azure_errors_become_credential_errors_with_a_hint() {
        let error = azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            "no secret s3cr3t",
        );
        let mapped = from_azure(CredentialName::ClientSecret, &error, &["s3cr3t"]);
        assert_eq!(mapped.kind(), ErrorKind::Credential);
        assert!(mapped.message.contains("no secret ***"));
        assert!(mapped.hint.contains("AZURE_CLIENT_SECRET"));
        assert!(!format!("{mapped:?}{mapped}").contains("s3cr3t"));
    }

    #[test]
    fn a_token_endpoints_retry_after_is_read_from_its_answer() {
        use azure_core::http::headers::{HeaderName, Headers};
        use azure_core::http::{RawResponse, StatusCode};
        let answer = |name: &'static str, value: &str| {
            let mut headers = Headers::new();
            headers.insert(HeaderName::from_static(name), value.to_string());
            let response = RawResponse::from_bytes(StatusCode::TooManyRequests, headers, "{}");
            azure_core::Error::new(
                azure_core::error::ErrorKind::HttpResponse {
                    status: StatusCode::TooManyRequests,
                    error_code: Some("50196".into()),
                    raw_response: Some(Box::new(response)),
                },
                "throttled",
            )
        };
        let mapped = from_azure(
            CredentialName::ClientSecret,
            &answer("retry-after", "86400"),
            &[],
        );
        assert_eq!(mapped.kind(), ErrorKind::Credential);
        assert_eq!(
            mapped.status, None,
            "the token endpoint's status is not the service's"
        );
        assert_eq!(mapped.retry_after, Some(Duration::from_secs(86_400)));
        let mapped = from_azure(
            CredentialName::ManagedIdentity,
            &answer("retry-after-ms", "1500"),
            &[],
        );
        assert_eq!(mapped.retry_after, Some(Duration::from_millis(1_500)));
    }
}
