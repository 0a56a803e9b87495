//! API keys read from the emulator's Key Vault (https, its test CA trusted like `ca_pem`):
//! one read for many callers, the interval re-read, the re-read after a 401, the errors of a
//! bad vault, secret or credential, and the key kept out of every Debug and error text.

use std::sync::Arc;
use std::time::{Duration, Instant};

use foundry_emulator::{Emulator, EmulatorConfig};

use super::tests::{deployment, env};
use super::{AuthRegistry, BearerRequest};
use crate::config::{
    AuthConfig, CredentialKind, Deployment, EntraConfig, KeyVaultConfig, Secret, Shape,
};
use crate::ErrorKind;

const SECRET_NAME: &str = "foundry-api-key";
const KEY_1: &str = "made-up-vault-key-1";
const KEY_2: &str = "made-up-vault-key-2";
const CLIENT_SECRET: &str = "client-secret-not-real";

/// The client's HTTP client as `ClientOptions::ca_pem` builds it: trusting the emulator's CA.
fn http(emulator: &Emulator) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(emulator.ca_pem().as_bytes()).expect("ca");
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .expect("http")
}

fn registry(emulator: &Emulator) -> Arc<AuthRegistry> {
    Arc::new(AuthRegistry::with_env(http(emulator), env(&[])))
}

/// The emulator's vault, read by a service principal from its fake Entra.
fn vault(emulator: &Emulator, client_id: &str, secret: &str) -> KeyVaultConfig {
    let vault = emulator.https_endpoint();
    KeyVaultConfig {
        entra: EntraConfig {
            credential: CredentialKind::ClientSecret,
            tenant_id: Some("emulator-tenant".into()),
            client_id: Some(client_id.into()),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            authority_host: Some(emulator.https_endpoint()),
            ..Default::default()
        },
        ..KeyVaultConfig::new(vault.trim_start_matches("https://"), secret).expect("vault")
    }
}

fn vault_deployment(emulator: &Emulator, shape: Shape, config: KeyVaultConfig) -> Deployment {
    deployment(&emulator.endpoint(), shape, AuthConfig::KeyVault(config))
}

async fn started() -> Emulator {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    emulator.set_secret(SECRET_NAME, KEY_1);
    emulator
}

async fn key_of(registry: &AuthRegistry, d: &Deployment) -> (String, super::TokenGeneration) {
    let header = registry
        .header_for(d, BearerRequest::default())
        .await
        .expect("header")
        .expect("a credential");
    let value = header.value.to_str().expect("ascii").to_string();
    assert!(header.value.is_sensitive());
    (value, header.token.expect("a generation"))
}

#[tokio::test]
async fn many_concurrent_callers_cause_one_read() {
    let emulator = started().await;
    let registry = registry(&emulator);
    let d = Arc::new(vault_deployment(
        &emulator,
        Shape::Azure,
        vault(&emulator, "reader", SECRET_NAME),
    ));
    let calls = (0..32).map(|_| {
        let (registry, d) = (Arc::clone(&registry), Arc::clone(&d));
        tokio::spawn(async move {
            registry
                .header_for(&d, BearerRequest::default())
                .await
                .expect("header")
                .expect("a credential")
        })
    });
    for header in futures_util::future::join_all(calls).await {
        let header = header.expect("task");
        assert_eq!(header.name.as_str(), "api-key");
        assert_eq!(header.value.to_str().unwrap(), KEY_1);
    }
    assert_eq!(
        emulator.vault_reads(),
        1,
        "one read for 32 concurrent callers"
    );
    // The SecretClient's first request is answered by the challenge; one token for the vault.
    assert_eq!(emulator.vault_requests(), 2);
    assert_eq!(emulator.token_requests(), 1);

    // The OpenAI shape carries the same key as a bearer, from the same read.
    let openai = vault_deployment(
        &emulator,
        Shape::Openai,
        vault(&emulator, "reader", SECRET_NAME),
    );
    let header = registry
        .header_for(&openai, BearerRequest::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.value.to_str().unwrap(), format!("Bearer {KEY_1}"));
    assert_eq!(emulator.vault_reads(), 1);
}

#[tokio::test]
async fn the_key_is_read_again_after_the_interval() {
    let emulator = started().await;
    let registry = registry(&emulator);
    let mut config = vault(&emulator, "reader", SECRET_NAME);
    // Below the catalog's minimum, set in code to keep the test short.
    config.refresh_secs = 1;
    let d = vault_deployment(&emulator, Shape::Azure, config);
    let (first, generation) = key_of(&registry, &d).await;
    assert_eq!(first, KEY_1);
    emulator.set_secret(SECRET_NAME, KEY_2);
    let (cached, _) = key_of(&registry, &d).await;
    assert_eq!(cached, KEY_1, "within the interval the cached key is sent");
    assert_eq!(emulator.vault_reads(), 1);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let (renewed, renewed_generation) = key_of(&registry, &d).await;
    assert_eq!(renewed, KEY_2);
    assert_ne!(renewed_generation, generation);
    assert_eq!(emulator.vault_reads(), 2);
}

