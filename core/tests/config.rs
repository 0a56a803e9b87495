//! The catalog: the repo's foundry.yaml, errors that name file/key/fix, LiteLLM files, the
//! environment, and secrets that never print.

use std::collections::HashMap;
use std::path::Path;

use foundry_client::config::{AuthConfig, Catalog, Shape, TokensParam};
use foundry_client::ErrorKind;

const FAKE_KEY: &str = "test-key-0a1b2c3d4e5f-not-real";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

fn repo_catalog() -> Catalog {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../foundry.yaml");
    Catalog::from_path_with_env(
        path,
        &env(&[
            (
                "FOUNDRY_ENDPOINT",
                "https://aucert-ai.cognitiveservices.azure.com",
            ),
            ("FOUNDRY_API_KEY", FAKE_KEY),
        ]),
    )
    .expect("foundry.yaml loads")
}

#[test]
fn reference_estate_has_the_five_deployments_with_their_quirks() {
    let c = repo_catalog();
    let names: Vec<&str> = c.deployments.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "gpt-5.1-codex",
            "gpt-5.4",
            "gpt-5.3-codex",
            "Kimi-K2.6",
            "DeepSeek-V3.2"
        ]
    );
    let codex = c.deployment("gpt-5.1-codex").unwrap();
    assert!(codex.responses_only);
    assert_eq!(
        codex.endpoint,
        "https://aucert-ai.cognitiveservices.azure.com/"
    );
    assert_eq!(codex.api_version, "2024-10-21");
    assert_eq!((codex.pricing.input, codex.pricing.output), (2.0, 8.0));
    let kimi = c.deployment("Kimi-K2.6").unwrap();
    assert!(kimi.thinking);
    assert_eq!(kimi.min_max_tokens, Some(100));
    assert_eq!(
        c.deployment("gpt-5.4").unwrap().max_tokens_param,
        TokensParam::MaxCompletionTokens
    );
    assert_eq!(c.deployment("DeepSeek-V3.2").unwrap().pricing.input, 0.14);
    assert!(matches!(&kimi.auth, AuthConfig::ApiKey(k) if k.expose() == FAKE_KEY));
    assert_eq!(
        c.route("decision").unwrap().deployments,
        ["gpt-5.4", "gpt-5.3-codex"]
    );
}

#[test]
fn secrets_never_print() {
    let c = repo_catalog();
    let debug = format!("{c:?}");
    assert!(!debug.contains(FAKE_KEY), "key leaked in Debug");
    assert!(debug.contains("Secret(***)"));
}

#[test]
fn names_are_exact_and_near_misses_are_suggested() {
    let c = repo_catalog();
    assert!(c.resolve("gpt-5.4").is_ok());
    let err = c.resolve("GPT-5.4").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.hint.contains("did you mean 'gpt-5.4'"), "{}", err.hint);
    let err = c.resolve("gpt-5-4").unwrap_err();
    assert!(err.hint.contains("gpt-5.4"));
    let err = c.resolve("nothing-like-it").unwrap_err();
    assert!(err.hint.contains("DeepSeek-V3.2"));
}

#[test]
fn missing_key_variable_names_the_key_and_the_fix() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../foundry.yaml");
    let err = Catalog::from_path_with_env(
        &path,
        &env(&[("FOUNDRY_ENDPOINT", "https://x.openai.azure.com/")]),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message.contains("foundry.yaml"), "{}", err.message);
    assert!(err.message.contains("defaults.auth.env"), "{}", err.message);
    assert!(err.message.contains("FOUNDRY_API_KEY"));
    assert!(err.hint.contains("az keyvault secret show"));
    let err =
        Catalog::from_path_with_env(&path, &env(&[("FOUNDRY_API_KEY", FAKE_KEY)])).unwrap_err();
    assert!(
        err.message.contains("defaults.endpoint") && err.message.contains("FOUNDRY_ENDPOINT"),
        "{}",
        err.message
    );
}

