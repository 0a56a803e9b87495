//! Turning credential failures into the client's taxonomy: kind Credential (kind
//! Authentication when the token endpoint answered 401), the credential's own message with
//! every known secret blanked out, and a hint that names the settings to check.

use crate::{Error, ErrorKind};

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
    let (status, code) = http_failure(error);
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
    Error::new(kind, message)
        .with_code(code)
        .with_hint(name.hint())
}

/// The status and Entra error code of the first HTTP failure in the error's chain.
fn http_failure(error: &azure_core::Error) -> (Option<u16>, Option<String>) {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(azure) = e.downcast_ref::<azure_core::Error>() {
            if let azure_core::error::ErrorKind::HttpResponse {
                status, error_code, ..
            } = azure.kind()
            {
                let code = error_code.as_ref().map(|c| format!("AADSTS{c}"));
                return (Some(u16::from(*status)), code);
            }
        }
        current = e.source();
    }
    (None, None)
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
}
