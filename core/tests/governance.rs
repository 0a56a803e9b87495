//! Budgets through the client, against the emulator: concurrent calls never settle past a
//! hard cap, a soft threshold alerts once, a dropped stream is charged what it consumed, and
//! the embedded ledger keeps spend across clients (a restart).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use foundry_client::config::Catalog;
use foundry_client::config::ScopeBudget;
use foundry_client::events::{Event, SpendAction};
use foundry_client::{ChatRequest, ClientOptions, ErrorKind, Foundry, ScopeSpec};
use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use futures_util::StreamExt;
use serde_json::json;

mod common;

struct Fixture {
    _emulator: Emulator,
    endpoint: String,
}

async fn emulator() -> Fixture {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/emulator.yaml"
    );
    let config = EmulatorConfig::from_path(std::path::Path::new(path)).expect("emulator.yaml");
    let emulator = Emulator::start(config).await.expect("emulator starts");
    Fixture {
        endpoint: emulator.endpoint(),
        _emulator: emulator,
    }
}

type Events = Arc<Mutex<Vec<Event>>>;

fn client(fx: &Fixture, scenario: &str, governance: &str) -> (Foundry, Events) {
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
         headers: {{x-emulator-scenario: {scenario}}}\n  retry: {{max_retries: 0}}\n\
         deployments:\n  - name: gpt-4o-mini\n    pricing: {{input: 0.15, output: 0.6}}\n  - name: DeepSeek-V3.2\n\
         governance:\n{governance}",
        fx.endpoint
    );
    let catalog = Catalog::from_str_with_env(&text, "governance.yaml", &|_| None).expect("catalog");
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let options = ClientOptions {
        on_event: Some(Arc::new(move |e: &Event| {
            sink.lock().unwrap().push(e.clone())
        })),
        ..ClientOptions::default()
    };
    (Foundry::new(catalog, options).expect("client"), events)
}

fn request(max_tokens: u64) -> ChatRequest {
    serde_json::from_value(json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Status report please"}],
        "max_tokens": max_tokens,
    }))
    .expect("request")
}

/// Sum of what the settles booked, in nano-dollars.
fn charged_nanos(events: &Events) -> u64 {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::Spend(s) if s.action == SpendAction::Settled => {
                Some((s.charged_usd * 1e9).round() as u64)
            }
            _ => None,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_never_settle_past_the_hard_cap() {
    let fx = emulator().await;
    // A reservation here is about 10,500 n$ (50 prompt bytes at 150 n$, 5 output tokens at
    // 600 n$) and a bill 3,450 n$: the cap admits a few calls at once, never all 64.
    let cap_nanos = 40_000u64;
    let (client, events) = client(
        &fx,
        "concurrent_cap",
        "  ledger: memory\n  budgets:\n    - {scope: deployment:gpt-4o-mini, window: day, hard_usd: 0.00004}\n",
    );
    let calls = (0..64).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.chat(request(5)).await })
    });
    let mut answered = 0;
    let mut refused = 0;
    for call in calls {
        match call.await.expect("task") {
            Ok(_) => answered += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::BudgetExceeded, "{e}");
                refused += 1;
            }
        }
    }
    let charged = charged_nanos(&events);
    assert!(charged <= cap_nanos, "settled {charged} n$ past the cap");
    assert!(answered >= 3, "the cap pays for several calls ({answered})");
    assert!(refused > 0, "64 calls cannot all fit ({answered} answered)");
    assert_eq!(answered + refused, 64);
}