#[test]
fn typos_and_bad_values_name_the_key() {
    let e = |text: &str| Catalog::from_str_with_env(text, "team.yaml", &env(&[])).unwrap_err();
    let err = e("deployments:\n  - name: a\n    endpoint: https://x/\n    shape: azur\n");
    assert!(
        err.message.starts_with("team.yaml: deployments[0].shape"),
        "{}",
        err.message
    );
    let err = e("deployments:\n  - name: a\n    endpoint: https://x/\n    respones_only: true\n");
    assert!(err.message.contains("respones_only"), "{}", err.message);
    let err = e("deployments:\n  - name: a\n    endpoint: https://x/\n  - name: a\n    endpoint: https://y/\n");
    assert!(err.message.contains("listed twice"), "{}", err.message);
    let err = e("deployments:\n  - name: a\n    endpoint: ftp://x/\n");
    assert!(
        err.message.contains("deployments[0].endpoint"),
        "{}",
        err.message
    );
    let err = e("deployments:\n  - name: a\n    endpoint: https://x/\nroutes:\n  - name: r\n    deployments: [a, b]\n");
    assert!(
        err.message.contains("routes[0].deployments[1]"),
        "{}",
        err.message
    );
    let err = e("deployments: [\n");
    assert!(err.message.contains("not valid YAML"), "{}", err.message);
    let err = e("deployments:\n  - name: a\n    endpoint: https://x/\n    pricing: {input: -1}\n");
    assert!(err.message.contains("pricing"), "{}", err.message);
}

