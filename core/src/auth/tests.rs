//! AuthRegistry end to end against loopback servers: key headers, the plain-http guard,
//! App Service managed identity, the default chain and the Azure CLI credential.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::fake_az::FakeAz;
use super::test_server::{msi_token, TestServer};
use super::{AuthRegistry, EnvLookup};
use crate::config::{
    AuthConfig, CredentialKind, Deployment, EntraConfig, Secret, Shape, TokenFetch,
};
use crate::ErrorKind;

const KEY: &str = "test-key-abc123-not-real";
const IDENTITY_HEADER: &str = "identity-header-not-real";

pub(crate) fn deployment(endpoint: &str, shape: Shape, auth: AuthConfig) -> Deployment {
    Deployment {
        name: "gpt-test".into(),
        deployment: "gpt-test".into(),
        model: None,
        endpoint: endpoint.into(),
        shape,
        api_version: "2024-10-21".into(),
        responses_api_version: "2025-04-01-preview".into(),
        auth,
        thinking: false,
        responses_only: false,
        max_tokens_param: Default::default(),
        min_max_tokens: None,
        extra_parameters: None,
        pricing: Default::default(),
        tpm: None,
        rpm: None,
        tags: BTreeMap::new(),
        headers: BTreeMap::new(),
        retry_after_send: false,
    }
}

pub(crate) fn env(pairs: &[(&str, &str)]) -> EnvLookup {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Arc::new(move |name| map.get(name).cloned())
}

