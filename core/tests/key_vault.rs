//! API keys in Key Vault through the public client, against the emulator whose API key IS the
//! vault secret (a rotation makes the service refuse the old key at once, the hard case):
//! a rotation under load costs no call, and the vault is read a bounded number of times; a
//! refused key the vault still holds fails the call without a repeat, and never shows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use foundry_client::events::Event;
use foundry_client::{Catalog, ChatRequest, ClientOptions, ErrorKind, Foundry};
use foundry_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

mod common;
use common::fixtures::{lookup, TempDir};

const SECRET_NAME: &str = "foundry-api-key";
const KEY_1: &str = "made-up-vault-key-1";
const KEY_2: &str = "made-up-vault-key-2";
const CLIENT_SECRET: &str = "client-secret-not-real";
const WORKERS: usize = 16;
const CALLS_PER_WORKER: usize = 25;

/// Every event's Debug text, to check that no key shows in any.
type Seen = Arc<Mutex<Vec<String>>>;

/// A client whose deployment reads its key from the emulator's vault (`auth: key_vault`
/// through the file format), trusting the emulator's CA through `ca_pem`, with no retries:
/// the only repeat a call may make is the one after a rotation.
fn client(emulator: &Emulator, dir: &TempDir, auth: serde_json::Value, seen: &Seen) -> Foundry {
    let catalog = json!({
        "defaults": {"endpoint": emulator.endpoint(), "auth": auth, "retry": {"max_retries": 0}},
        "deployments": [{"name": "DeepSeek-V3.2"}],
    });
    let path = dir.write("foundry.json", &catalog.to_string());
    let env = lookup(&[("APP_SECRET", CLIENT_SECRET)]);
    let catalog = Catalog::from_path_with_env(&path, &|name| env(name)).expect("catalog");
    let sink = Arc::clone(seen);
    let options = ClientOptions {
        env: Some(env),
        ca_pem: Some(emulator.ca_pem()),
        on_event: Some(Arc::new(move |e: &Event| {
            sink.lock().unwrap().push(format!("{e:?}"))
        })),
        ..Default::default()
    };
    Foundry::new(catalog, options).expect("client")
}

fn key_vault_auth(emulator: &Emulator) -> serde_json::Value {
    json!({"type": "key_vault",
           "vault": emulator.https_endpoint(), "secret": SECRET_NAME,
           "credential": "client_secret", "tenant_id": "emulator-tenant",
           "client_id": "kv-reader", "client_secret_env": "APP_SECRET",
           "authority_host": emulator.https_endpoint()})
}

fn hello() -> ChatRequest {
    let mut request = ChatRequest {
        model: "DeepSeek-V3.2".into(),
        ..Default::default()
    };
    request.params.insert(
        "messages".into(),
        json!([{"role": "user", "content": "hi"}]),
    );
    request
}

async fn emulator_keyed_by_the_vault() -> Emulator {
    let emulator = Emulator::start(EmulatorConfig::reference())
        .await
        .expect("emulator");
    emulator.set_secret(SECRET_NAME, KEY_1);
    emulator.bind_api_key_to_secret(Some(SECRET_NAME));
    emulator
}

