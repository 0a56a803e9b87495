//! The Key Vault: secrets over https with the real answer shapes, its challenge, rotation, and
//! the mode where the model endpoints' API key is the vault secret.

mod common;

use common::*;
use foundry_emulator::EmulatorConfig;
use serde_json::json;

const VAULT_SCOPE: &str = "https://vault.azure.net/.default";
const KV: &str = "api-version=7.5";

async fn token(env: &Env, client: &str, scope: &str) -> String {
    let r = env
        .send(
            env.https
                .post(format!(
                    "{}my-tenant/oauth2/v2.0/token",
                    env.em.https_endpoint()
                ))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!(
                    "client_id={client}&client_secret=made-up-secret&grant_type=client_credentials&scope={}",
                    scope.replace(':', "%3A").replace('/', "%2F")
                )),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["access_token"].as_str().unwrap().to_string()
}

/// A chat call's status with this `api-key`.
async fn chat(env: &Env, key: &str) -> u16 {
    env.post(
        &format!("openai/deployments/gpt-5.4/chat/completions?{V}"),
        &[("api-key", key)],
        user("hi"),
    )
    .await
    .status
}

async fn read(env: &Env, path: &str, bearer: Option<&str>) -> Resp {
    let mut req = env.https.get(format!("{}{path}", env.em.https_endpoint()));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    env.send(req).await
}

#[tokio::test]
async fn secrets_are_read_with_a_vault_token_over_https() {
    let env = start().await;
    let first = env.em.set_secret("foundry-api-key", "made-up-key-1");
    let token = token(&env, "reader", VAULT_SCOPE).await;

    let r = read(&env, &format!("secrets/foundry-api-key?{KV}"), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["value"], "made-up-key-1");
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("https://127.0.0.1:"), "{id}");
    assert!(
        id.ends_with(&format!("/secrets/foundry-api-key/{first}")),
        "{id}"
    );
    assert_eq!(body["attributes"]["enabled"], true);
    assert!(body["attributes"]["created"].is_u64());

    // A rotation is a new version; the old one stays readable by its id.
    let second = env.em.set_secret("foundry-api-key", "made-up-key-2");
    let r = read(&env, &format!("secrets/foundry-api-key?{KV}"), Some(&token)).await;
    assert_eq!(r.json()["value"], "made-up-key-2");
    assert!(r.json()["id"].as_str().unwrap().ends_with(&second));
    let r = read(
        &env,
        &format!("secrets/foundry-api-key/{first}?{KV}"),
        Some(&token),
    )
    .await;
    assert_eq!(r.json()["value"], "made-up-key-1");
    assert_eq!(env.em.vault_reads(), 3);
}

#[tokio::test]
async fn refusals_have_the_real_shapes() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["no-role".into()];
    let env = start_with(config).await;
    env.em.set_secret("s", "made-up");

    // No token: the challenge the Azure SDKs read the scope from.
    let r = read(&env, &format!("secrets/s?{KV}"), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "Unauthorized");
    let challenge = r.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer authorization=\"https://login.microsoftonline.com/"));
    assert!(challenge.ends_with("resource=\"https://vault.azure.net\""));

    // A token for the model endpoints is not one for the vault.
    let wrong = token(
        &env,
        "reader",
        "https://cognitiveservices.azure.com/.default",
    )
    .await;
    let r = read(&env, &format!("secrets/s?{KV}"), Some(&wrong)).await;
    assert_eq!(r.status, 401);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("AKV10022"));
    assert!(r.header("www-authenticate").is_some());

    let good = token(&env, "reader", VAULT_SCOPE).await;
    let r = read(&env, &format!("secrets/missing?{KV}"), Some(&good)).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "SecretNotFound");
    let r = read(&env, "secrets/s", Some(&good)).await;
    assert_eq!(r.status, 400, "no api-version: {}", r.text);

    let denied = token(&env, "no-role", VAULT_SCOPE).await;
    let r = read(&env, &format!("secrets/s?{KV}"), Some(&denied)).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["innererror"]["code"], "ForbiddenByRbac");

    // A vault token is not accepted by the model endpoints either.
    let r = env
        .post(
            &format!("openai/deployments/gpt-5.4/chat/completions?{V}"),
            &[("authorization", &format!("Bearer {good}"))],
            user("hi"),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(env.em.vault_reads(), 0);
    assert_eq!(env.em.vault_requests(), 5);
}

#[tokio::test]
async fn a_bound_key_is_refused_once_the_secret_rotates() {
    let env = start().await;
    env.em.set_secret("foundry-api-key", "made-up-key-1");
    env.em.bind_api_key_to_secret(Some("foundry-api-key"));
    assert_eq!(chat(&env, "made-up-key-1").await, 200);
    assert_eq!(chat(&env, foundry_emulator::DEFAULT_API_KEY).await, 401);
    env.em.set_secret("foundry-api-key", "made-up-key-2");
    assert_eq!(chat(&env, "made-up-key-1").await, 401);
    assert_eq!(chat(&env, "made-up-key-2").await, 200);
    env.em.bind_api_key_to_secret(None);
    assert_eq!(chat(&env, foundry_emulator::DEFAULT_API_KEY).await, 200);
}

#[tokio::test]
async fn the_control_endpoints_set_rotate_and_bind() {
    let yaml = "deployments:\n  - name: gpt-5.4\nemulator:\n  vault:\n    secrets: {foundry-api-key: made-up-key-1}\n    api_key_secret: foundry-api-key\n";
    let env = start_with(EmulatorConfig::from_yaml_str(yaml).unwrap()).await;
    assert_eq!(chat(&env, "made-up-key-1").await, 200);
    let r = env
        .post(
            "_emulator/vault/secrets/foundry-api-key",
            &[],
            json!({"value": "made-up-key-2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"].as_str().unwrap().len(), 32);
    assert_eq!(chat(&env, "made-up-key-1").await, 401);
    assert_eq!(chat(&env, "made-up-key-2").await, 200);
    let r = env
        .post("_emulator/vault/secrets/x", &[], json!({"value": ""}))
        .await;
    assert_eq!(r.status, 400);
    let r = env
        .send(env.http.delete(env.url("_emulator/vault/api-key")))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(chat(&env, foundry_emulator::DEFAULT_API_KEY).await, 200);
    let stats = env.get("_emulator/stats", &[]).await.json();
    assert_eq!(stats["vault_reads"], 0);
}
