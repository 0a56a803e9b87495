//! A misbehaving token endpoint through the public client, against the emulator's token faults
//! (a scenario named like the credential's client id): a hung endpoint costs a call no more
//! than its deadline, a failing one gives a credential error and is asked once however many
//! calls arrive, a throttling one has its Retry-After capped, and a 401 refreshes once per call.
//! Timing bounds are correctness bounds with a generous margin, never benchmarks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use foundry_client::{Catalog, ChatRequest, ClientOptions, EnvLookup, ErrorKind, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

mod common;
use common::fixtures::{lookup, TempDir};

const SECRET: &str = "client-secret-not-real";
/// Slack for a loaded CI machine on top of a deadline that must hold.
const MARGIN: Duration = Duration::from_secs(5);

struct Setup {
    emulator: Emulator,
    dir: TempDir,
}

impl Setup {
    async fn start() -> Setup {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Setup {
            emulator: Emulator::start(EmulatorConfig::reference())
                .await
                .expect("emulator"),
            dir: TempDir::new(),
        }
    }

    /// Registers the scenario whose token faults apply to the credential `client_id`.
    async fn scenario(&self, client_id: &str, spec: Value) {
        let url = format!(
            "{}_emulator/scenarios/{client_id}",
            self.emulator.endpoint()
        );
        let registered = reqwest::Client::new()
            .post(url)
            .json(&spec)
            .send()
            .await
            .expect("scenario");
        assert!(registered.status().is_success());
    }

    async fn log(&self, scenario: &str) -> Vec<Value> {
        let url = format!(
            "{}_emulator/scenarios/{scenario}/requests",
            self.emulator.endpoint()
        );
        let log: Value = reqwest::get(url)
            .await
            .expect("log")
            .json()
            .await
            .expect("json");
        log.as_array().cloned().unwrap_or_default()
    }

    /// A client whose one deployment authenticates as `client_id` through the fake Entra.
    fn entra_client(&self, client_id: &str, token_fetch: Value, retry: Value) -> Foundry {
        let ca = self.dir.write("ca.pem", &self.emulator.ca_pem());
        let auth = json!({"type": "entra", "credential": "client_secret",
            "tenant_id": "emulator-tenant", "client_id": client_id,
            "client_secret_env": "APP_SECRET",
            "authority_host": self.emulator.https_endpoint(), "ca_file": ca});
        self.client(auth, token_fetch, retry, lookup(&[("APP_SECRET", SECRET)]))
    }

    /// A client on the emulator's App Service managed identity, as `client_id`.
    fn managed_identity_client(&self, client_id: &str, token_fetch: Value) -> Foundry {
        let endpoint = format!("{}msi/token", self.emulator.endpoint());
        let env = lookup(&[
            ("IDENTITY_ENDPOINT", endpoint.as_str()),
            ("IDENTITY_HEADER", "identity-header-not-real"),
            ("AZURE_CLIENT_ID", client_id),
        ]);
        let auth = json!({"type": "entra", "credential": "managed_identity"});
        self.client(auth, token_fetch, json!({"max_retries": 0}), env)
    }

    fn client(&self, auth: Value, token_fetch: Value, retry: Value, env: EnvLookup) -> Foundry {
        let catalog = json!({
            "defaults": {"endpoint": self.emulator.endpoint(), "auth": auth,
                         "retry": retry, "token_fetch": token_fetch},
            "deployments": [{"name": "DeepSeek-V3.2"}],
        });
        let path = self.dir.write("foundry.json", &catalog.to_string());
        let catalog = Catalog::from_path_with_env(&path, &|name| env(name)).expect("catalog");
        let options = ClientOptions {
            env: Some(env),
            ..Default::default()
        };
        Foundry::new(catalog, options).expect("client")
    }
}

fn hello(timeout: Option<f64>) -> ChatRequest {
    let mut request = ChatRequest {
        model: "DeepSeek-V3.2".into(),
        timeout,
        ..Default::default()
    };
    request.params.insert(
        "messages".into(),
        json!([{"role": "user", "content": "hi"}]),
    );
    request
}