fn assert_no_key_in(texts: &[String]) {
    for text in texts {
        for key in [KEY_1, KEY_2, CLIENT_SECRET] {
            assert!(!text.contains(key), "{key} shows in {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotation_under_load_fails_no_call_and_reads_the_vault_twice() {
    let emulator = Arc::new(emulator_keyed_by_the_vault().await);
    let dir = TempDir::new();
    let seen = Seen::default();
    let foundry = client(&emulator, &dir, key_vault_auth(&emulator), &seen);
    let done = Arc::new(AtomicUsize::new(0));
    let total = WORKERS * CALLS_PER_WORKER;

    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (foundry, done) = (foundry.clone(), Arc::clone(&done));
            tokio::spawn(async move {
                let mut failures = Vec::new();
                let mut repeated = 0;
                for _ in 0..CALLS_PER_WORKER {
                    match foundry.chat(hello()).await {
                        Ok(result) => repeated += usize::from(result.attempts > 1),
                        Err(e) => failures.push(format!("{e:?}")),
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
                (failures, repeated)
            })
        })
        .collect();
    // Rotate once a third of the calls are done, while all 16 workers are calling.
    while done.load(Ordering::SeqCst) < total / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    emulator.set_secret(SECRET_NAME, KEY_2);
    let rotated_at = done.load(Ordering::SeqCst);

    let mut failures = Vec::new();
    let mut repeated = 0;
    for worker in workers {
        let (failed, repeats) = worker.await.expect("worker");
        failures.extend(failed);
        repeated += repeats;
    }
    assert!(
        rotated_at < total,
        "the rotation came after every call ({rotated_at} of {total}): it was not under load"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} calls failed across the rotation: {failures:#?}",
        failures.len()
    );
    assert!(
        repeated >= 1,
        "no call was refused and repeated: the rotation was not exercised"
    );
    assert!(
        repeated <= WORKERS,
        "{repeated} calls were repeated: at most the {WORKERS} in flight with the old key may be"
    );
    let reads = emulator.vault_reads();
    assert_eq!(
        reads, 2,
        "the vault must be read once at start and once for the whole burst of 401s the rotation \
         caused (a bounded number, not one per refused call); it was read {reads} times"
    );
    println!(
        "rotation under load: {total} calls by {WORKERS} workers, rotated after {rotated_at}, \
         {repeated} refused and repeated, {reads} vault reads, {} vault requests",
        emulator.vault_requests()
    );
    assert_no_key_in(&seen.lock().unwrap());
    assert_no_key_in(&[format!("{foundry:?}")]);
}

#[tokio::test]
async fn a_refused_key_the_vault_still_holds_fails_once_without_a_repeat() {
    let emulator = emulator_keyed_by_the_vault().await;
    let dir = TempDir::new();
    let seen = Seen::default();
    let foundry = client(&emulator, &dir, key_vault_auth(&emulator), &seen);
    foundry.chat(hello()).await.expect("the vault's key works");
    // The service now wants another secret's value: the vault's key is refused for good.
    emulator.set_secret("other-key", "made-up-other-key");
    emulator.bind_api_key_to_secret(Some("other-key"));

    let error = foundry.chat(hello()).await.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.status, Some(401));
    assert_eq!(
        error.attempts.len(),
        1,
        "an unchanged key is never sent again"
    );
    assert_eq!(
        emulator.vault_reads(),
        2,
        "the first read and one re-read after the 401"
    );
    let text = format!("{error:?} {error} {foundry:?}");
    assert_no_key_in(&[text]);
    assert_no_key_in(&seen.lock().unwrap());
}

#[tokio::test]
async fn a_keyvault_reference_in_the_key_reads_the_vault() {
    let emulator = emulator_keyed_by_the_vault().await;
    let dir = TempDir::new();
    let vault = emulator.https_endpoint();
    let host = vault.trim_start_matches("https://").trim_end_matches('/');
    let catalog = json!({
        "defaults": {"endpoint": emulator.endpoint(), "auth": {"type": "api_key", "env": "FOUNDRY_API_KEY"}},
        "deployments": [{"name": "DeepSeek-V3.2"}],
    });
    let path = dir.write("foundry.json", &catalog.to_string());
    let reference = format!("keyvault://{host}/{SECRET_NAME}");
    let env = lookup(&[
        ("FOUNDRY_API_KEY", reference.as_str()),
        ("AZURE_TENANT_ID", "emulator-tenant"),
        ("AZURE_CLIENT_ID", "kv-reader"),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
        ("AZURE_AUTHORITY_HOST", vault.as_str()),
    ]);
    let catalog = Catalog::from_path_with_env(&path, &|name| env(name)).expect("catalog");
    let listing = catalog.deployments[0].to_json();
    assert_eq!(listing["auth"], "key_vault");
    assert_eq!(listing["credential"], "default");
    let options = ClientOptions {
        env: Some(env),
        ca_pem: Some(emulator.ca_pem()),
        ..Default::default()
    };
    let foundry = Foundry::new(catalog, options).expect("client");
    for _ in 0..3 {
        foundry
            .chat(hello())
            .await
            .expect("chat with the vault's key");
    }
    assert_eq!(emulator.vault_reads(), 1);
}
