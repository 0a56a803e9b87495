//! The `foundry` command end to end: the demo, smoke's exit code, chat, errors with hints.

use std::process::{Command, Output};

use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::Value;

fn foundry(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foundry"));
    cmd.args(args)
        .env_remove("FOUNDRY_ENDPOINT")
        .env_remove("FOUNDRY_API_KEY")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("foundry runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn demo_walks_the_estate_and_accounts_for_spend() {
    let out = foundry(&["demo", "--json"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let steps = v["steps"].as_array().unwrap();
    let answered: Vec<&str> = steps
        .iter()
        .filter(|s| s["step"] == "answer")
        .map(|s| s["deployment"].as_str().unwrap())
        .collect();
    assert_eq!(
        answered,
        [
            "gpt-5.1-codex",
            "gpt-5.4",
            "gpt-5.3-codex",
            "Kimi-K2.6",
            "DeepSeek-V3.2"
        ]
    );
    let codex = steps
        .iter()
        .find(|s| s["deployment"] == "gpt-5.1-codex")
        .unwrap();
    assert_eq!(codex["api"], "responses");
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name}"))
    };
    assert_eq!(
        step("reasoning_exhausted")["error"]["kind"],
        "reasoning_exhausted"
    );
    assert_eq!(step("retry")["attempts"], 2);
    // The server's 300 ms hint plus its jitter (at most 10 %).
    let waited = step("retry")["waited_ms"].as_u64().expect("waited_ms");
    assert!((300..=330).contains(&waited), "waited {waited} ms");
    assert_eq!(step("fallback")["deployment"], "gpt-5.3-codex");
    assert_eq!(step("content_filter")["error"]["categories"][0], "violence");
    assert!(v["total_cost_usd"].as_f64().unwrap() > 0.0);
    // The runaway loop: stopped by the team's $0.01 cap before a call passes it, alerted
    // once at 80 % on the way.
    let budget = step("budget");
    assert_eq!(budget["error"]["kind"], "budget_exceeded");
    assert!(budget["answered"].as_u64().unwrap() > 10, "{budget}");
    let alerts = budget["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{budget}");
    assert_eq!(alerts[0]["threshold"], 0.8);
    let line = &budget["spend"][0];
    assert_eq!(line["scope"], "acme/agents");
    assert!(line["spent_usd"].as_f64().unwrap() <= 0.01);
    assert!(line["spent_usd"].as_f64().unwrap() >= 0.008);
    // The burst: more than a window's worth, paced in the client; the emulator enforces the
    // same quota and answers no 429, and the high-priority call overtakes the queued batch.
    let burst = step("rate_limits");
    assert_eq!(burst["throttled"], 0, "{burst}");
    assert!(burst["queued"].as_u64().unwrap() >= 1, "{burst}");
    assert!(
        burst["urgent_wait_ms"].as_u64().unwrap() < burst["longest_wait_ms"].as_u64().unwrap(),
        "{burst}"
    );
    // The doctor: the typo'd deployment and the stale key fail, the unflagged models warn.
    let findings = step("doctor")["findings"].as_array().unwrap().clone();
    let status = |d: &str, check: &str| {
        findings
            .iter()
            .find(|f| f["deployment"] == d && f["check"] == check)
            .map(|f| f["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {check} finding for {d}"))
    };
    assert_eq!(status("gpt-5.4-typo", "deployment"), "fail");
    assert_eq!(status("gpt-5.4", "auth"), "fail");
    assert_eq!(status("gpt-5.1-codex", "api"), "warn");
    assert_eq!(status("Kimi-K2.6", "thinking"), "warn");
    assert_eq!(status("DeepSeek-V3.2", "deployment"), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn spend_reads_the_embedded_ledger_after_calls() {
    let emu = Emulator::start(EmulatorConfig::reference()).await.unwrap();
    let endpoint = emu.endpoint();
    let dir = std::env::temp_dir().join(format!("foundry-cli-spend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let reference = include_str!("../../../foundry.yaml");
    let ledger = dir.join("ledger.sqlite");
    let catalog = dir.join("foundry.yaml");
    std::fs::write(
        &catalog,
        format!(
            "{reference}\ngovernance:\n  ledger: {}\n  budgets:\n    - {{scope: deployment:DeepSeek-V3.2, window: month, hard_usd: 1}}\n",
            ledger.display()
        ),
    )
    .unwrap();
    let config = catalog.to_str().unwrap().to_string();
    let (chat, spend) = tokio::task::spawn_blocking(move || {
        let env = [
            ("FOUNDRY_ENDPOINT", endpoint.as_str()),
            ("FOUNDRY_API_KEY", DEFAULT_API_KEY),
        ];
        let chat = foundry(
            &[
                "chat",
                "-m",
                "DeepSeek-V3.2",
                "Hello",
                "--config",
                &config,
                "--no-stream",
            ],
            &env,
        );
        let spend = foundry(&["spend", "--config", &config, "--json"], &env);
        (chat, spend)
    })
    .await
    .unwrap();
    assert!(
        chat.status.success(),
        "{}",
        String::from_utf8_lossy(&chat.stderr)
    );
    assert!(
        spend.status.success(),
        "{}",
        String::from_utf8_lossy(&spend.stderr)
    );
    let v = json(&spend);
    let line = &v["budgets"][0];
    assert_eq!(line["scope"], "deployment:DeepSeek-V3.2");
    assert_eq!(line["cap_usd"], 1.0);
    // The chat's bill, read back by another process from the ledger file.
    assert!(line["spent_usd"].as_f64().unwrap() > 0.0, "{v}");
    assert_eq!(line["reserved_usd"], 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn smoke_chat_and_deployments_against_a_running_emulator() {
    let emu = Emulator::start(EmulatorConfig::reference()).await.unwrap();
    let endpoint = emu.endpoint();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../foundry.yaml");
    let out = tokio::task::spawn_blocking(move || {
        let env = [
            ("FOUNDRY_ENDPOINT", endpoint.as_str()),
            ("FOUNDRY_API_KEY", DEFAULT_API_KEY),
        ];
        let smoke = foundry(&["smoke", "--config", config, "--json"], &env);
        let chat = foundry(
            &[
                "chat",
                "-m",
                "DeepSeek-V3.2",
                "Hello there",
                "--config",
                config,
            ],
            &env,
        );
        let wrong = foundry(&["chat", "-m", "gpt-5-4", "hi", "--config", config], &env);
        let bad_key = foundry(
            &["smoke", "--config", config],
            &[env[0], ("FOUNDRY_API_KEY", "test-key-wrong-0000")],
        );
        (smoke, chat, wrong, bad_key)
    })
    .await
    .unwrap();
    let (smoke, chat, wrong, bad_key) = out;
    assert!(smoke.status.success());
    let v = json(&smoke);
    assert_eq!(v["ok"], true);
    assert_eq!(v["deployments"].as_array().unwrap().len(), 5);
    let chat_out = String::from_utf8_lossy(&chat.stdout);
    assert!(
        chat_out.contains("DeepSeek-V3.2 heard: Hello there"),
        "{chat_out}"
    );
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("did you mean 'gpt-5.4'"));
    assert!(
        !bad_key.status.success(),
        "smoke must fail when a deployment fails"
    );
    let table = String::from_utf8_lossy(&bad_key.stdout);
    assert!(
        table.contains("FAILED") && table.contains("Key Vault"),
        "{table}"
    );
    assert!(!table.contains("test-key-wrong-0000"));
}

#[test]
fn limits_lists_each_limited_scope_and_paced_deployment() {
    let dir = std::env::temp_dir().join(format!("foundry-cli-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let catalog = dir.join("limits.yaml");
    std::fs::write(
        &catalog,
        "defaults: {endpoint: 'http://127.0.0.1:9/', auth: {type: none}}\n\
         deployments:\n  - {name: gpt-5.4, tpm: 60000}\n  - {name: unpaced}\n\
         governance:\n  rate_limits: true\n  scopes:\n    - {key_alias: acme/bot, rpm_limit: 30}\n",
    )
    .unwrap();
    let config = catalog.to_str().unwrap();
    let out = foundry(&["limits", "--config", config, "--json"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let lines = v["limits"].as_array().expect("a list");
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l["limits"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme/bot", "deployment:gpt-5.4"], "{v}");
    assert_eq!(lines[0]["rpm"], 30);
    assert_eq!(lines[1]["tpm"], 60000);
    // Azure's 6 RPM per 1,000 TPM, and a sixth of the minute per 10 s window.
    assert_eq!(lines[1]["rpm"], 360);
    assert_eq!(lines[1]["tokens_available"], 10000);
    let table = foundry(&["limits", "--config", config], &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("deployment:gpt-5.4") && text.contains("acme/bot"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_the_reference_catalog_and_exits_non_zero_on_a_failure() {
    let emu = Emulator::start(EmulatorConfig::reference()).await.unwrap();
    let endpoint = emu.endpoint();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../foundry.yaml");
    let (healthy, refused) = tokio::task::spawn_blocking(move || {
        let healthy = foundry(
            &["doctor", "--config", config, "--json"],
            &[
                ("FOUNDRY_ENDPOINT", endpoint.as_str()),
                ("FOUNDRY_API_KEY", DEFAULT_API_KEY),
            ],
        );
        let refused = foundry(
            &["doctor", "--config", config],
            &[
                ("FOUNDRY_ENDPOINT", endpoint.as_str()),
                ("FOUNDRY_API_KEY", "doctor-key-wrong-0000"),
            ],
        );
        (healthy, refused)
    })
    .await
    .unwrap();
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stdout)
    );
    let v = json(&healthy);
    assert_eq!(v["ok"], true, "{v}");
    let findings = v["findings"].as_array().unwrap();
    for d in [
        "gpt-5.1-codex",
        "gpt-5.4",
        "gpt-5.3-codex",
        "Kimi-K2.6",
        "DeepSeek-V3.2",
    ] {
        let deployment = findings
            .iter()
            .find(|f| f["deployment"] == d && f["check"] == "deployment")
            .unwrap_or_else(|| panic!("no deployment finding for {d}: {v}"));
        assert_eq!(deployment["status"], "ok", "{v}");
    }
    assert!(!findings.iter().any(|f| f["status"] == "fail"), "{v}");
    assert!(
        !refused.status.success(),
        "a refused key must fail the doctor"
    );
    let table = String::from_utf8_lossy(&refused.stdout);
    assert!(
        table.contains("FAIL") && table.contains("az keyvault secret show"),
        "{table}"
    );
    assert!(!table.contains("doctor-key-wrong-0000"));
}

#[test]
fn deployments_show_a_key_vault_auth_without_any_secret() {
    let dir = std::env::temp_dir().join(format!("foundry-cli-kv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let catalog = dir.join("kv.yaml");
    std::fs::write(
        &catalog,
        "defaults: {endpoint: 'https://res.cognitiveservices.azure.com/'}\n\
         deployments:\n  - name: gpt-5.4\n    auth: {type: key_vault, vault: aucertdev-kv-41e0x5, \
         secret: foundry-api-key, credential: client_secret, tenant_id: t, client_id: c, \
         client_secret_env: KV_APP_SECRET}\n  - name: kimi\n    auth: {type: api_key, key: made-up-file-key}\n",
    )
    .unwrap();
    let config = catalog.to_str().unwrap();
    let env = [("KV_APP_SECRET", "made-up-client-secret")];
    let out = foundry(&["deployments", "--config", config], &env);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    assert!(
        table.contains(
            "key_vault https://aucertdev-kv-41e0x5.vault.azure.net/secrets/foundry-api-key (client_secret)"
        ),
        "{table}"
    );
    let out = foundry(&["deployments", "--config", config, "--json"], &env);
    let v = json(&out);
    assert_eq!(v["deployments"][0]["auth"], "key_vault");
    assert_eq!(v["deployments"][0]["credential"], "client_secret");
    let shown = format!("{table}{v}");
    for secret in ["made-up-client-secret", "made-up-file-key"] {
        assert!(!shown.contains(secret), "{secret} shows in {shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_exports_its_span_before_it_exits_when_otel_asks() {
    let emu = Emulator::start(EmulatorConfig::reference()).await.unwrap();
    let endpoint = emu.endpoint();
    let collector = endpoint.trim_end_matches('/').to_string();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../foundry.yaml");
    let chat = tokio::task::spawn_blocking(move || {
        let env = [
            ("FOUNDRY_ENDPOINT", endpoint.as_str()),
            ("FOUNDRY_API_KEY", DEFAULT_API_KEY),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str()),
            ("OTEL_SERVICE_NAME", "foundry-cli-test"),
        ];
        let args = ["chat", "-m", "DeepSeek-V3.2", "Hello", "--config", config];
        foundry(&args, &env)
    })
    .await
    .unwrap();
    assert!(
        chat.status.success(),
        "{}",
        String::from_utf8_lossy(&chat.stderr)
    );
    // The process has exited: what it exported was flushed on the way out.
    let got = emu.otlp();
    let span = got["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "chat DeepSeek-V3.2")
        .unwrap_or_else(|| panic!("no span exported: {got}"));
    assert_eq!(span["resource"]["service.name"], "foundry-cli-test");
    assert_eq!(span["attributes"]["gen_ai.request.stream"], true);
    let metrics = got["metrics"].as_array().unwrap();
    assert!(metrics
        .iter()
        .any(|m| m["name"] == "gen_ai.client.operation.duration"));
}
