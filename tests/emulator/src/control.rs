//! The emulator's own endpoints under `/_emulator/`: scenarios (scripts of faults and rate
//! limits, kept apart by id), their request logs, and counters.

use std::collections::{HashMap, VecDeque};

use hyper::Method;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::reply::Reply;
use crate::state::{Limits, ScenarioSpec, Shared};

pub fn handle(shared: &Shared, method: &Method, segs: &[String], body: &[u8]) -> Reply {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (method.as_str(), s.as_slice()) {
        ("POST" | "PUT", ["scenarios", id]) if !id.is_empty() => match parse_scenario(body) {
            Ok(spec) => {
                shared.register(id, spec);
                Reply::json(200, json!({"scenario": id, "registered": true}).to_string())
            }
            Err(e) => bad_request(&e),
        },
        ("GET", ["scenarios", id, "requests"]) => Reply::json(200, shared.log(id).to_string()),
        ("DELETE", ["scenarios", id]) => Reply::json(
            200,
            json!({"scenario": id, "deleted": shared.forget(id)}).to_string(),
        ),
        ("GET", ["stats"]) => Reply::json(
            200,
            json!({
                "token_requests": shared.tokens.issued(),
                "token_endpoint_requests": shared.tokens.requests(),
                "vault_reads": shared.vault.reads(),
                "vault_requests": shared.vault.requests(),
            })
            .to_string(),
        ),
        ("PUT" | "POST", ["vault", "secrets", name]) if !name.is_empty() => {
            match string_field(body, "value") {
                Ok(value) => {
                    let version = shared.vault.set(name, &value);
                    Reply::json(200, json!({"name": name, "version": version}).to_string())
                }
                Err(e) => bad_request(&e),
            }
        }
        ("PUT" | "POST", ["vault", "api-key"]) => match string_field(body, "secret") {
            Ok(secret) => {
                shared.vault.bind_api_key(Some(&secret));
                Reply::json(200, json!({"api_key_secret": secret}).to_string())
            }
            Err(e) => bad_request(&e),
        },
        ("DELETE", ["vault", "api-key"]) => {
            shared.vault.bind_api_key(None);
            Reply::json(200, json!({"api_key_secret": null}).to_string())
        }
        ("GET", ["otlp"]) => Reply::json(200, shared.otlp.to_json().to_string()),
        ("DELETE", ["otlp"]) => {
            shared.otlp.clear();
            Reply::json(200, r#"{"cleared":true}"#)
        }
        ("GET", ["health"]) => Reply::json(200, r#"{"status":"ok"}"#),
        _ => Reply::json(
            404,
            r#"{"error":{"code":"404","message":"Resource not found"}}"#,
        ),
    }
}

/// The non-empty string `field` of a JSON object body (`{"value": "..."}`).
fn string_field(body: &[u8], field: &str) -> Result<String, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the body must be a JSON object with `{field}`: {e}"))?;
    v.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or(format!("`{field}` must be a non-empty string"))
}

fn bad_request(message: &str) -> Reply {
    Reply::json(
        400,
        json!({"error": {"code": "EmulatorBadScenario", "message": message}}).to_string(),
    )
}

/// `{"deployments": {"dep": ["status=429;retry-after-ms=50", "ok"]}, "limits": {"dep": {"rpm": 2, "tpm": 1000, "sub_window_secs": 10}}}`;
/// an empty body is an empty scenario.
fn parse_scenario(body: &[u8]) -> Result<ScenarioSpec, String> {
    let mut spec = ScenarioSpec::default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(spec);
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the scenario is not JSON: {e}"))?;
    let root = v.as_object().ok_or("the scenario must be a JSON object")?;
    if let Some(deps) = root.get("deployments").filter(|d| !d.is_null()) {
        let deps = deps
            .as_object()
            .ok_or("`deployments` must map deployment names to lists of steps")?;
        let mut steps = HashMap::new();
        for (name, list) in deps {
            let list = list
                .as_array()
                .ok_or(format!("deployments.{name} must be a list of steps"))?;
            let mut queue = VecDeque::new();
            for (i, step) in list.iter().enumerate() {
                let text = step
                    .as_str()
                    .ok_or(format!("deployments.{name}[{i}] must be a string"))?;
                queue.push_back(
                    Fault::parse(text).map_err(|e| format!("deployments.{name}[{i}]: {e}"))?,
                );
            }
            steps.insert(name.clone(), queue);
        }
        spec.steps = steps;
    }
    if let Some(steps) = root.get("token").filter(|t| !t.is_null()) {
        let steps = steps
            .as_array()
            .ok_or("`token` must be a list of steps for the token endpoints")?;
        for (i, step) in steps.iter().enumerate() {
            let text = step
                .as_str()
                .ok_or(format!("token[{i}] must be a string"))?;
            spec.token_steps
                .push_back(Fault::parse(text).map_err(|e| format!("token[{i}]: {e}"))?);
        }
    }
    if let Some(fault) = root.get("token_fault").filter(|t| !t.is_null()) {
        let text = fault
            .as_str()
            .ok_or("`token_fault` must be a fault string such as \"status=500\"")?;
        spec.token_fault = Some(Fault::parse(text).map_err(|e| format!("token_fault: {e}"))?);
    }
    if let Some(limits) = root.get("limits").filter(|l| !l.is_null()) {
        let limits = limits
            .as_object()
            .ok_or("`limits` must map deployment names to {rpm, tpm}")?;
        for (name, l) in limits {
            let field = |k: &str| -> Result<Option<u64>, String> {
                match l.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(v) => v
                        .as_u64()
                        .map(Some)
                        .ok_or(format!("limits.{name}.{k} must be a non-negative integer")),
                }
            };
            if !l.is_object() {
                return Err(format!(
                    "limits.{name} must be an object like {{\"rpm\": 2}}"
                ));
            }
            spec.limits.insert(
                name.clone(),
                Limits {
                    rpm: field("rpm")?,
                    tpm: field("tpm")?,
                    sub_window_secs: field("sub_window_secs")?,
                },
            );
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_scenarios() {
        let s = parse_scenario(
            br#"{"deployments":{"gpt-5.4":["status=429","ok"]},"limits":{"gpt-5.4":{"rpm":2}}}"#,
        )
        .unwrap();
        assert_eq!(s.steps["gpt-5.4"].len(), 2);
        assert_eq!(s.limits["gpt-5.4"].rpm, Some(2));
        assert!(parse_scenario(b"").unwrap().steps.is_empty());
        assert!(parse_scenario(b"{}").unwrap().steps.is_empty());
        assert!(parse_scenario(br#"{"deployments":{"x":["nope"]}}"#).is_err());
        assert!(parse_scenario(br#"{"limits":{"x":{"rpm":-1}}}"#).is_err());
        assert!(parse_scenario(b"[").is_err());
        let t = parse_scenario(br#"{"token":["hang","ok"],"token_fault":"status=500"}"#).unwrap();
        assert_eq!(t.token_steps.len(), 2);
        assert_eq!(t.token_fault.unwrap().status, Some(500));
        assert!(parse_scenario(br#"{"token":["nope"]}"#).is_err());
        assert!(parse_scenario(br#"{"token_fault":5}"#).is_err());
    }
}
