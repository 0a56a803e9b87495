//! Keys, the fake Entra and managed-identity endpoints, token expiry, https.

mod common;

use std::time::Duration;

use common::*;
use foundry_emulator::EmulatorConfig;
use serde_json::json;

const SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// What azure_identity 1.0's ClientSecretCredential posts (client_secret_credential.rs).
async fn entra(env: &Env, form: &[(&str, &str)]) -> Resp {
    let body: String = form_body(form);
    let req = env
        .https
        .post(format!(
            "{}my-tenant/oauth2/v2.0/token",
            env.em.https_endpoint()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    env.send(req).await
}

fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn secret_token(env: &Env, client: &str) -> String {
    let r = entra(
        env,
        &[
            ("client_id", client),
            ("client_secret", "s3cret"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["access_token"].as_str().unwrap().to_string()
}

async fn chat_with(env: &Env, headers: &[(&str, &str)]) -> Resp {
    env.post(
        &format!("openai/deployments/gpt-5.4/chat/completions?{V}"),
        headers,
        user("x"),
    )
    .await
}

#[tokio::test]
async fn keys() {
    let env = start().await;
    let r = chat_with(&env, &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."})
    );
    assert!(r.header("x-request-id").is_some());
    let r = chat_with(&env, &[("api-key", "nope")]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "401");
    assert_eq!(chat_with(&env, &[KEY]).await.status, 200);
    assert_eq!(
        chat_with(&env, &[("authorization", "Bearer emulator-key-0000")])
            .await
            .status,
        200
    );
    assert_eq!(
        chat_with(&env, &[("authorization", "Bearer not-a-token")])
            .await
            .json()["statusCode"],
        401
    );
    let r = env
        .post(
            "v1/chat/completions",
            &[("authorization", "Bearer wrong")],
            json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (401, Some("401"))
    );

    let mut config = EmulatorConfig::reference();
    config.api_keys = vec!["k1".into(), "k2".into()];
    let env = start_with(config).await;
    assert_eq!(chat_with(&env, &[("api-key", "k2")]).await.status, 200);
    assert_eq!(chat_with(&env, &[KEY]).await.status, 401);
}

#[tokio::test]
async fn entra_tokens_over_https() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["client-without-role".into()];
    let env = start_with(config).await;
    let r = entra(
        &env,
        &[
            ("client_id", "app-1"),
            ("client_secret", "s3cret"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    // The fields azure_identity's EntraIdTokenResponse reads.
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["ext_expires_in"], 3600);
    assert_eq!(v["access_token"], "emu-token-1");
    let bearer = format!("Bearer {}", v["access_token"].as_str().unwrap());
    assert_eq!(
        chat_with(&env, &[("authorization", &bearer)]).await.status,
        200
    );

    // Workload identity: a client assertion instead of a secret (client_assertion_credential.rs).
    let r = entra(
        &env,
        &[
            ("client_assertion", "eyJhbGciOi.fake.jwt"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_id", "app-2"),
            ("grant_type", "client_credentials"),
            ("scope", "https://ai.azure.com/.default"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ai_token = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
    assert_eq!(
        chat_with(&env, &[("authorization", &ai_token)])
            .await
            .status,
        200
    );

    let r = entra(
        &env,
        &[
            ("client_id", "app-1"),
            ("client_secret", "wrong-secret"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.status, 401);
    let e = r.json();
    assert_eq!(e["error"], "invalid_client");
    assert!(e["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret provided."));
    assert_eq!(e["error_codes"], json!([7000215]));
    assert_eq!(
        entra(
            &env,
            &[
                ("client_id", "a"),
                ("grant_type", "client_credentials"),
                ("scope", SCOPE)
            ]
        )
        .await
        .status,
        401
    );
    assert_eq!(
        entra(
            &env,
            &[
                ("client_secret", "s"),
                ("grant_type", "client_credentials"),
                ("scope", SCOPE)
            ]
        )
        .await
        .status,
        400
    );
    assert_eq!(
        entra(
            &env,
            &[
                ("client_id", "a"),
                ("client_secret", "s"),
                ("grant_type", "password"),
                ("scope", SCOPE)
            ]
        )
        .await
        .status,
        400
    );
    assert_eq!(
        entra(
            &env,
            &[
                ("client_id", "a"),
                ("client_secret", "s"),
                ("grant_type", "client_credentials"),
                ("scope", "https://cognitiveservices.azure.com")
            ]
        )
        .await
        .status,
        400
    );

    let denied = secret_token(&env, "client-without-role").await;
    let r = chat_with(&env, &[("authorization", &format!("Bearer {denied}"))]).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "PermissionDenied");
    assert_eq!(
        r.json()["error"]["message"],
        "The principal `client-without-role` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform `POST /openai/deployments/{deployment-id}/chat/completions` operation."
    );

    // A token for another audience is refused like a missing one.
    let r = entra(
        &env,
        &[
            ("client_id", "app-1"),
            ("client_secret", "s"),
            ("grant_type", "client_credentials"),
            ("scope", "https://vault.azure.net/.default"),
        ],
    )
    .await;
    let vault = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
    assert_eq!(
        chat_with(&env, &[("authorization", &vault)]).await.json()["statusCode"],
        401
    );

    assert_eq!(env.em.token_requests(), 4);
    let asked = env.em.token_endpoint_requests();
    assert!(asked >= 4, "{asked}");
    assert_eq!(
        env.get("_emulator/stats", &[]).await.json(),
        json!({"token_requests": 4, "token_endpoint_requests": asked, "vault_reads": 0, "vault_requests": 0})
    );
}

#[tokio::test]
async fn token_faults_follow_the_scenario_the_client_id_names() {
    let env = start().await;
    env.register(
        "throttled-app",
        json!({"token": ["status=429;retry-after=7", "hang"], "token_fault": "status=500"}),
    )
    .await;
    let form = [
        ("client_id", "throttled-app"),
        ("client_secret", "s3cret"),
        ("grant_type", "client_credentials"),
        ("scope", SCOPE),
    ];
    let r = entra(&env, &form).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.json()["error"], "temporarily_unavailable");
    // `hang` never answers: the client gives up.
    let hung = tokio::time::timeout(Duration::from_millis(300), entra(&env, &form)).await;
    assert!(hung.is_err(), "a hung token endpoint answered");
    let r = entra(&env, &form).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["error"], "server_error");
    assert_eq!(entra(&env, &form).await.status, 500, "the lasting fault");
    // The managed identity endpoint reads the client id from its query.
    let url = format!(
        "{}msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com&client_id=throttled-app",
        env.em.endpoint()
    );
    let r = env
        .send(env.http.get(url).header("x-identity-header", "h"))
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["statusCode"], 500);
    assert_eq!(env.em.token_requests(), 0);
    assert_eq!(env.em.token_endpoint_requests(), 5);
    let log = env
        .get("_emulator/scenarios/throttled-app/requests", &[])
        .await
        .json();
    let statuses: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].clone(), e["aborted"].clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (json!(429), json!(false)),
            (json!(0), json!(true)),
            (json!(500), json!(false)),
            (json!(500), json!(false)),
            (json!(500), json!(false)),
        ]
    );
    assert!(!log.to_string().contains("s3cret"), "no secret in the log");
    // A client id naming no scenario gets tokens as before.
    assert!(!secret_token(&env, "app-1").await.is_empty());
}

#[tokio::test]
async fn https_serves_everything_and_names_localhost() {
    let env = start().await;
    let https = env.em.https_endpoint();
    assert!(https.starts_with("https://127.0.0.1:") && https.ends_with('/'));
    assert!(env.em.endpoint().starts_with("http://127.0.0.1:"));
    let port = https
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    for base in [https.clone(), format!("https://localhost:{port}/")] {
        let r = env
            .send(env.https.post(format!("{base}openai/v1/chat/completions")).header("api-key", foundry_emulator::DEFAULT_API_KEY).json(&json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "tls"}]})))
            .await;
        assert_eq!(r.status, 200, "{base}");
        assert_eq!(
            r.json()["choices"][0]["message"]["content"],
            "gpt-5.4 heard: tls"
        );
    }
    // An untrusting client is refused.
    let plain = client(None);
    assert!(plain
        .get(format!("{https}_emulator/health"))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn managed_identity_and_expiry() {
    let mut config = EmulatorConfig::reference();
    config.token_ttl_secs = 1;
    let env = start_with(config).await;
    // As azure_identity's ImdsManagedIdentityCredential asks (imds_managed_identity_credential.rs).
    let msi = |client: Option<&str>, secret: Option<&str>| {
        let mut url = format!(
            "{}msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com",
            env.em.endpoint()
        );
        if let Some(c) = client {
            url.push_str(&format!("&client_id={c}"));
        }
        let mut req = env.http.get(url).header("metadata", "true");
        if let Some(s) = secret {
            req = req.header("x-identity-header", s);
        }
        env.send(req)
    };
    assert_eq!(msi(None, None).await.status, 400);
    let r = msi(Some("uami-1"), Some("secret")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["resource"], "https://cognitiveservices.azure.com");
    assert_eq!(v["client_id"], "uami-1");
    let expires_on: u64 = v["expires_on"].as_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires_on >= now && expires_on <= now + 2);
    let system = msi(None, Some("secret")).await.json();
    assert_eq!(system["client_id"], "system-assigned");

    let bearer = format!("Bearer {}", v["access_token"].as_str().unwrap());
    assert_eq!(
        chat_with(&env, &[("authorization", &bearer)]).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = chat_with(&env, &[("authorization", &bearer)]).await;
    assert_eq!(r.status, 401, "an expired token must be refused");
    assert_eq!(r.json()["statusCode"], 401);
    assert_eq!(env.em.token_requests(), 2);

    let r = entra(
        &env,
        &[
            ("client_id", "a"),
            ("client_secret", "s"),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.json()["expires_in"], 1);
}

#[tokio::test]
async fn the_request_log_redacts_credentials() {
    let env = start().await;
    env.register("redact", json!({})).await;
    chat_with(
        &env,
        &[
            KEY,
            ("x-emulator-scenario", "redact"),
            ("authorization", "Bearer abc"),
        ],
    )
    .await;
    let log = env.log("redact").await;
    assert_eq!(log[0]["headers"]["api-key"], "<redacted>");
    assert_eq!(log[0]["headers"]["authorization"], "<redacted>");
    assert!(!serde_json::to_string(&log)
        .unwrap()
        .contains("emulator-key-0000"));
    assert_eq!(log[0]["body"]["messages"][0]["content"], "x");
}