#[tokio::test]
async fn a_soft_threshold_alerts_once_then_the_cap_refuses() {
    let fx = emulator().await;
    let (client, events) = client(
        &fx,
        "soft_alert",
        "  ledger: memory\n  budgets:\n    - {scope: deployment:gpt-4o-mini, window: month, hard_usd: 0.00002, soft: [0.5]}\n",
    );
    let mut answered = 0;
    let refused = loop {
        match client.chat(request(5)).await {
            Ok(_) => answered += 1,
            Err(e) => break e,
        }
        assert!(answered < 20, "the cap never refused");
    };
    assert_eq!(refused.kind(), ErrorKind::BudgetExceeded);
    assert!(
        refused.message.contains("deployment:gpt-4o-mini"),
        "{refused}"
    );
    let alerts: Vec<_> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::BudgetAlert(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].threshold, 0.5);
    assert!(alerts[0].spent_usd >= 0.00001 && alerts[0].spent_usd <= 0.00002);
    assert!(charged_nanos(&events) <= 20_000);
}

#[tokio::test]
async fn a_dropped_stream_is_charged_what_it_consumed() {
    let fx = emulator().await;
    let (client, events) = client(
        &fx,
        "dropped_stream",
        "  ledger: memory\n  budgets:\n    - {scope: deployment:gpt-4o-mini, window: day, hard_usd: 1}\n",
    );
    let mut stream = client.chat_stream(request(200)).await.expect("opens");
    let first = stream.next().await.expect("a chunk").expect("ok");
    drop(stream);
    let events = events.lock().unwrap();
    let settled = events
        .iter()
        .find_map(|e| match e {
            Event::Spend(s) if s.action == SpendAction::Settled => Some(s.clone()),
            _ => None,
        })
        .expect("the drop settled the reservation");
    assert!(settled.charged_usd > 0.0, "the prompt was billed");
    assert!(
        settled.charged_usd < settled.reserved_usd,
        "only part of the output bound was consumed: {settled:?} (first chunk {:?})",
        first.text
    );
}

#[tokio::test]
async fn the_embedded_ledger_keeps_spend_across_clients() {
    let fx = emulator().await;
    let dir = common::fixtures::TempDir::new();
    let path = dir.write("placeholder", "");
    let ledger = path.with_file_name("spend.sqlite");
    let governance = format!(
        "  ledger: {}\n  budgets:\n    - {{scope: deployment:gpt-4o-mini, window: total, hard_usd: 0.00002}}\n",
        ledger.display()
    );
    let mut answered = 0;
    // Each call comes from a new client on the same file, as after a restart.
    let refused = loop {
        let (client, _) = client(&fx, "embedded_ledger", &governance);
        match client.chat(request(5)).await {
            Ok(_) => answered += 1,
            Err(e) => break e,
        }
        assert!(answered < 20, "the file forgot the spend");
    };
    assert_eq!(refused.kind(), ErrorKind::BudgetExceeded);
    assert!((2..=5).contains(&answered), "{answered}");
}

fn to(model: &str) -> ChatRequest {
    let mut r = request(5);
    r.model = model.to_string();
    r
}

#[tokio::test]
async fn a_scoped_handle_has_its_own_budget_and_its_parents() {
    let fx = emulator().await;
    let (client, _) = client(
        &fx,
        "handle_budget",
        "  scope: acme\n  ledger: memory\n  budgets:\n    - {scope: acme, window: month, hard_usd: 0.00005}\n",
    );
    let bot = client
        .scope(ScopeSpec {
            name: "bot".into(),
            budget: Some(ScopeBudget {
                hard_usd: 0.00002,
                window: Some("day".into()),
                time_zone: None,
                soft: None,
            }),
            ..ScopeSpec::default()
        })
        .expect("handle");
    assert_eq!(bot.scope_path(), Some("acme/bot"));
    let mut answered = 0;
    let refused = loop {
        match bot.chat(request(5)).await {
            Ok(_) => answered += 1,
            Err(e) => break e,
        }
        assert!(answered < 20);
    };
    assert_eq!(refused.kind(), ErrorKind::BudgetExceeded);
    assert!(refused.message.contains("budget 'acme/bot'"), "{refused}");
    // The parent still has room; its own cap then stops it, and the handle with it.
    let refused = loop {
        match client.chat(request(5)).await {
            Ok(_) => answered += 1,
            Err(e) => break e,
        }
        assert!(answered < 40);
    };
    assert!(refused.message.contains("budget 'acme'"), "{refused}");
    let again = bot.chat(request(5)).await.expect_err("the org is spent");
    assert_eq!(again.kind(), ErrorKind::BudgetExceeded);
}

