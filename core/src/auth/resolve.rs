//! Resolves an `entra:` setting against the environment: each credential kind either gets
//! everything it needs or says what is missing (the chain lists these reasons when nothing
//! works). Values come from the catalog first, then the usual Azure variable names.

use std::path::PathBuf;

use super::app_service::AppServiceIdentity;
use super::source::TokenSource;
use super::EnvLookup;
use crate::config::endpoint::is_loopback;
use crate::config::{EntraConfig, Secret};

const PUBLIC_CLOUD_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Why a credential kind cannot be used here.
pub(crate) type Unconfigured = String;

/// An `entra:` setting seen through an environment.
pub(crate) struct EntraSettings<'a> {
    config: &'a EntraConfig,
    env: &'a EnvLookup,
}

impl<'a> EntraSettings<'a> {
    pub(crate) fn new(config: &'a EntraConfig, env: &'a EnvLookup) -> Self {
        EntraSettings { config, env }
    }

    /// A variable's value; empty counts as unset, as in the other Azure SDKs.
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }

    fn setting(&self, value: &Option<String>, variable: &str) -> Option<String> {
        value
            .clone()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| self.var(variable))
    }

    fn tenant_id(&self) -> Option<String> {
        self.setting(&self.config.tenant_id, "AZURE_TENANT_ID")
    }

    fn client_id(&self) -> Option<String> {
        self.setting(&self.config.client_id, "AZURE_CLIENT_ID")
    }

    fn client_secret(&self) -> Option<Secret> {
        if let Some(secret) = self
            .config
            .client_secret
            .clone()
            .filter(|s| !s.expose().is_empty())
        {
            return Some(secret);
        }
        let from_named = self
            .config
            .client_secret_env
            .as_deref()
            .and_then(|name| self.var(name));
        from_named
            .or_else(|| self.var("AZURE_CLIENT_SECRET"))
            .map(Secret::new)
    }

    /// The Entra authority, https only (azure_identity refuses anything else).
    pub(crate) fn authority_host(&self) -> Result<String, Unconfigured> {
        let host = self
            .setting(&self.config.authority_host, "AZURE_AUTHORITY_HOST")
            .unwrap_or_else(|| PUBLIC_CLOUD_AUTHORITY.to_string());
        if host.to_ascii_lowercase().starts_with("https://") {
            Ok(host)
        } else {
            Err(format!(
                "the authority host '{host}' (entra.authority_host or AZURE_AUTHORITY_HOST) must be an https URL"
            ))
        }
    }

    /// Names the settings among `wanted` that are missing.
    fn missing(wanted: &[(&str, bool)]) -> Unconfigured {
        let names: Vec<&str> = wanted
            .iter()
            .filter(|(_, present)| !present)
            .map(|(n, _)| *n)
            .collect();
        format!("not configured: {} not set", names.join(", "))
    }

    pub(crate) fn client_secret_source(&self) -> Result<TokenSource, Unconfigured> {
        let (tenant_id, client_id, secret) =
            (self.tenant_id(), self.client_id(), self.client_secret());
        match (tenant_id, client_id, secret) {
            (Some(tenant_id), Some(client_id), Some(secret)) => Ok(TokenSource::ClientSecret {
                tenant_id,
                client_id,
                secret,
                authority_host: self.authority_host()?,
            }),
            (t, c, s) => Err(Self::missing(&[
                ("AZURE_TENANT_ID (entra.tenant_id)", t.is_some()),
                ("AZURE_CLIENT_ID (entra.client_id)", c.is_some()),
                ("AZURE_CLIENT_SECRET (entra.client_secret_env)", s.is_some()),
            ])),
        }
    }

    pub(crate) fn workload_identity_source(&self) -> Result<TokenSource, Unconfigured> {
        let file = self.setting(
            &self.config.federated_token_file,
            "AZURE_FEDERATED_TOKEN_FILE",
        );
        match (self.tenant_id(), self.client_id(), file) {
            (Some(tenant_id), Some(client_id), Some(file)) => Ok(TokenSource::WorkloadIdentity {
                tenant_id,
                client_id,
                token_file: PathBuf::from(file),
                authority_host: self.authority_host()?,
            }),
            (t, c, f) => Err(Self::missing(&[
                (
                    "AZURE_FEDERATED_TOKEN_FILE (entra.federated_token_file)",
                    f.is_some(),
                ),
                ("AZURE_TENANT_ID (entra.tenant_id)", t.is_some()),
                ("AZURE_CLIENT_ID (entra.client_id)", c.is_some()),
            ])),
        }
    }

    /// App Service style when `IDENTITY_ENDPOINT` is set, else the VM metadata endpoint, which
    /// is never attempted from a setup that is visibly local (tests must not reach it).
    pub(crate) fn managed_identity_source(&self) -> Result<TokenSource, Unconfigured> {
        let client_id = self.client_id();
        if let Some(endpoint) = self.var("IDENTITY_ENDPOINT") {
            let header = self.var("IDENTITY_HEADER").ok_or_else(|| {
                "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not (Azure Arc and Service Fabric identities are not supported)"
                    .to_string()
            })?;
            let identity = AppServiceIdentity {
                endpoint,
                header: Secret::new(header),
                client_id,
            };
            identity.check().map_err(|e| e.message.clone())?;
            return Ok(TokenSource::AppService(identity));
        }
        if self.var("MSI_ENDPOINT").is_some() {
            return Err(
                "MSI_ENDPOINT is set: Cloud Shell and Azure ML identities are not supported".into(),
            );
        }
        // azure_identity picks its managed identity source from the process environment; if
        // that names an identity endpoint the client's environment does not, it would go there.
        if ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"]
            .iter()
            .any(|v| std::env::var_os(v).is_some())
        {
            return Err("the process environment sets IDENTITY_ENDPOINT or MSI_ENDPOINT but the client's environment does not; pass both IDENTITY_ENDPOINT and IDENTITY_HEADER in the client's environment".into());
        }
        if self
            .authority_host()
            .map(|h| is_loopback(&h))
            .unwrap_or(false)
        {
            return Err("not attempted: the authority host is a loopback address (a local setup), so the VM metadata endpoint is not contacted; set IDENTITY_ENDPOINT and IDENTITY_HEADER for a local managed identity".into());
        }
        Ok(TokenSource::Imds { client_id })
    }

    pub(crate) fn azure_cli_source(&self) -> TokenSource {
        // Only an explicit tenant: AZURE_TENANT_ID belongs to the service principal settings.
        TokenSource::AzureCli {
            tenant_id: self
                .config
                .tenant_id
                .clone()
                .filter(|t| !t.trim().is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvLookup {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Arc::new(move |name| map.get(name).cloned())
    }

    #[test]
    fn client_secret_reads_config_then_environment() {
        let config = EntraConfig {
            tenant_id: Some("tenant-from-config".into()),
            client_secret_env: Some("MY_SECRET".into()),
            ..Default::default()
        };
        let lookup = env(&[
            ("AZURE_TENANT_ID", "tenant-from-env"),
            ("AZURE_CLIENT_ID", "client"),
            ("MY_SECRET", "secret-not-real"),
            ("AZURE_CLIENT_SECRET", "other-secret"),
        ]);
        let source = EntraSettings::new(&config, &lookup)
            .client_secret_source()
            .expect("configured");
        match source {
            TokenSource::ClientSecret {
                tenant_id,
                client_id,
                secret,
                authority_host,
            } => {
                assert_eq!(tenant_id, "tenant-from-config");
                assert_eq!(client_id, "client");
                assert_eq!(secret.expose(), "secret-not-real");
                assert_eq!(authority_host, PUBLIC_CLOUD_AUTHORITY);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_settings_are_named() {
        let config = EntraConfig::default();
        let lookup = env(&[("AZURE_CLIENT_ID", "client"), ("AZURE_TENANT_ID", "  ")]);
        let reason = EntraSettings::new(&config, &lookup)
            .client_secret_source()
            .expect_err("missing");
        assert!(reason.contains("AZURE_TENANT_ID"), "{reason}");
        assert!(reason.contains("AZURE_CLIENT_SECRET"), "{reason}");
        assert!(!reason.contains("AZURE_CLIENT_ID"), "{reason}");
        let reason = EntraSettings::new(&config, &lookup)
            .workload_identity_source()
            .expect_err("missing");
        assert!(reason.contains("AZURE_FEDERATED_TOKEN_FILE"), "{reason}");
    }

    #[test]
    fn a_plain_http_authority_is_refused() {
        let config = EntraConfig {
            authority_host: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        let lookup = env(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
        ]);
        let reason = EntraSettings::new(&config, &lookup)
            .client_secret_source()
            .expect_err("http");
        assert!(reason.contains("https"), "{reason}");
    }

    #[test]
    fn managed_identity_prefers_the_identity_endpoint() {
        let config = EntraConfig::default();
        let lookup = env(&[
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token"),
            ("IDENTITY_HEADER", "header-not-real"),
            ("AZURE_CLIENT_ID", "user-assigned"),
        ]);
        match EntraSettings::new(&config, &lookup).managed_identity_source() {
            Ok(TokenSource::AppService(identity)) => {
                assert_eq!(identity.endpoint, "http://127.0.0.1:9/msi/token");
                assert_eq!(identity.client_id.as_deref(), Some("user-assigned"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let no_header = env(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:9/msi/token")]);
        let reason = EntraSettings::new(&config, &no_header)
            .managed_identity_source()
            .expect_err("no header");
        assert!(reason.contains("IDENTITY_HEADER"), "{reason}");
        let remote = env(&[
            ("IDENTITY_ENDPOINT", "http://10.0.0.4/msi/token"),
            ("IDENTITY_HEADER", "h"),
        ]);
        assert!(EntraSettings::new(&config, &remote)
            .managed_identity_source()
            .is_err());
    }

    #[test]
    fn the_metadata_endpoint_is_never_chosen_for_a_local_setup() {
        let config = EntraConfig {
            authority_host: Some("https://127.0.0.1:8443".into()),
            ..Default::default()
        };
        let lookup = env(&[]);
        let reason = EntraSettings::new(&config, &lookup)
            .managed_identity_source()
            .expect_err("local");
        assert!(reason.contains("not attempted"), "{reason}");
    }
}
