//! AuthRegistry against the emulator's fake Entra (https, test CA) and managed identity
//! endpoints, and the tokens it issues used on a real chat request.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use foundry_emulator::{Emulator, EmulatorConfig};

use super::tests::{deployment, env};
use super::{AuthRegistry, BearerRequest};
use crate::config::{AuthConfig, CredentialKind, EntraConfig, Secret, Shape};
use crate::ErrorKind;

const SECRET: &str = "client-secret-not-real";

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("foundry-auth-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Setup {
    emulator: Emulator,
    dir: TempDir,
}

impl Setup {
    async fn start(config: EmulatorConfig) -> Setup {
        let emulator = Emulator::start(config).await.expect("emulator");
        Setup {
            emulator,
            dir: TempDir::new(),
        }
    }

    /// An `entra:` setting pointing at the emulator's fake Entra, trusting its CA.
    fn entra(&self, kind: CredentialKind, client_id: &str, secret: Option<&str>) -> EntraConfig {
        EntraConfig {
            credential: kind,
            tenant_id: Some("emulator-tenant".into()),
            client_id: Some(client_id.into()),
            client_secret: secret.map(Secret::new),
            authority_host: Some(self.emulator.https_endpoint()),
            ca_file: Some(self.dir.write("ca.pem", &self.emulator.ca_pem())),
            ..Default::default()
        }
    }

    fn deployment(&self, config: EntraConfig) -> crate::Deployment {
        deployment(
            &self.emulator.endpoint(),
            Shape::Azure,
            AuthConfig::Entra(config),
        )
    }

