//! Runs every vector of tests/conformance/ against one in-process emulator.
//! The format is documented in tests/conformance/README.md.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use foundry_client::config::Catalog;
use foundry_client::{
    CallOverrides, CatalogSource, ChatRequest, ClientOptions, ClientSettings, EmbeddingsRequest,
    ErrorKind, Foundry, ResponsesRequest,
};
use serde_json::{json, Value};

use common::matcher::matches;

struct Fixture {
    endpoint: String,
    https_endpoint: String,
    api_key: String,
    ca_file: PathBuf,
    ca_pem: String,
    http: reqwest::Client,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

fn substitute(value: &mut Value, fx: &Fixture, scenario: &str) {
    match value {
        Value::String(s) if s.contains("{{") => {
            *s = s
                .replace("{{endpoint}}", &fx.endpoint)
                .replace("{{https_endpoint}}", &fx.https_endpoint)
                .replace("{{api_key}}", &fx.api_key)
                .replace("{{ca_file}}", &fx.ca_file.display().to_string())
                .replace("{{scenario}}", scenario);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, fx, scenario)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, fx, scenario)),
        _ => {}
    }
}

async fn run_call(client: &Foundry, op: &str, request: Value) -> Result<Value, Value> {
    let err = |e: foundry_client::Error| e.to_json();
    match op {
        "chat" => {
            let req: ChatRequest = serde_json::from_value(request)
                .map_err(|e| json!({"kind": "invalid_request", "message": e.to_string()}))?;
            client
                .chat(req)
                .await
                .map(|r| serde_json::to_value(r).unwrap())
                .map_err(err)
        }
        "chat_stream" | "responses_stream" => {
            let mut stream = if op == "chat_stream" {
                let req: ChatRequest = serde_json::from_value(request).unwrap();
                client.chat_stream(req).await.map_err(err)?
            } else {
                let req: ResponsesRequest = serde_json::from_value(request).unwrap();
                client.responses_stream(req).await.map_err(err)?
            };
            let mut count = 0u64;
            while let Some(chunk) = stream.next_chunk().await {
                chunk.map_err(err)?;
                count += 1;
            }
            let mut v = serde_json::to_value(stream.result().cloned()).unwrap();
            v["chunk_count"] = json!(count);
            Ok(v)
        }
        "responses" => {
            let req: ResponsesRequest = serde_json::from_value(request).unwrap();
            client
                .responses(req)
                .await
                .map(|r| serde_json::to_value(r).unwrap())
                .map_err(err)
        }
        "embeddings" => {
            let req: EmbeddingsRequest = serde_json::from_value(request).unwrap();
            client
                .embeddings(req)
                .await
                .map(|r| serde_json::to_value(r).unwrap())
                .map_err(err)
        }
        "info" => {
            let model = request["model"].as_str().unwrap_or_default().to_string();
            client.info(&model).await.map_err(err)
        }
        "smoke" => Ok(json!({"deployments": client.smoke().await})),
        "load_catalog" => Ok(json!({
            "deployments": client.deployments().iter().map(|d| d.name.clone()).collect::<Vec<_>>()
        })),
        other => panic!("unknown op {other}"),
    }
}

/// The client a vector describes: through `ClientSettings` when it has `client` (the
/// constructor arguments every language maps to its own names), else from its catalog or
/// environment with the scenario header added to the catalog.
fn build_client(
    fx: &Fixture,
    v: &Value,
    name: &str,
    env: HashMap<String, String>,
) -> foundry_client::Result<Foundry> {
    if let Some(client) = v.get("client") {
        let mut headers: BTreeMap<String, String> =
            serde_json::from_value(client["default_headers"].clone()).unwrap_or_default();
        headers.insert("x-emulator-scenario".into(), name.to_string());
        let text = |key: &str| client[key].as_str().map(str::to_string);
        let settings = ClientSettings {
            catalog: v.get("catalog").map(|c| CatalogSource::Value {
                value: c.clone(),
                origin: format!("{name}.catalog"),
            }),
            endpoint: text("endpoint"),
            api_key: text("api_key"),
            api_version: text("api_version"),
            deployment: text("deployment"),
            default_headers: headers,
            timeout: client["timeout"].as_f64(),
            max_retries: client["max_retries"].as_i64(),
            env: Some(env),
            ca_pem: Some(fx.ca_pem.clone()),
            on_event: None,
            token_provider: client.get("token_provider").map(token_provider),
        };
        return Foundry::from_settings(settings);
    }
    let lookup = |name: &str| env.get(name).cloned();
    let catalog = match v.get("catalog") {
        Some(c) => {
            let mut c = c.clone();
            if c.get("model_list").is_none() {
                c["defaults"]["headers"]["x-emulator-scenario"] = json!(name);
            }
            Catalog::from_value_with_env(c, &format!("{name}.catalog"), &lookup)
        }
        None => Catalog::from_env_lookup(&lookup).map(|mut c| {
            c.defaults
                .headers
                .insert("x-emulator-scenario".into(), name.to_string());
            c
        }),
    }?;
    let options = ClientOptions {
        ca_pem: Some(fx.ca_pem.clone()),
        env: Some(std::sync::Arc::new(move |n: &str| env.get(n).cloned())),
        ..Default::default()
    };
    Foundry::new(catalog, options)
}