fn with_scenario(mut request: ChatRequest, scenario: &str) -> ChatRequest {
    request
        .extra_headers
        .insert("x-emulator-scenario".into(), json!(scenario));
    request
}

#[tokio::test]
async fn a_hung_token_endpoint_fails_the_call_within_its_deadline() {
    let setup = Setup::start().await;
    setup
        .scenario("hung-token-app", json!({"token_fault": "hang"}))
        .await;
    let foundry = setup.entra_client("hung-token-app", json!({}), json!({"max_retries": 0}));
    let started = Instant::now();
    let error = foundry.chat(hello(Some(2.0))).await.expect_err("no token");
    assert!(
        started.elapsed() < Duration::from_secs(2) + MARGIN,
        "the call's 2 s deadline bounds the wait for a token"
    );
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.message.contains("Entra token"), "{}", error.message);
    assert!(error.hint.contains("token_fetch"), "{}", error.hint);
    assert!(!format!("{error:?}").contains(SECRET));
    let log = setup.log("hung-token-app").await;
    assert_eq!(log.len(), 1, "one token request: {log:?}");
    assert!(log[0]["path"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/oauth2/v2.0/token"));
}

#[tokio::test]
async fn the_token_fetch_timeout_ends_the_wait_and_the_next_call_fetches_afresh() {
    let setup = Setup::start().await;
    // The endpoint hangs once, then answers.
    setup
        .scenario("slow-token-app", json!({"token": ["hang"]}))
        .await;
    let foundry = setup.entra_client(
        "slow-token-app",
        json!({"timeout_secs": 1.5, "failure_memory_ms": 100}),
        json!({"max_retries": 0}),
    );
    let started = Instant::now();
    let error = foundry.chat(hello(Some(30.0))).await.expect_err("no token");
    assert!(
        started.elapsed() < Duration::from_millis(1_500) + MARGIN,
        "the 1.5 s fetch timeout ends the wait long before the call's 30 s"
    );
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    assert!(error.message.contains("timeout_secs"), "{}", error.message);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = foundry
        .chat(hello(Some(30.0)))
        .await
        .expect("a fresh fetch gets a token");
    assert_eq!(answer.deployment, "DeepSeek-V3.2");
    assert_eq!(setup.emulator.token_requests(), 1, "one token issued");
    assert_eq!(setup.emulator.token_endpoint_requests(), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_gives_a_credential_error_and_is_not_stormed() {
    let setup = Setup::start().await;
    setup
        .scenario("failing-token-app", json!({"token_fault": "status=500"}))
        .await;
    let foundry = Arc::new(setup.entra_client(
        "failing-token-app",
        json!({"failure_memory_ms": 60000}),
        json!({"max_retries": 2, "base_delay_ms": 5, "max_delay_ms": 20}),
    ));
    let concurrent = (0..50).map(|_| {
        let foundry = Arc::clone(&foundry);
        tokio::spawn(async move { foundry.chat(hello(Some(30.0))).await })
    });
    for call in futures_util::future::join_all(concurrent).await {
        let error = call.expect("task").expect_err("no token");
        assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
        assert!(error.message.contains("client secret"), "{}", error.message);
    }
    for _ in 0..50 {
        let error = foundry
            .chat(hello(Some(30.0)))
            .await
            .expect_err("remembered");
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(error.hint.contains("ms ago"), "{}", error.hint);
        assert_eq!(error.attempts.len(), 1, "a credential error is not retried");
    }
    // One fetch: azure_identity's own retry asks at most three times (initial + 2).
    let asked = setup.emulator.token_endpoint_requests();
    assert!(
        (1..=3).contains(&asked),
        "100 calls, {asked} token requests"
    );
    assert_eq!(setup.emulator.token_requests(), 0);
    assert_eq!(setup.log("failing-token-app").await.len() as u64, asked);
}

#[tokio::test]
async fn a_throttling_token_endpoints_retry_after_is_capped() {
    let setup = Setup::start().await;
    setup
        .scenario(
            "throttled-token-app",
            json!({"token_fault": "status=429;retry-after=86400"}),
        )
        .await;
    let foundry = setup.entra_client(
        "throttled-token-app",
        json!({"max_retry_after_secs": 1, "failure_memory_ms": 0}),
        json!({"max_retries": 0}),
    );
    let started = Instant::now();
    let error = foundry
        .chat(hello(Some(20.0)))
        .await
        .expect_err("throttled");
    assert!(
        started.elapsed() < MARGIN,
        "a day's Retry-After ends the fetch at once instead of being slept through"
    );
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    assert_eq!(error.retry_after, Some(Duration::from_secs(1)), "capped");
    assert_eq!(setup.emulator.token_endpoint_requests(), 1);
    // Within the capped Retry-After the endpoint is not asked again...
    let again = foundry
        .chat(hello(Some(20.0)))
        .await
        .expect_err("throttled");
    assert!(again.hint.contains("ms ago"), "{}", again.hint);
    assert_eq!(setup.emulator.token_endpoint_requests(), 1);
    // ...and after it, it is.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    foundry
        .chat(hello(Some(20.0)))
        .await
        .expect_err("throttled");
    assert_eq!(setup.emulator.token_endpoint_requests(), 2);
}

#[tokio::test]
async fn a_managed_identity_endpoints_failure_is_remembered_and_its_retry_after_capped() {
    let setup = Setup::start().await;
    setup
        .scenario(
            "throttled-identity",
            json!({"token_fault": "status=503;retry-after=3600"}),
        )
        .await;
    let foundry =
        setup.managed_identity_client("throttled-identity", json!({"max_retry_after_secs": 2}));
    for _ in 0..20 {
        let error = foundry
            .chat(hello(Some(20.0)))
            .await
            .expect_err("unavailable");
        assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
        assert!(
            error
                .retry_after
                .is_some_and(|r| r <= Duration::from_secs(2)),
            "{:?}",
            error.retry_after
        );
        assert!(!format!("{error:?}").contains("identity-header-not-real"));
    }
    assert_eq!(setup.emulator.token_endpoint_requests(), 1);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_per_call_not_on_every_later_attempt() {
    let setup = Setup::start().await;
    setup
        .scenario(
            "refresh-once",
            json!({"deployments": {"DeepSeek-V3.2": ["status=401", "status=500", "status=500", "ok"]}}),
        )
        .await;
    let foundry = setup.entra_client(
        "refresh-once-app",
        json!({}),
        json!({"max_retries": 3, "base_delay_ms": 5, "max_delay_ms": 20}),
    );
    let answer = foundry
        .chat(with_scenario(hello(Some(30.0)), "refresh-once"))
        .await
        .expect("answered");
    assert_eq!(answer.attempts, 4);
    assert_eq!(
        setup.emulator.token_requests(),
        2,
        "the first token, and one refresh after the 401"
    );
}

#[tokio::test]
async fn concurrent_401s_with_the_same_token_cause_one_refresh() {
    let setup = Setup::start().await;
    // Every first attempt is refused, and held long enough that all of them are refused with
    // the same token before any re-send arrives; the re-sends then succeed.
    let calls = 20;
    let refused = vec!["status=401;delay-ms=300"; calls];
    setup
        .scenario(
            "concurrent-401",
            json!({"deployments": {"DeepSeek-V3.2": refused}}),
        )
        .await;
    let foundry =
        Arc::new(setup.entra_client("concurrent-401-app", json!({}), json!({"max_retries": 0})));
    let concurrent = (0..calls).map(|_| {
        let foundry = Arc::clone(&foundry);
        tokio::spawn(async move {
            foundry
                .chat(with_scenario(hello(Some(30.0)), "concurrent-401"))
                .await
        })
    });
    for call in futures_util::future::join_all(concurrent).await {
        let answer = call.expect("task").expect("answered after the refresh");
        assert_eq!(answer.attempts, 2);
    }
    assert_eq!(
        setup.emulator.token_requests(),
        2,
        "one token for all, then one refresh for {calls} refusals of it"
    );
}