#[tokio::test]
async fn a_scoped_handle_calls_only_its_models_and_can_be_revoked() {
    let fx = emulator().await;
    let (client, _) = client(&fx, "handle_models", "  scope: acme\n");
    let bot = client
        .scope(ScopeSpec {
            name: "bot".into(),
            models: Some(vec!["gpt-4o-mini".into()]),
            ..ScopeSpec::default()
        })
        .expect("handle");
    bot.chat(to("gpt-4o-mini")).await.expect("approved");
    let refused = bot
        .chat(to("DeepSeek-V3.2"))
        .await
        .expect_err("not approved");
    assert_eq!(refused.kind(), ErrorKind::Policy);
    assert!(refused.hint.contains("gpt-4o-mini"), "{}", refused.hint);
    client
        .chat(to("DeepSeek-V3.2"))
        .await
        .expect("the parent may");

    let child = bot
        .scope(ScopeSpec {
            name: "night-shift".into(),
            ..ScopeSpec::default()
        })
        .expect("a handle of a handle");
    assert_eq!(child.scope_path(), Some("acme/bot/night-shift"));
    bot.revoke().expect("a handle can be revoked");
    for handle in [&bot, &child] {
        let e = handle.chat(to("gpt-4o-mini")).await.expect_err("revoked");
        assert_eq!(e.kind(), ErrorKind::Revoked);
        assert!(e.message.contains("'acme/bot'"), "{e}");
    }
    client
        .chat(to("gpt-4o-mini"))
        .await
        .expect("the parent is not revoked");
    let e = client.revoke().expect_err("the root is no handle");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

#[test]
fn a_scoped_handle_refuses_bad_settings() {
    let text = "defaults:\n  endpoint: http://127.0.0.1:9/\n  auth: {type: none}\ndeployments:\n  - name: gpt-4o-mini\n";
    let catalog = Catalog::from_str_with_env(text, "t.yaml", &|_| None).unwrap();
    let client = Foundry::new(catalog, ClientOptions::default()).unwrap();
    let bad = |spec: ScopeSpec| client.scope(spec).expect_err("refused");
    let e = bad(ScopeSpec {
        name: "a/b".into(),
        ..ScopeSpec::default()
    });
    assert!(e.message.contains("scope name"), "{e}");
    let e = bad(ScopeSpec {
        name: "bot".into(),
        models: Some(vec!["gpt-5".into()]),
        ..ScopeSpec::default()
    });
    assert!(e.message.contains("scope('bot').models"), "{e}");
    let e = bad(ScopeSpec {
        name: "bot".into(),
        budget: Some(ScopeBudget {
            hard_usd: f64::NAN,
            window: Some("fortnight".into()),
            time_zone: None,
            soft: None,
        }),
        ..ScopeSpec::default()
    });
    assert!(e.message.contains("scope('bot').budget.window"), "{e}");
}

#[tokio::test]
async fn over_the_local_rate_limit_a_call_fails_fast_without_a_request() {
    let fx = emulator().await;
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
         headers: {{x-emulator-scenario: local_rate_limit}}\n  retry: {{max_retries: 0}}\n\
         deployments:\n  - {{name: gpt-4o-mini, tpm: 600, rpm: 100000}}\n\
         governance:\n  rate_limits: true\n",
        fx.endpoint
    );
    let catalog = Catalog::from_str_with_env(&text, "paced.yaml", &|_| None).expect("catalog");
    let client = Foundry::new(catalog, ClientOptions::default()).expect("client");
    // 600 tpm: 100 tokens per 10 s, 10 a second; each call counts about 18 (its prompt's
    // 50 bytes / 4, plus max_tokens 5) and gives back what its usage did not take.
    let mut answered = 0u32;
    let refused = loop {
        let mut r = request(5);
        r.timeout = Some(0.3);
        match client.chat(r).await {
            Ok(_) => answered += 1,
            Err(e) => break e,
        }
        assert!(answered < 100, "never paced");
    };
    assert_eq!(refused.kind(), ErrorKind::RateLimit, "{refused}");
    assert_eq!(refused.status, None, "a local limit: nothing was sent");
    assert!(refused.retry_after.is_some_and(|w| w.as_secs_f64() > 0.3));
    assert!(
        answered >= 5,
        "the window's tokens admit several calls ({answered})"
    );
    let log: serde_json::Value = reqwest::get(format!(
        "{}_emulator/scenarios/local_rate_limit/requests",
        fx.endpoint
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        log.as_array().unwrap().len() as u32,
        answered,
        "the refused call sent nothing"
    );
}

#[tokio::test]
async fn a_handles_rate_limit_queues_its_calls_not_its_parents_and_tags_its_events() {
    let fx = emulator().await;
    let (client, events) = client(&fx, "handle_rpm", "  scope: acme\n");
    // 6 rpm: one request per 10 s window.
    let bot = client
        .scope(ScopeSpec {
            name: "bot".into(),
            rpm: Some(6),
            tags: BTreeMap::from([("team".to_string(), "search".to_string())]),
            ..ScopeSpec::default()
        })
        .expect("handle");
    bot.chat(request(5)).await.expect("the window's request");
    let mut r = request(5);
    r.timeout = Some(0.5);
    let e = bot
        .chat(r)
        .await
        .expect_err("the next one waits about 10 s");
    assert_eq!(e.kind(), ErrorKind::RateLimit, "{e}");
    assert_eq!(e.status, None, "a local limit: nothing was sent");
    assert!(e.message.contains("scope 'acme/bot'"), "{e}");
    assert!(
        e.retry_after.is_some_and(|w| w.as_secs_f64() > 5.0),
        "{e:?}"
    );
    client
        .chat(request(5))
        .await
        .expect("the parent is not limited by its handle");
    let results: Vec<(Option<String>, BTreeMap<String, String>)> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::Result(r) => Some((r.scope.clone(), r.tags.clone())),
            _ => None,
        })
        .collect();
    let team = BTreeMap::from([("team".to_string(), "search".to_string())]);
    assert_eq!(
        results,
        [
            (Some("acme/bot".to_string()), team.clone()),
            (Some("acme/bot".to_string()), team),
            (Some("acme".to_string()), BTreeMap::new()),
        ]
    );
    let log: serde_json::Value = reqwest::get(format!(
        "{}_emulator/scenarios/handle_rpm/requests",
        fx.endpoint
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "the refused call sent nothing"
    );
}