/// `client.token_provider`: a token to return, or `{"error": message}` to fail with.
fn token_provider(spec: &Value) -> foundry_client::TokenProvider {
    let outcome = match spec.as_str() {
        Some(token) => Ok(token.to_string()),
        None => Err(spec["error"]
            .as_str()
            .unwrap_or("no error text")
            .to_string()),
    };
    std::sync::Arc::new(move || {
        let outcome = outcome
            .clone()
            .map_err(|m| foundry_client::Error::new(ErrorKind::Credential, m));
        Box::pin(async move { outcome })
    })
}

/// `call.with_options`: the client the call is made on, derived as openai's `with_options`.
fn with_options(client: &Foundry, call: &Value) -> foundry_client::Result<Foundry> {
    let Some(o) = call.get("with_options") else {
        return Ok(client.clone());
    };
    client.with_options(CallOverrides {
        default_headers: serde_json::from_value(o["default_headers"].clone()).unwrap_or_default(),
        timeout: o["timeout"].as_f64(),
        max_retries: o["max_retries"].as_i64(),
    })
}

async fn run_vector(fx: &Fixture, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("bad vector JSON: {e}"))?;
    let name = v["name"].as_str().ok_or("vector has no name")?.to_string();
    substitute(&mut v, fx, &name);

    let scenario = v.get("scenario").cloned().unwrap_or_else(|| json!({}));
    let registered = fx
        .http
        .post(format!("{}_emulator/scenarios/{name}", fx.endpoint))
        .json(&scenario)
        .send()
        .await
        .map_err(|e| format!("cannot register scenario: {e}"))?;
    if !registered.status().is_success() {
        return Err(format!(
            "scenario refused: {}",
            registered.text().await.unwrap_or_default()
        ));
    }

    let env: HashMap<String, String> = v
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let expect = &v["expect"];
    let op = v["call"]["op"].as_str().unwrap_or("chat");
    let actual = match build_client(fx, &v, &name, env) {
        Err(e) => Err(e.to_json()),
        Ok(client) => {
            let started = std::time::Instant::now();
            let outcome = match with_options(&client, &v["call"]) {
                Ok(client) => run_call(&client, op, v["call"]["request"].clone()).await,
                Err(e) => Err(e.to_json()),
            };
            let took = started.elapsed().as_millis();
            // A correctness bound (the call ended by its deadline), not a benchmark.
            if let Some(bound) = v.get("within_ms").and_then(Value::as_u64) {
                if took > u128::from(bound) {
                    return Err(format!(
                        "the call took {took} ms, more than within_ms {bound}"
                    ));
                }
            }
            outcome
        }
    };
    match (actual, expect.get("result"), expect.get("error")) {
        (Ok(actual), Some(want), _) => matches(want, &actual)
            .map_err(|m| format!("result mismatch at {m}\nactual: {actual:#}"))?,
        (Err(actual), _, Some(want)) => matches(want, &actual)
            .map_err(|m| format!("error mismatch at {m}\nactual: {actual:#}"))?,
        (Ok(actual), None, _) => {
            return Err(format!("expected an error, got a result: {actual:#}"))
        }
        (Err(actual), _, None) => {
            return Err(format!("expected a result, got an error: {actual:#}"))
        }
    }
    if let Some(want) = v.get("expect_requests") {
        let log: Value = fx
            .http
            .get(format!(
                "{}_emulator/scenarios/{name}/requests",
                fx.endpoint
            ))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        matches(want, &log).map_err(|m| format!("requests mismatch at {m}\nlog: {log:#}"))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conformance_vector_passes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config_path = vectors_dir().join("emulator.yaml");
    let config = foundry_emulator::EmulatorConfig::from_path(&config_path).expect("emulator.yaml");
    let emulator = foundry_emulator::Emulator::start(config)
        .await
        .expect("emulator starts");
    let dir = tempdir();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, emulator.ca_pem()).unwrap();
    let fx = Fixture {
        endpoint: emulator.endpoint(),
        https_endpoint: emulator.https_endpoint(),
        api_key: foundry_emulator::DEFAULT_API_KEY.to_string(),
        ca_file,
        ca_pem: emulator.ca_pem(),
        http: reqwest::Client::new(),
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 60,
        "expected at least 60 vectors, found {}",
        paths.len()
    );
    // Vectors marked `serial` measure wall-clock time (per-attempt timeouts): they run after the
    // concurrent batch, one at a time, so the batch's load cannot make them time out falsely.
    let (serial, concurrent): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| is_serial(p));
    let mut outcomes =
        futures_util::future::join_all(concurrent.iter().map(|p| run_vector(&fx, p))).await;
    for p in &serial {
        outcomes.push(run_vector(&fx, p).await);
    }
    let failures: Vec<String> = concurrent
        .iter()
        .chain(&serial)
        .zip(outcomes)
        .filter_map(|(p, o)| {
            o.err()
                .map(|e| format!("{}: {e}", p.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    println!(
        "{} passed, {} failed",
        paths.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn is_serial(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|v| v.get("serial").and_then(Value::as_bool) == Some(true))
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("foundry-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
