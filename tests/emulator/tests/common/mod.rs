//! A small HTTP client over the emulator, shared by the integration tests.
#![allow(dead_code)]

use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::Value;

pub const KEY: (&str, &str) = ("api-key", DEFAULT_API_KEY);
pub const V: &str = "api-version=2024-10-21";

pub struct Env {
    pub em: Emulator,
    pub http: reqwest::Client,
    pub https: reqwest::Client,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON payloads of `data:` lines, `[DONE]` as a string value.
    pub fn sse_data(&self) -> Vec<Value> {
        self.text
            .split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let data = e
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or_else(|| panic!("no data in {e:?}"));
                if data == "[DONE]" {
                    Value::String(data.into())
                } else {
                    serde_json::from_str(data).unwrap()
                }
            })
            .collect()
    }

    /// `(event name, payload)` pairs of a Responses stream.
    pub fn sse_events(&self) -> Vec<(String, Value)> {
        self.text
            .split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let name = e
                    .lines()
                    .find_map(|l| l.strip_prefix("event: "))
                    .unwrap_or_default();
                let data = e.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                (name.to_string(), serde_json::from_str(data).unwrap())
            })
            .collect()
    }
}

pub fn client(ca_pem: Option<&str>) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder().no_proxy();
    if let Some(pem) = ca_pem {
        b = b.tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()]);
    }
    b.build().unwrap()
}

pub async fn start() -> Env {
    start_with(EmulatorConfig::reference()).await
}

pub async fn start_with(config: EmulatorConfig) -> Env {
    let em = Emulator::start(config).await.expect("emulator starts");
    let https = client(Some(&em.ca_pem()));
    Env {
        em,
        http: client(None),
        https,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.em.endpoint(), path.trim_start_matches('/'))
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let r = req.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            text,
        }
    }

    pub async fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut req = self
            .http
            .post(self.url(path))
            .body(body.to_string())
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Resp {
        self.post_raw(path, headers, &body.to_string()).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.http.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// `POST /openai/deployments/{dep}/chat/completions?api-version=2024-10-21` with the key.
    pub async fn chat(&self, dep: &str, extra: &[(&str, &str)], body: Value) -> Resp {
        let mut headers = vec![KEY];
        headers.extend_from_slice(extra);
        self.post(
            &format!("openai/deployments/{dep}/chat/completions?{V}"),
            &headers,
            body,
        )
        .await
    }

    pub async fn register(&self, id: &str, spec: Value) {
        let r = self
            .post(&format!("_emulator/scenarios/{id}"), &[], spec)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    pub async fn log(&self, id: &str) -> Vec<Value> {
        match self
            .get(&format!("_emulator/scenarios/{id}/requests"), &[])
            .await
            .json()
        {
            Value::Array(a) => a,
            other => panic!("log is not an array: {other}"),
        }
    }
}

pub fn user(text: &str) -> Value {
    serde_json::json!({"messages": [{"role": "user", "content": text}]})
}

/// A recorded answer from the corpus (`foundry_emulator::corpus_dir`): `None` only when the
/// corpus suites are being skipped; a file missing from a present corpus fails the test.
pub fn corpus(name: &str) -> Option<String> {
    let path = foundry_emulator::corpus_dir("the emulator's recorded-shape checks")?.join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("recorded answer {} is missing: {e}", path.display()));
    Some(text)
}

/// Asserts `ours` has exactly the keys of `recorded`, recursively (arrays: first elements).
pub fn same_shape(recorded: &Value, ours: &Value, at: &str) {
    match (recorded, ours) {
        (Value::Object(r), Value::Object(o)) => {
            let rk: Vec<_> = r.keys().collect();
            let ok: Vec<_> = o.keys().collect();
            assert_eq!(rk, ok, "keys differ at {at}");
            for (k, v) in r {
                same_shape(v, &o[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            if let (Some(r0), Some(o0)) = (r.first(), o.first()) {
                same_shape(r0, o0, &format!("{at}[0]"));
            }
        }
        (r, o) => {
            // Nulls stay nulls; other leaves only need the same JSON type.
            let kind = |v: &Value| std::mem::discriminant(v);
            assert_eq!(
                kind(r),
                kind(o),
                "type differs at {at}: recorded {r}, ours {o}"
            );
        }
    }
}
