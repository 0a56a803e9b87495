//! The usage guide's CI loop as one call: ping every deployment, report each outcome.

use std::time::Instant;

use futures_util::future::join_all;
use serde::Serialize;
use serde_json::json;

use super::Foundry;
use crate::types::{ChatRequest, Usage};
use crate::ErrorKind;

/// One deployment's answer to the smoke ping.
#[derive(Debug, Clone, Serialize)]
pub struct SmokeResult {
    pub deployment: String,
    /// True when the deployment answered (a thinking model that spent the tiny budget
    /// reasoning still answered).
    pub ok: bool,
    pub status: Option<u16>,
    pub api: Option<String>,
    pub latency_ms: u64,
    pub usage: Usage,
    pub cost_usd: f64,
    /// The error's kind and message when it failed.
    pub error: Option<String>,
    pub hint: Option<String>,
}

impl Foundry {
    /// Pings every deployment of the catalog concurrently with a tiny chat call.
    /// Performs network IO; never fails as a whole: each deployment reports its outcome.
    pub async fn smoke(&self) -> Vec<SmokeResult> {
        let pings = self.inner.catalog.deployments.iter().map(|d| {
            let name = d.name.clone();
            async move {
                let request = ChatRequest {
                    model: name.clone(),
                    params:
                        json!({"messages": [{"role": "user", "content": "ping"}], "max_tokens": 16})
                            .as_object()
                            .cloned()
                            .unwrap_or_default(),
                    ..ChatRequest::default()
                };
                let started = Instant::now();
                let outcome = self.chat(request).await;
                let latency_ms = started.elapsed().as_millis() as u64;
                match outcome {
                    Ok(r) => SmokeResult {
                        deployment: name,
                        ok: true,
                        status: r.tried.last().and_then(|a| a.status),
                        api: r.api.map(|a| a.as_str().to_string()),
                        latency_ms,
                        usage: r.usage,
                        cost_usd: r.cost_usd,
                        error: None,
                        hint: None,
                    },
                    Err(e) => SmokeResult {
                        deployment: name,
                        ok: e.kind() == ErrorKind::ReasoningExhausted,
                        status: e.status,
                        api: e.attempts.last().map(|a| a.api.as_str().to_string()),
                        latency_ms,
                        usage: Usage::default(),
                        cost_usd: 0.0,
                        error: Some(format!("{}: {}", e.kind(), e.message)),
                        hint: Some(e.hint.clone()),
                    },
                }
            }
        });
        join_all(pings).await
    }
}
