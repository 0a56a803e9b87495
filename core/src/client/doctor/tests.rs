//! The doctor against the emulator, one fault of the guide's table at a time.

use std::net::SocketAddr;
use std::sync::Arc;

use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use futures_util::future::BoxFuture;

use super::{Check, Finding, Resolve, Status};
use crate::config::Catalog;
use crate::{ClientOptions, Foundry};

async fn emulator(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("emulator")
}

fn client(text: &str, options: ClientOptions) -> Foundry {
    let catalog = Catalog::from_str_with_env(text, "doctor.yaml", &|_| None).expect("catalog");
    Foundry::new(catalog, options).expect("client")
}

/// A catalog of `deployments` (YAML flow maps) at `endpoint` with `key`.
fn catalog(endpoint: &str, key: &str, deployments: &[&str]) -> String {
    let list: String = deployments.iter().map(|d| format!("  - {d}\n")).collect();
    format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {key}}}\ndeployments:\n{list}"
    )
}

fn find<'a>(findings: &'a [Finding], deployment: &str, check: Check) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.deployment == deployment && f.check == check)
        .unwrap_or_else(|| panic!("no {check:?} finding for {deployment}: {findings:#?}"))
}

fn assert_fails_with(f: &Finding, detail: &str, fix: &str) {
    assert_eq!(f.status, Status::Fail, "{f:#?}");
    assert!(f.detail.contains(detail), "{f:#?}");
    assert!(f.fix.as_deref().unwrap_or("").contains(fix), "{f:#?}");
}

#[tokio::test]
async fn a_healthy_estate_checks_out_and_names_what_it_saw() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(
        &emu.endpoint(),
        DEFAULT_API_KEY,
        &[
            "{name: gpt-5.4, max_tokens_param: max_completion_tokens}",
            "{name: gpt-5.1-codex, responses_only: true, max_tokens_param: max_completion_tokens}",
            "{name: Kimi-K2.6, thinking: true, min_max_tokens: 200}",
        ],
    );
    let findings = client(&text, ClientOptions::default()).doctor().await;
    for f in &findings {
        assert_eq!(f.status, Status::Ok, "{f:#?}");
        assert!(f.fix.is_none(), "{f:#?}");
    }
    for d in ["gpt-5.4", "gpt-5.1-codex", "Kimi-K2.6"] {
        for check in [
            Check::Dns,
            Check::Auth,
            Check::Deployment,
            Check::Api,
            Check::Quota,
        ] {
            find(&findings, d, check);
        }
    }
    assert!(find(&findings, "gpt-5.4", Check::Auth)
        .detail
        .contains("an API key"));
    assert!(find(&findings, "gpt-5.4", Check::Quota)
        .detail
        .contains("left this minute"));
    assert!(find(&findings, "gpt-5.1-codex", Check::Deployment)
        .detail
        .contains("the Responses API"));
    assert!(find(&findings, "Kimi-K2.6", Check::Thinking)
        .detail
        .contains("200"));
    // Findings come in catalog order, each deployment's together.
    assert_eq!(findings[0].deployment, "gpt-5.4");
    assert_eq!(findings.last().unwrap().deployment, "Kimi-K2.6");
}

#[tokio::test]
async fn a_refused_key_names_the_key_vault_command() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(&emu.endpoint(), "wrong-key-not-real", &["{name: gpt-5.4}"]);
    let findings = client(&text, ClientOptions::default()).doctor().await;
    assert_fails_with(
        find(&findings, "gpt-5.4", Check::Auth),
        "401",
        "az keyvault secret show",
    );
    assert!(!format!("{findings:?}").contains("wrong-key-not-real"));
}

#[tokio::test]
async fn a_missing_deployment_names_the_listing_command() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(&emu.endpoint(), DEFAULT_API_KEY, &["{name: gpt-9-typo}"]);
    let findings = client(&text, ClientOptions::default()).doctor().await;
    assert_fails_with(
        find(&findings, "gpt-9-typo", Check::Deployment),
        "404",
        "az cognitiveservices account deployment list",
    );
}

#[tokio::test]
async fn a_responses_only_deployment_not_flagged_is_a_warning_with_the_key_to_set() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(
        &emu.endpoint(),
        DEFAULT_API_KEY,
        &["{name: gpt-5.1-codex, max_tokens_param: max_completion_tokens}"],
    );
    let findings = client(&text, ClientOptions::default()).doctor().await;
    let api = find(&findings, "gpt-5.1-codex", Check::Api);
    assert_eq!(api.status, Status::Warn, "{api:#?}");
    assert!(api.detail.contains("OperationNotSupported"), "{api:#?}");
    let fix = api.fix.as_deref().unwrap_or("");
    assert!(
        fix.contains("responses_only: true") && fix.contains("--query properties.capabilities")
    );
    assert_eq!(
        find(&findings, "gpt-5.1-codex", Check::Deployment).status,
        Status::Ok
    );
}

#[tokio::test]
async fn a_model_that_refuses_max_tokens_not_flagged_is_a_warning_with_the_key_to_set() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(&emu.endpoint(), DEFAULT_API_KEY, &["{name: gpt-5.4}"]);
    let findings = client(&text, ClientOptions::default()).doctor().await;
    let api = find(&findings, "gpt-5.4", Check::Api);
    assert_eq!(api.status, Status::Warn, "{findings:#?}");
    assert!(api
        .fix
        .as_deref()
        .unwrap_or("")
        .contains("max_tokens_param: max_completion_tokens"));
    assert_eq!(
        find(&findings, "gpt-5.4", Check::Deployment).status,
        Status::Ok
    );
}

