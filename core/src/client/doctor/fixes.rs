//! The fixes of the usage guide's troubleshooting table, written for one deployment: the `az`
//! command with the account and deployment filled in from the catalog (the resource group and
//! vault are the user's to fill: the catalog does not know them).

use crate::config::{endpoint, AuthConfig, Deployment};

/// The Foundry (Cognitive Services) account an endpoint belongs to: the first label of
/// `https://<account>.openai.azure.com/` or `https://<account>.services.ai.azure.com/`.
fn account(d: &Deployment) -> String {
    reqwest::Url::parse(&d.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .filter(|h| h.ends_with(".azure.com"))
        .and_then(|h| h.split('.').next().map(str::to_string))
        .unwrap_or_else(|| "<account>".into())
}

fn account_args(d: &Deployment) -> String {
    format!("--name {} --resource-group <resource-group>", account(d))
}

pub(super) fn endpoint_host(d: &Deployment) -> String {
    format!(
        "check the endpoint in the catalog against the account's: az cognitiveservices account show {} --query properties.endpoint -o tsv",
        account_args(d)
    )
}

pub(super) fn connect(d: &Deployment) -> String {
    format!(
        "the host resolves but the connection fails: check the firewall, proxy and private endpoint (az cognitiveservices account show {} --query properties.publicNetworkAccess)",
        account_args(d)
    )
}

pub(super) fn tls() -> String {
    "the server's certificate is not trusted: if a proxy re-signs TLS, give its CA (`ca_pem` in the client settings, or SSL_CERT_FILE); an Azure endpoint is https://<account>.openai.azure.com/ or https://<account>.services.ai.azure.com/".into()
}

/// A refused credential (401).
pub(super) fn refused_credential(d: &Deployment) -> String {
    match &d.auth {
        AuthConfig::Entra(c) => {
            let scope = c
                .scope
                .as_deref()
                .unwrap_or_else(|| endpoint::default_scope(&d.endpoint));
            format!(
                "the token was refused: check the tenant and that a token for {scope} is issued (az account get-access-token --scope {scope})"
            )
        }
        AuthConfig::KeyVault(kv) => format!(
            "the key read from Key Vault was refused even after a fresh read: check that secret '{}' holds the account's current key (az keyvault secret show --id {}secrets/{} --query value -o tsv against az cognitiveservices account keys list {})",
            kv.secret, kv.vault_url, kv.secret, account_args(d)
        ),
        _ => "re-retrieve the key from Key Vault: az keyvault secret show --vault-name <vault> --name foundry-api-key --query value -o tsv, and export it as FOUNDRY_API_KEY".into(),
    }
}

pub(super) fn role(d: &Deployment) -> String {
    format!(
        "the identity lacks the Cognitive Services User role on the account: az role assignment list --assignee <principal-id> --scope $(az cognitiveservices account show {} --query id -o tsv) -o table, then az role assignment create --role \"Cognitive Services User\" with the same --assignee and --scope",
        account_args(d)
    )
}

pub(super) fn missing_deployment(d: &Deployment) -> String {
    format!(
        "no deployment '{}' answers at this endpoint with api-version {}: list them with az cognitiveservices account deployment list {} -o table, and fix `deployment:` (or `api_version:`) in the catalog",
        d.deployment,
        d.api_version,
        account_args(d)
    )
}

pub(super) fn responses_only(d: &Deployment) -> String {
    format!(
        "set `responses_only: true` on '{}' so no call is first refused (the client otherwise learns it from one failed attempt); its capabilities: az cognitiveservices account deployment show {} --deployment-name {} --query properties.capabilities",
        d.name,
        account_args(d),
        d.deployment
    )
}

pub(super) fn completion_tokens(d: &Deployment) -> String {
    format!(
        "set `max_tokens_param: max_completion_tokens` on '{}' (the gpt-5 and o-series models refuse `max_tokens`; the client otherwise learns it from one failed attempt)",
        d.name
    )
}

pub(super) fn thinking(d: &Deployment) -> String {
    format!(
        "a thinking model spends small output budgets reasoning and answers `content: null`: set `min_max_tokens: 100` (or more) on '{}' so every call leaves room for the answer",
        d.name
    )
}

pub(super) fn quota() -> String {
    "raise the deployment's capacity (its TPM) in foundry.tf and terraform apply (the default is 10K TPM), or pace calls in the client with `governance.rate_limits: true`".into()
}

pub(super) fn service() -> String {
    "a service error: retry with exponential backoff (the client does) and check Azure status"
        .into()
}