#[test]
fn credentials_never_go_over_plain_http_except_to_loopback() {
    let text = |endpoint: &str| {
        format!("deployments:\n  - name: a\n    endpoint: {endpoint}\n    auth: {{type: api_key, key: {FAKE_KEY}}}\n")
    };
    let err =
        Catalog::from_str_with_env(&text("http://example.com/"), "t.yaml", &env(&[])).unwrap_err();
    assert!(err.hint.contains("https"), "{}", err.hint);
    assert!(!err.to_string().contains(FAKE_KEY));
    for ok in [
        "http://127.0.0.1:8080/",
        "http://localhost:1/",
        "http://[::1]:9/",
        "https://example.com/",
    ] {
        Catalog::from_str_with_env(&text(ok), "t.yaml", &env(&[]))
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn json_catalogs_load_too() {
    let c = Catalog::from_str_with_env(
        r#"{"deployments": [{"name": "m", "endpoint": "https://r.services.ai.azure.com", "shape": "inference", "extra_parameters": "pass-through"}]}"#,
        "c.json",
        &env(&[]),
    )
    .unwrap();
    assert_eq!(c.deployments[0].shape, Shape::Inference);
}

#[test]
fn litellm_model_lists_port_as_they_are() {
    let text = r#"
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-prod
      api_base: os.environ/AZURE_API_BASE
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-10-21"
      rpm: 60
      tpm: 100000
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: https://eu.openai.azure.com/
      api_key: os.environ/AZURE_API_KEY
  - model_name: phi-4
    litellm_params:
      model: azure_ai/Phi-4
      api_base: https://r.services.ai.azure.com/models
      api_key: os.environ/AZURE_AI_KEY
"#;
    let c = Catalog::from_str_with_env(
        text,
        "litellm.yaml",
        &env(&[
            ("AZURE_API_BASE", "https://us.openai.azure.com"),
            ("AZURE_API_KEY", FAKE_KEY),
            ("AZURE_AI_KEY", FAKE_KEY),
        ]),
    )
    .unwrap();
    let route = c.route("gpt-4o").expect("two entries become a route");
    assert_eq!(route.deployments.len(), 2);
    let first = c.deployment(&route.deployments[0]).unwrap();
    assert_eq!(first.deployment, "gpt-4o-prod");
    assert_eq!(first.endpoint, "https://us.openai.azure.com/");
    assert_eq!((first.rpm, first.tpm), (Some(60), Some(100000)));
    assert!((first.pricing.input - 2.5).abs() < 1e-9 && (first.pricing.output - 10.0).abs() < 1e-9);
    let phi = c.deployment("phi-4").unwrap();
    assert_eq!(phi.shape, Shape::Inference);
    assert_eq!(phi.endpoint, "https://r.services.ai.azure.com/");
    assert_eq!(phi.deployment, "Phi-4");
    let err = Catalog::from_str_with_env(text, "litellm.yaml", &env(&[])).unwrap_err();
    assert!(err.message.contains("AZURE_API_BASE"), "{}", err.message);
}

#[test]
fn environment_catalogs_accept_any_deployment() {
    let c = Catalog::from_env_lookup(&env(&[
        ("FOUNDRY_ENDPOINT", "https://r.cognitiveservices.azure.com"),
        ("FOUNDRY_API_KEY", FAKE_KEY),
    ]))
    .unwrap();
    let t = c.resolve("gpt-5.4").unwrap();
    assert_eq!(t.deployments[0].deployment, "gpt-5.4");
    assert_eq!(
        t.deployments[0].endpoint,
        "https://r.cognitiveservices.azure.com/"
    );
    let c = Catalog::from_env_lookup(&env(&[
        (
            "AZURE_OPENAI_ENDPOINT",
            "https://r.openai.azure.com/openai/v1/",
        ),
        ("OPENAI_API_VERSION", "2025-01-01"),
    ]))
    .unwrap();
    let d = &c.resolve("x").unwrap().deployments[0];
    assert_eq!(d.shape, Shape::V1);
    assert_eq!(d.api_version, "2025-01-01");
    assert!(
        matches!(d.auth, AuthConfig::Entra(_)),
        "no key means managed identity"
    );
    let err = Catalog::from_env_lookup(&env(&[])).unwrap_err();
    assert!(err.hint.contains("FOUNDRY_ENDPOINT"));
}

#[test]
fn catalogs_from_code_are_validated_like_files() {
    use foundry_client::config::Deployment;
    let endpoint = "https://res.cognitiveservices.azure.com";
    let c = Catalog::builder()
        .deployment(
            Deployment::new("gpt-5.4", endpoint)
                .api_key(FAKE_KEY)
                .max_completion_tokens()
                .pricing(4.0, 16.0),
        )
        .deployment(
            Deployment::new("Kimi-K2.6", endpoint)
                .api_key(FAKE_KEY)
                .thinking(100),
        )
        .route("decision", ["gpt-5.4", "Kimi-K2.6"])
        .build()
        .unwrap();
    assert_eq!(
        c.deployment("gpt-5.4").unwrap().endpoint,
        "https://res.cognitiveservices.azure.com/"
    );
    assert_eq!(c.deployment("Kimi-K2.6").unwrap().min_max_tokens, Some(100));
    let err = Catalog::builder()
        .deployment(Deployment::new("a", "http://remote.example/").api_key(FAKE_KEY))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = Catalog::builder()
        .deployment(Deployment::new("a", endpoint))
        .deployment(Deployment::new("a", endpoint))
        .build()
        .unwrap_err();
    assert!(err.message.contains("listed twice"), "{}", err.message);
    let err = Catalog::builder()
        .deployment(Deployment::new("a", endpoint))
        .route("r", ["b"])
        .build()
        .unwrap_err();
    assert!(
        err.message.contains("routes[0].deployments[0]"),
        "{}",
        err.message
    );
}

#[test]
fn token_fetch_settings_default_and_are_range_checked() {
    let load = |token_fetch: &str| {
        let text = format!(
            "defaults:\n  endpoint: https://res.openai.azure.com/\n  token_fetch: {token_fetch}\n\
             deployments:\n  - name: gpt-4o\n"
        );
        Catalog::from_str_with_env(&text, "test.yaml", &env(&[]))
    };
    let defaults = load("{}").expect("defaults").defaults.token_fetch;
    assert_eq!(defaults.timeout_secs, 30.0);
    assert_eq!(defaults.failure_memory_ms, 2_000);
    assert_eq!(defaults.max_retry_after_secs, 30.0);
    let set = load("{timeout_secs: 5, failure_memory_ms: 0, max_retry_after_secs: 2.5}")
        .expect("valid")
        .defaults
        .token_fetch;
    assert_eq!((set.timeout_secs, set.failure_memory_ms), (5.0, 0));
    for (bad, key) in [
        ("{timeout_secs: 0}", "defaults.token_fetch.timeout_secs"),
        ("{timeout_secs: 1e12}", "defaults.token_fetch.timeout_secs"),
        (
            "{max_retry_after_secs: -1}",
            "defaults.token_fetch.max_retry_after_secs",
        ),
        (
            "{failure_memory_ms: 60001}",
            "defaults.token_fetch.failure_memory_ms",
        ),
    ] {
        let error = load(bad).expect_err(bad);
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(error.message.contains(key), "{bad}: {}", error.message);
        assert!(error.hint.contains("token_fetch"), "{bad}: {}", error.hint);
    }
    let built = foundry_client::config::CatalogBuilder::default()
        .deployment(foundry_client::Deployment::new(
            "gpt-4o",
            "https://res.openai.azure.com/",
        ))
        .token_fetch(foundry_client::config::TokenFetch {
            failure_memory_ms: 120_000,
            ..Default::default()
        })
        .build();
    assert!(
        built.is_err(),
        "the builder checks the settings like a file"
    );
    let typo = load("{timeout: 5}").expect_err("unknown key");
    assert!(typo.message.contains("timeout"), "{}", typo.message);
}