#[tokio::test]
async fn the_services_remaining_quota_tightens_the_local_view() {
    let fx = emulator().await;
    // The catalog believes in 1M tpm (a 166K-token window); the emulator grants 10K a
    // minute and says so in x-ratelimit-remaining-tokens.
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
         headers: {{x-emulator-scenario: remaining_headers}}\n  retry: {{max_retries: 0}}\n\
         deployments:\n  - {{name: gpt-4o-mini, tpm: 1000000, rpm: 100000}}\n\
         governance:\n  rate_limits: true\n",
        fx.endpoint
    );
    let catalog = Catalog::from_str_with_env(&text, "paced.yaml", &|_| None).expect("catalog");
    let client = Foundry::new(catalog, ClientOptions::default()).expect("client");
    let before = client.limits();
    assert_eq!(before.len(), 1);
    assert!(before[0].tokens_available > 100_000, "{before:?}");
    client.chat(request(5)).await.expect("answered");
    let after = &client.limits()[0];
    let remaining = after
        .service_remaining_tokens
        .expect("the emulator reports what remains");
    assert!(remaining < 10_000, "{after:?}");
    // What refilled since the answer (about 17K tokens a second) is all it may hold above it.
    assert!(after.tokens_available < remaining + 50_000, "{after:?}");
}