fn entra(kind: CredentialKind) -> AuthConfig {
    AuthConfig::Entra(EntraConfig {
        credential: kind,
        ..Default::default()
    })
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A registry whose managed identity is the given loopback server.
fn msi_registry(server: &TestServer) -> AuthRegistry {
    let endpoint = format!("{}msi/token", server.base);
    AuthRegistry::with_env(
        http(),
        env(&[
            ("IDENTITY_ENDPOINT", &endpoint),
            ("IDENTITY_HEADER", IDENTITY_HEADER),
        ]),
    )
}

fn bearer(header: Option<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>) -> String {
    let (name, value) = header.expect("a header");
    assert_eq!(name, reqwest::header::AUTHORIZATION);
    assert!(value.is_sensitive());
    value.to_str().expect("ascii").to_string()
}

#[tokio::test]
async fn api_keys_follow_the_shape_and_never_leak() {
    let registry = AuthRegistry::new(http());
    for (shape, name, value) in [
        (Shape::Azure, "api-key", KEY.to_string()),
        (Shape::V1, "api-key", KEY.to_string()),
        (Shape::Inference, "api-key", KEY.to_string()),
        (Shape::Openai, "authorization", format!("Bearer {KEY}")),
    ] {
        let d = deployment(
            "https://res.openai.azure.com/",
            shape,
            AuthConfig::ApiKey(Secret::new(KEY)),
        );
        let (header, header_value) = registry
            .header(&d, false)
            .await
            .expect("ok")
            .expect("header");
        assert_eq!(header.as_str(), name);
        assert_eq!(header_value.to_str().expect("ascii"), value);
        assert!(header_value.is_sensitive());
        assert!(!format!("{d:?} {registry:?} {header_value:?}").contains(KEY));
    }
}

#[tokio::test]
async fn no_credential_means_no_header() {
    let registry = AuthRegistry::new(http());
    let d = deployment(
        "http://gpu-box.internal:8000/",
        Shape::Openai,
        AuthConfig::None,
    );
    assert!(registry.header(&d, false).await.expect("ok").is_none());
}

#[tokio::test]
async fn credentials_never_go_to_a_remote_plain_http_endpoint() {
    let registry = AuthRegistry::new(http());
    for auth in [
        AuthConfig::ApiKey(Secret::new(KEY)),
        entra(CredentialKind::AzureCli),
    ] {
        for endpoint in [
            "http://res.openai.azure.com/",
            "http://127.0.0.1@evil.example/",
        ] {
            let d = deployment(endpoint, Shape::Azure, auth.clone());
            let error = registry.header(&d, false).await.expect_err("refused");
            assert_eq!(error.kind(), ErrorKind::Config);
            assert_eq!(error.deployment.as_deref(), Some("gpt-test"));
            assert!(!format!("{error:?} {error}").contains(KEY));
        }
    }
    let local = deployment(
        "http://127.0.0.1:9/",
        Shape::Azure,
        AuthConfig::ApiKey(Secret::new(KEY)),
    );
    assert!(registry
        .header(&local, false)
        .await
        .expect("loopback")
        .is_some());
}

#[tokio::test]
async fn managed_identity_fetches_once_for_200_concurrent_callers() {
    let server = TestServer::start(|n, _| (200, msi_token(&format!("mi-token-{n}"), 3600))).await;
    let registry = Arc::new(msi_registry(&server));
    let d = Arc::new(deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    ));
    let calls = (0..200).map(|_| {
        let (registry, d) = (Arc::clone(&registry), Arc::clone(&d));
        tokio::spawn(async move { registry.header(&d, false).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(
            bearer(call.expect("task").expect("token")),
            "Bearer mi-token-1"
        );
    }
    assert_eq!(server.count(), 1);
    let seen = &server.requests()[0];
    assert!(seen.line.starts_with("GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com"), "{}", seen.line);
    assert_eq!(seen.header("x-identity-header"), Some(IDENTITY_HEADER));
    assert!(!format!("{registry:?}").contains(IDENTITY_HEADER));
}

#[tokio::test]
async fn forced_refreshes_collapse_to_one_fetch() {
    let server = TestServer::start(|n, _| (200, msi_token(&format!("mi-token-{n}"), 3600))).await;
    let registry = Arc::new(msi_registry(&server));
    let d = Arc::new(deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    ));
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer mi-token-1"
    );
    let calls = (0..50).map(|_| {
        let (registry, d) = (Arc::clone(&registry), Arc::clone(&d));
        tokio::spawn(async move { registry.header(&d, true).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(
            bearer(call.expect("task").expect("token")),
            "Bearer mi-token-2"
        );
    }
    assert_eq!(server.count(), 2);
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer mi-token-2"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_short_lived_token_is_fetched_again_later() {
    let server = TestServer::start(|n, _| (200, msi_token(&format!("mi-token-{n}"), 2))).await;
    let registry = msi_registry(&server);
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    );
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer mi-token-1"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer mi-token-2"
    );
}

#[tokio::test]
async fn each_scope_and_setting_gets_its_own_token() {
    let server = TestServer::start(|n, _| (200, msi_token(&format!("mi-token-{n}"), 3600))).await;
    let registry = msi_registry(&server);
    let classic = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    );
    let foundry = deployment(
        "https://res.services.ai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    );
    registry.header(&classic, false).await.expect("token");
    registry.header(&foundry, false).await.expect("token");
    registry.header(&classic, false).await.expect("token");
    let lines: Vec<String> = server.requests().into_iter().map(|r| r.line).collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].ends_with("resource=https%3A%2F%2Fai.azure.com"),
        "{}",
        lines[1]
    );
}

#[tokio::test]
async fn managed_identity_failures_say_what_to_check() {
    let server = TestServer::start(|n, _| match n {
        1 => (401, r#"{"error":"invalid_header"}"#.into()),
        _ => (500, r#"{"error":"boom"}"#.into()),
    })
    .await;
    // Without the failure memory, so the second call asks again and meets the 500.
    let registry = msi_registry(&server).with_token_fetch(&TokenFetch {
        failure_memory_ms: 0,
        ..TokenFetch::default()
    });
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ManagedIdentity),
    );
    let refused = registry.header(&d, false).await.expect_err("401");
    assert_eq!(refused.kind(), ErrorKind::Authentication);
    assert!(
        refused.hint.contains("IDENTITY_ENDPOINT"),
        "{}",
        refused.hint
    );
    let broken = registry.header(&d, false).await.expect_err("500");
    assert_eq!(broken.kind(), ErrorKind::Credential);
    assert!(broken.message.contains("500"), "{}", broken.message);
    for error in [refused, broken] {
        assert!(!format!("{error:?} {error}").contains(IDENTITY_HEADER));
    }
}

