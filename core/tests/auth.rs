//! Authentication through the public client against the emulator: Entra client secret over
//! the fake https authority (trusting the emulator's CA through `entra.ca_file`), one forced
//! token refresh after a 401, managed identity and its 403, API keys, and the plain-http guard.
//! Every setting reaches the credentials through `ClientOptions::env`, never the process
//! environment, so these tests run concurrently and never touch a real Azure host or IMDS.

use foundry_client::config::{AuthConfig, EntraConfig};
use foundry_client::{Catalog, ChatRequest, ClientOptions, EnvLookup, ErrorKind, Foundry, Secret};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::{json, Value};

mod common;
use common::fixtures::{lookup, TempDir};

const FAKE_KEY: &str = "test-key-abc123-not-real";
const SECRET: &str = "client-secret-not-real";

/// A client over a catalog whose deployments all use `auth`, loaded through the file format.
fn client(emulator: &Emulator, dir: &TempDir, auth: Value, env: EnvLookup) -> Foundry {
    let catalog = json!({
        "defaults": {"endpoint": emulator.endpoint(), "api_version": "2024-10-21", "auth": auth,
                     "retry": {"max_retries": 0}},
        "deployments": [{"name": "DeepSeek-V3.2"}],
    });
    let path = dir.write("foundry.json", &catalog.to_string());
    let catalog = Catalog::from_path_with_env(&path, &|name| env(name)).expect("catalog");
    let options = ClientOptions {
        env: Some(env),
        ..Default::default()
    };
    Foundry::new(catalog, options).expect("client")
}

fn client_secret_auth(emulator: &Emulator, dir: &TempDir, client_id: &str) -> Value {
    let ca = dir.write("ca.pem", &emulator.ca_pem());
    json!({"type": "entra", "credential": "client_secret", "tenant_id": "emulator-tenant",
           "client_id": client_id, "client_secret_env": "APP_SECRET",
           "authority_host": emulator.https_endpoint(), "ca_file": ca})
}

fn hello(model: &str) -> ChatRequest {
    let mut request = ChatRequest {
        model: model.into(),
        ..Default::default()
    };
    request.params.insert(
        "messages".into(),
        json!([{"role": "user", "content": "hi"}]),
    );
    request
}

#[tokio::test]
async fn entra_client_secret_tokens_are_fetched_once_and_accepted() {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    let dir = TempDir::new();
    let auth = client_secret_auth(&emulator, &dir, "app-1");
    let foundry = client(&emulator, &dir, auth, lookup(&[("APP_SECRET", SECRET)]));
    let calls = (0..20).map(|_| foundry.chat(hello("DeepSeek-V3.2")));
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.expect("chat").deployment, "DeepSeek-V3.2");
    }
    assert_eq!(emulator.token_requests(), 1);
    assert!(!format!("{foundry:?}").contains(SECRET));
}

#[tokio::test]
async fn a_401_forces_exactly_one_token_refresh() {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    let dir = TempDir::new();
    let auth = client_secret_auth(&emulator, &dir, "app-1");
    let foundry = client(&emulator, &dir, auth, lookup(&[("APP_SECRET", SECRET)]));
    foundry
        .chat(hello("DeepSeek-V3.2"))
        .await
        .expect("first call");
    let scenario = format!("{}_emulator/scenarios/auth-401", emulator.endpoint());
    let registered = reqwest::Client::new()
        .post(scenario)
        .json(&json!({"deployments": {"DeepSeek-V3.2": ["status=401", "ok"]}}))
        .send()
        .await
        .expect("scenario");
    assert!(registered.status().is_success());
    let mut request = hello("DeepSeek-V3.2");
    request
        .extra_headers
        .insert("x-emulator-scenario".into(), json!("auth-401"));
    let result = foundry
        .chat(request)
        .await
        .expect("answered after one refresh");
    assert_eq!(result.attempts, 2);
    assert_eq!(emulator.token_requests(), 2);
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_authentication_error_without_the_secret() {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    let dir = TempDir::new();
    let auth = client_secret_auth(&emulator, &dir, "app-1");
    let foundry = client(
        &emulator,
        &dir,
        auth,
        lookup(&[("APP_SECRET", "wrong-secret")]),
    );
    let error = foundry
        .chat(hello("DeepSeek-V3.2"))
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert!(error.message.contains("AADSTS7000215"), "{}", error.message);
    assert!(!error.hint.is_empty());
    let shown = format!("{error:?} {error} {foundry:?} {}", error.to_json());
    assert!(!shown.contains("wrong-secret"));
}

#[tokio::test]
async fn a_managed_identity_without_the_role_gets_permission_denied() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["no-role-identity".into()];
    let emulator = Emulator::start(config).await.expect("emulator");
    let dir = TempDir::new();
    let identity_endpoint = format!("{}msi/token", emulator.endpoint());
    let env = |client_id: &str| {
        lookup(&[
            ("IDENTITY_ENDPOINT", identity_endpoint.as_str()),
            ("IDENTITY_HEADER", "identity-header-not-real"),
            ("AZURE_CLIENT_ID", client_id),
        ])
    };
    let auth = json!({"type": "entra", "credential": "managed_identity"});
    let allowed = client(&emulator, &dir, auth.clone(), env("app-identity"));
    allowed
        .chat(hello("DeepSeek-V3.2"))
        .await
        .expect("role assigned");
    let forbidden = client(&emulator, &dir, auth, env("no-role-identity"));
    let error = forbidden
        .chat(hello("DeepSeek-V3.2"))
        .await
        .expect_err("403");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert!(!format!("{error:?}").contains("identity-header-not-real"));
}

#[tokio::test]
async fn api_keys_authenticate_and_never_leak() {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    let dir = TempDir::new();
    let env = lookup(&[("GOOD_KEY", DEFAULT_API_KEY), ("BAD_KEY", FAKE_KEY)]);
    let good = client(
        &emulator,
        &dir,
        json!({"type": "api_key", "env": "GOOD_KEY"}),
        env.clone(),
    );
    good.chat(hello("DeepSeek-V3.2")).await.expect("accepted");
    let bad = client(
        &emulator,
        &dir,
        json!({"type": "api_key", "env": "BAD_KEY"}),
        env,
    );
    let error = bad.chat(hello("DeepSeek-V3.2")).await.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    let shown = format!(
        "{error:?} {error} {bad:?} {:?} {}",
        bad.catalog(),
        error.to_json()
    );
    assert!(!shown.contains(FAKE_KEY));
}

#[tokio::test]
async fn no_credential_goes_to_a_remote_plain_http_endpoint() {
    // Built in code, past the loader's own check: the client refuses on its own.
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    let dir = TempDir::new();
    let foundry = client(
        &emulator,
        &dir,
        json!({"type": "api_key", "env": "K"}),
        lookup(&[("K", FAKE_KEY)]),
    );
    let mut catalog = foundry.catalog().clone();
    for auth in [
        AuthConfig::ApiKey(Secret::new(FAKE_KEY)),
        AuthConfig::Entra(EntraConfig::default()),
    ] {
        for d in &mut catalog.deployments {
            d.endpoint = "http://foundry.example.invalid/".into();
            d.auth = auth.clone();
        }
        let foundry = Foundry::new(catalog.clone(), ClientOptions::default()).expect("client");
        let error = foundry
            .chat(hello("DeepSeek-V3.2"))
            .await
            .expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
        assert!(!format!("{error:?}").contains(FAKE_KEY));
    }
}