    /// Sends a chat request to the emulator with `header` and returns the status.
    async fn chat_status(
        &self,
        header: (reqwest::header::HeaderName, reqwest::header::HeaderValue),
    ) -> u16 {
        let url = format!(
            "{}openai/deployments/DeepSeek-V3.2/chat/completions?api-version=2024-10-21",
            self.emulator.endpoint()
        );
        http()
            .post(url)
            .header(header.0, header.1)
            .json(&serde_json::json!({"messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16()
    }
}

#[tokio::test]
async fn client_secret_tokens_are_fetched_once_and_accepted() {
    let setup = Setup::start(EmulatorConfig::reference()).await;
    let registry = Arc::new(AuthRegistry::with_env(http(), env(&[])));
    let d = Arc::new(setup.deployment(setup.entra(
        CredentialKind::ClientSecret,
        "app-1",
        Some(SECRET),
    )));
    let calls = (0..200).map(|_| {
        let (registry, d) = (Arc::clone(&registry), Arc::clone(&d));
        tokio::spawn(async move { registry.header(&d, false).await })
    });
    let mut headers = Vec::new();
    for call in futures_util::future::join_all(calls).await {
        headers.push(call.expect("task").expect("token").expect("header"));
    }
    assert_eq!(setup.emulator.token_requests(), 1);
    assert!(headers.windows(2).all(|w| w[0] == w[1]));
    let header = headers.swap_remove(0);
    assert!(header.1.is_sensitive());
    assert!(!format!("{registry:?} {d:?}").contains(SECRET));
    assert_eq!(setup.chat_status(header).await, 200);
}

#[tokio::test]
async fn tokens_are_renewed_before_expiry_and_forced_refreshes_collapse() {
    let mut config = EmulatorConfig::reference();
    config.token_ttl_secs = 2;
    let setup = Setup::start(config).await;
    let registry = Arc::new(AuthRegistry::with_env(http(), env(&[])));
    let d = Arc::new(setup.deployment(setup.entra(
        CredentialKind::ClientSecret,
        "app-1",
        Some(SECRET),
    )));
    let first = registry
        .header(&d, false)
        .await
        .expect("token")
        .expect("header");
    registry.header(&d, false).await.expect("token");
    assert_eq!(setup.emulator.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let renewed = registry
        .header(&d, false)
        .await
        .expect("token")
        .expect("header");
    assert_eq!(setup.emulator.token_requests(), 2);
    assert_ne!(first.1, renewed.1);
    assert_eq!(setup.chat_status(renewed).await, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        setup.chat_status(first).await,
        401,
        "the emulator refuses an expired token"
    );

    // The expired token is replaced on the next call; 50 calls refused with that new token
    // (concurrent 401s) share one forced refresh.
    let refused = registry
        .header_for(&d, BearerRequest::default())
        .await
        .expect("token")
        .and_then(|h| h.token);
    assert_eq!(setup.emulator.token_requests(), 3);
    let forced = (0..50).map(|_| {
        let (registry, d) = (Arc::clone(&registry), Arc::clone(&d));
        let request = BearerRequest {
            refused,
            wait_until: None,
            refused_sent_at: None,
        };
        tokio::spawn(async move { registry.header_for(&d, request).await })
    });
    for call in futures_util::future::join_all(forced).await {
        let header = call.expect("task").expect("token").expect("header");
        assert_ne!(header.token, refused);
    }
    assert_eq!(setup.emulator.token_requests(), 4);
}

#[tokio::test]
async fn a_wrong_secret_is_an_authentication_error_without_the_secret() {
    let setup = Setup::start(EmulatorConfig::reference()).await;
    let registry = AuthRegistry::with_env(http(), env(&[]));
    let d =
        setup.deployment(setup.entra(CredentialKind::ClientSecret, "app-1", Some("wrong-secret")));
    let error = registry.header(&d, false).await.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.code.as_deref(), Some("AADSTS7000215"));
    assert!(
        error.message.contains("Invalid client secret"),
        "{}",
        error.message
    );
    assert!(error.hint.contains("AZURE_CLIENT_SECRET"), "{}", error.hint);
    assert!(!format!("{error:?} {error}").contains("wrong-secret"));
}

#[tokio::test]
async fn secrets_from_the_environment_are_used_and_redacted() {
    let setup = Setup::start(EmulatorConfig::reference()).await;
    let registry = AuthRegistry::with_env(
        http(),
        env(&[
            ("AZURE_TENANT_ID", "env-tenant"),
            ("AZURE_CLIENT_ID", "app-env"),
            ("AZURE_CLIENT_SECRET", "wrong-secret"),
        ]),
    );
    let mut config = setup.entra(CredentialKind::ClientSecret, "unused", None);
    config.tenant_id = None;
    config.client_id = None;
    let error = registry
        .header(&setup.deployment(config), false)
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert!(!format!("{error:?}").contains("wrong-secret"));
}

#[tokio::test]
async fn workload_identity_sends_the_federated_token() {
    let setup = Setup::start(EmulatorConfig::reference()).await;
    let registry = AuthRegistry::with_env(http(), env(&[]));
    let mut config = setup.entra(CredentialKind::WorkloadIdentity, "app-pod", None);
    config.federated_token_file = Some(setup.dir.write("token", "federated-assertion"));
    let header = registry
        .header(&setup.deployment(config.clone()), false)
        .await
        .expect("token")
        .expect("header");
    assert_eq!(setup.emulator.token_requests(), 1);
    assert_eq!(setup.chat_status(header).await, 200);

    config.federated_token_file = Some(setup.dir.write("bad-token", "wrong-assertion"));
    let error = registry
        .header(&setup.deployment(config), false)
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert!(error.hint.contains("AZURE_FEDERATED_TOKEN_FILE"));
}

#[tokio::test]
async fn managed_identity_through_the_emulator_and_a_forbidden_client() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["no-role-identity".into()];
    let setup = Setup::start(config).await;
    let identity_endpoint = format!("{}msi/token", setup.emulator.endpoint());
    let lookup = |client_id: &str| {
        env(&[
            ("IDENTITY_ENDPOINT", identity_endpoint.as_str()),
            ("IDENTITY_HEADER", "identity-header-not-real"),
            ("AZURE_CLIENT_ID", client_id),
        ])
    };
    let d = deployment(
        &setup.emulator.endpoint(),
        Shape::Azure,
        AuthConfig::Entra(EntraConfig {
            credential: CredentialKind::ManagedIdentity,
            ..Default::default()
        }),
    );
    let allowed = AuthRegistry::with_env(http(), lookup("app-identity"));
    let header = allowed
        .header(&d, false)
        .await
        .expect("token")
        .expect("header");
    assert_eq!(setup.chat_status(header).await, 200);
    let forbidden = AuthRegistry::with_env(http(), lookup("no-role-identity"));
    let header = forbidden
        .header(&d, false)
        .await
        .expect("token")
        .expect("header");
    assert_eq!(setup.chat_status(header).await, 403);
}

#[tokio::test]
async fn the_default_chain_picks_the_configured_service_principal() {
    let setup = Setup::start(EmulatorConfig::reference()).await;
    let registry = AuthRegistry::with_env(http(), env(&[]));
    let d = setup.deployment(setup.entra(CredentialKind::Default, "app-1", Some(SECRET)));
    let header = registry
        .header(&d, false)
        .await
        .expect("token")
        .expect("header");
    assert_eq!(setup.chat_status(header).await, 200);
}