#[tokio::test]
async fn a_thinking_model_without_an_output_floor_is_a_warning() {
    let emu = emulator(EmulatorConfig::reference()).await;
    let text = catalog(&emu.endpoint(), DEFAULT_API_KEY, &["{name: Kimi-K2.6}"]);
    let findings = client(&text, ClientOptions::default()).doctor().await;
    let thinking = find(&findings, "Kimi-K2.6", Check::Thinking);
    assert_eq!(thinking.status, Status::Warn, "{thinking:#?}");
    assert!(thinking
        .fix
        .as_deref()
        .unwrap_or("")
        .contains("min_max_tokens: 100"));
}

#[tokio::test]
async fn an_identity_without_the_role_names_the_role_assignment_command() {
    let mut config = EmulatorConfig::reference();
    config.forbidden_clients = vec!["no-role-identity".into()];
    let emu = emulator(config).await;
    let identity_endpoint = format!("{}msi/token", emu.endpoint());
    let text = format!(
        "defaults:\n  endpoint: {}\n  auth: {{type: entra, credential: managed_identity}}\ndeployments:\n  - {{name: gpt-5.4}}\n",
        emu.endpoint()
    );
    let env: crate::EnvLookup = Arc::new(move |name| match name {
        "IDENTITY_ENDPOINT" => Some(identity_endpoint.clone()),
        "IDENTITY_HEADER" => Some("identity-header-not-real".into()),
        "AZURE_CLIENT_ID" => Some("no-role-identity".into()),
        _ => None,
    });
    let options = ClientOptions {
        env: Some(env),
        ..ClientOptions::default()
    };
    let findings = client(&text, options).doctor().await;
    let auth = find(&findings, "gpt-5.4", Check::Auth);
    assert_eq!(auth.status, Status::Ok, "{auth:#?}");
    assert!(
        auth.detail
            .contains("https://cognitiveservices.azure.com/.default")
            || auth.detail.contains("Entra"),
        "{auth:#?}"
    );
    assert_fails_with(
        find(&findings, "gpt-5.4", Check::Role),
        "403",
        "Cognitive Services User",
    );
}

#[tokio::test]
async fn an_untrusted_certificate_and_a_closed_port_are_told_apart() {
    let emu = emulator(EmulatorConfig::reference()).await;
    // The emulator's https port, its CA not trusted.
    let text = catalog(
        &emu.https_endpoint(),
        DEFAULT_API_KEY,
        &["{name: DeepSeek-V3.2}"],
    );
    let findings = client(&text, ClientOptions::default()).doctor().await;
    assert_fails_with(
        find(&findings, "DeepSeek-V3.2", Check::Tls),
        "certificate",
        "ca_pem",
    );
    // Trusted, it checks out.
    let options = ClientOptions {
        ca_pem: Some(emu.ca_pem()),
        ..ClientOptions::default()
    };
    let findings = client(&text, options).doctor().await;
    assert_eq!(
        find(&findings, "DeepSeek-V3.2", Check::Deployment).status,
        Status::Ok,
        "{findings:#?}"
    );
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let text = catalog(
        &format!("http://127.0.0.1:{port}/"),
        DEFAULT_API_KEY,
        &["{name: gpt-5.4}"],
    );
    let findings = client(&text, ClientOptions::default()).doctor().await;
    assert_fails_with(find(&findings, "gpt-5.4", Check::Connect), "", "firewall");
}

/// Resolves nothing: the doctor's DNS check, with no query leaving the machine.
struct NoNames;

impl Resolve for NoNames {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        _port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move {
            Err(std::io::Error::other(format!(
                "failed to lookup address information: {host}: Name or service not known"
            )))
        })
    }
}

#[tokio::test]
async fn a_name_that_does_not_resolve_stops_there_with_the_endpoint_command() {
    let text = catalog(
        "https://aucert-ai-typo.openai.azure.com/",
        DEFAULT_API_KEY,
        &["{name: gpt-5.4}"],
    );
    let findings = client(&text, ClientOptions::default())
        .doctor_with(&NoNames)
        .await;
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_fails_with(
        &findings[0],
        "aucert-ai-typo.openai.azure.com does not resolve",
        "az cognitiveservices account show --name aucert-ai-typo",
    );
}

#[tokio::test]
async fn a_throttled_deployment_is_a_quota_failure_and_a_nearly_spent_one_a_warning() {
    let mut config = EmulatorConfig::reference();
    config.enforce_rate_limits = true;
    for d in &mut config.deployments {
        d.rpm = 1;
    }
    let emu = emulator(config).await;
    let text = catalog(&emu.endpoint(), DEFAULT_API_KEY, &["{name: DeepSeek-V3.2}"]);
    let doctor = client(&text, ClientOptions::default());
    // The first probe takes the minute's only request: 0 of 1 left is nearly spent.
    let findings = doctor.doctor().await;
    let quota = find(&findings, "DeepSeek-V3.2", Check::Quota);
    assert_eq!(quota.status, Status::Warn, "{quota:#?}");
    assert!(quota.fix.as_deref().unwrap_or("").contains("foundry.tf"));
    let findings = doctor.doctor().await;
    assert_fails_with(
        find(&findings, "DeepSeek-V3.2", Check::Quota),
        "429",
        "terraform apply",
    );
}