#[tokio::test]
async fn azure_cli_asks_az_for_the_endpoint_scope() {
    let az = FakeAz::new(FakeAz::token("cli-token"));
    let registry = AuthRegistry::with_env(http(), env(&[])).with_cli_executor(az.clone());
    let d = deployment(
        "https://res.services.ai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::AzureCli),
    );
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer cli-token"
    );
    let command = az.last_args.lock().expect("args").join(" ");
    assert!(
        command
            .contains("az account get-access-token -o json --scope https://ai.azure.com/.default"),
        "{command}"
    );
}

#[tokio::test]
async fn the_default_chain_lists_every_reason_when_nothing_works() {
    // Nothing listens on this port: the managed identity member fails fast.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let endpoint = format!("http://127.0.0.1:{closed}/msi/token");
    let az = FakeAz::new(Err("Please run 'az login' to setup account.".into()));
    let registry = AuthRegistry::with_env(
        http(),
        env(&[
            ("IDENTITY_ENDPOINT", &endpoint),
            ("IDENTITY_HEADER", IDENTITY_HEADER),
            ("AZURE_CLIENT_ID", "c"),
        ]),
    )
    .with_cli_executor(az.clone());
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::Default),
    );
    let error = registry.header(&d, false).await.expect_err("nothing works");
    assert_eq!(error.kind(), ErrorKind::Credential);
    let message = &error.message;
    for expected in [
        "client secret (environment service principal): not configured: AZURE_TENANT_ID",
        "workload identity: not configured: AZURE_FEDERATED_TOKEN_FILE",
        "managed identity credential: the identity endpoint could not be reached",
        "Azure CLI credential",
        "az login",
    ] {
        assert!(
            message.contains(expected),
            "missing '{expected}' in {message}"
        );
    }
    assert!(error.hint.contains("az login"));
    assert!(!format!("{error:?}").contains(IDENTITY_HEADER));
}

#[tokio::test]
async fn the_default_chain_remembers_the_member_that_worked() {
    let server = TestServer::start(|_, _| (500, r#"{"error":"not today"}"#.into())).await;
    let endpoint = format!("{}msi/token", server.base);
    let az = FakeAz::new(FakeAz::token("cli-token"));
    let registry = AuthRegistry::with_env(
        http(),
        env(&[
            ("IDENTITY_ENDPOINT", &endpoint),
            ("IDENTITY_HEADER", IDENTITY_HEADER),
        ]),
    )
    .with_cli_executor(az.clone());
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::Default),
    );
    assert_eq!(
        bearer(registry.header(&d, false).await.expect("token")),
        "Bearer cli-token"
    );
    assert_eq!(
        bearer(registry.header(&d, true).await.expect("token")),
        "Bearer cli-token"
    );
    assert_eq!(
        server.count(),
        1,
        "managed identity is not asked again once the CLI worked"
    );
    assert_eq!(az.runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn explicit_credentials_name_their_missing_settings() {
    let registry =
        AuthRegistry::with_env(http(), env(&[("AZURE_CLIENT_SECRET", "s3cret-not-real")]));
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::ClientSecret),
    );
    let error = registry.header(&d, false).await.expect_err("missing");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(
        error.message.contains("AZURE_TENANT_ID"),
        "{}",
        error.message
    );
    assert!(!format!("{error:?}").contains("s3cret-not-real"));
    let d = deployment(
        "https://res.openai.azure.com/",
        Shape::Azure,
        entra(CredentialKind::WorkloadIdentity),
    );
    let error = registry.header(&d, false).await.expect_err("missing");
    assert!(
        error.message.contains("AZURE_FEDERATED_TOKEN_FILE"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn an_unreadable_ca_file_is_a_config_error() {
    let registry = AuthRegistry::with_env(http(), env(&[]));
    let auth = AuthConfig::Entra(EntraConfig {
        credential: CredentialKind::AzureCli,
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    });
    let d = deployment("https://res.openai.azure.com/", Shape::Azure, auth);
    let error = registry.header(&d, false).await.expect_err("no file");
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.message.contains("entra.ca_file"), "{}", error.message);
}