#[tokio::test]
async fn a_refused_key_is_read_again_once_per_burst() {
    let emulator = started().await;
    let registry = registry(&emulator);
    let d = vault_deployment(
        &emulator,
        Shape::Azure,
        vault(&emulator, "reader", SECRET_NAME),
    );
    let sent_at = Instant::now();
    let (_, refused) = key_of(&registry, &d).await;

    // The vault still holds the refused key: one read, no change, the same generation.
    let unchanged = registry
        .reread_refused_key(&d, refused, Instant::now(), None)
        .await
        .expect("re-read");
    assert!(!unchanged, "the key did not change");
    assert_eq!(emulator.vault_reads(), 2);
    // Others of the same burst (sent before that read ended) cause no read of their own.
    for _ in 0..5 {
        let again = registry
            .reread_refused_key(&d, refused, sent_at, None)
            .await;
        assert!(!again.expect("re-read"));
    }
    assert_eq!(emulator.vault_reads(), 2, "one read for the burst");

    emulator.set_secret(SECRET_NAME, KEY_2);
    let changed = registry
        .reread_refused_key(&d, refused, Instant::now(), None)
        .await
        .expect("re-read");
    assert!(changed, "the vault holds a new key");
    assert_eq!(emulator.vault_reads(), 3);
    let (key, _) = key_of(&registry, &d).await;
    assert_eq!(key, KEY_2);
    // A late 401 for the old key finds the new one cached: no read.
    assert!(registry
        .reread_refused_key(&d, refused, sent_at, None)
        .await
        .expect("re-read"));
    assert_eq!(emulator.vault_reads(), 3);
}

/// A read's error: its kind, and its text (Debug and Display) for the checks.
async fn read_error(registry: &AuthRegistry, d: &Deployment) -> (ErrorKind, String, String) {
    let error = registry
        .header_for(d, BearerRequest::default())
        .await
        .err()
        .expect("the read fails");
    (
        error.kind(),
        error.hint.clone(),
        format!("{error:?} {error}"),
    )
}

#[tokio::test]
async fn bad_vaults_secrets_and_credentials_are_credential_errors_with_the_az_command() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["no-role".into()];
    let emulator = Emulator::start(config).await.expect("emulator");
    emulator.set_secret(SECRET_NAME, KEY_1);
    let registry = registry(&emulator);
    let at = |config| vault_deployment(&emulator, Shape::Azure, config);

    let (kind, hint, text) =
        read_error(&registry, &at(vault(&emulator, "reader", "missing"))).await;
    assert_eq!(kind, ErrorKind::Credential);
    assert!(text.contains("404") && text.contains("'missing'"), "{text}");
    assert!(
        hint.contains("az keyvault secret show --id https://127.0.0.1:"),
        "{hint}"
    );
    assert!(hint.contains("Key Vault Secrets User"), "{hint}");

    let (kind, hint, text) =
        read_error(&registry, &at(vault(&emulator, "no-role", SECRET_NAME))).await;
    assert_eq!(kind, ErrorKind::Credential);
    assert!(text.contains("403"), "{text}");
    assert!(hint.contains("az role assignment create --role \"Key Vault Secrets User\""));

    // Nothing listens on port 9 of loopback.
    let mut unreachable = vault(&emulator, "reader", SECRET_NAME);
    unreachable.vault_url = "https://127.0.0.1:9/".into();
    let (kind, hint, text) = read_error(&registry, &at(unreachable)).await;
    assert_eq!(kind, ErrorKind::Credential);
    assert!(text.contains("could not be reached"), "{text}");
    assert!(hint.contains("az keyvault secret show"), "{hint}");

    // The emulator's Entra refuses this client secret: the token endpoint's 401, as for entra.
    let mut wrong = vault(&emulator, "reader", SECRET_NAME);
    wrong.entra.client_secret = Some(Secret::new("wrong-secret"));
    let (kind, hint, text) = read_error(&registry, &at(wrong)).await;
    assert_eq!(kind, ErrorKind::Authentication);
    assert!(text.contains("reading the Key Vault secret"), "{text}");
    assert!(hint.contains("AZURE_CLIENT_SECRET"), "{hint}");
    assert!(hint.contains("Key Vault Secrets User"), "{hint}");
    assert!(!text.contains("wrong-secret"), "{text}");
    assert_eq!(emulator.vault_reads(), 0);
}

#[tokio::test]
async fn the_key_never_shows_in_debug_or_errors_after_a_read() {
    let emulator = started().await;
    let registry = registry(&emulator);
    let mut config = vault(&emulator, "reader", SECRET_NAME);
    config.refresh_secs = 1;
    let d = vault_deployment(&emulator, Shape::Azure, config);
    let (key, _) = key_of(&registry, &d).await;
    assert_eq!(key, KEY_1);
    let shown = format!("{registry:?} {d:?}");
    assert!(!shown.contains(KEY_1), "{shown}");

    // A secret that cannot be a header value fails the next read without echoing it.
    emulator.set_secret(SECRET_NAME, "made-up-vault-key-3\u{7}bell");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let registry_after = Arc::clone(&registry);
    let error = registry_after
        .reread_refused_key(&d, key_of(&registry, &d).await.1, Instant::now(), None)
        .await
        .expect_err("an unusable secret is refused");
    let text = format!("{error:?} {error} {registry:?}");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(text.contains("cannot be sent in an HTTP header"), "{text}");
    for secret in [KEY_1, "made-up-vault-key-3", CLIENT_SECRET] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn an_interval_set_in_code_out_of_range_is_held_to_the_range() {
    let emulator = started().await;
    let registry = registry(&emulator);
    for refresh_secs in [0, u64::MAX] {
        let mut config = vault(&emulator, "reader", SECRET_NAME);
        config.refresh_secs = refresh_secs;
        let d = vault_deployment(&emulator, Shape::Azure, config);
        assert_eq!(key_of(&registry, &d).await.0, KEY_1);
    }
}
