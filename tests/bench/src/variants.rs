//! The clients measured: the core (`Foundry::chat` / `chat_stream`) and the baseline, bare
//! `reqwest` + `serde_json` making the same HTTP call (same URL, body bytes and headers) and
//! doing the least a caller must: parse the JSON and take out the text; in cell 1 and `count`
//! also the Rust peers of issue 14 (`peers.rs`).

use std::time::{Duration, Instant};

use foundry_client::{Catalog, ChatRequest, Deployment, Foundry};
use futures_util::StreamExt;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::bodies::{stream_key, CHAT_SIZES, STREAM_EVENTS};
use crate::mock::API_KEY;
use crate::peers::{PeerRequests, Peers};

/// Which client a measurement used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Core,
    Bare,
    /// async-openai 0.43 (issue 14's peer): non-streamed chat only.
    AsyncOpenAi,
    /// liter-llm 2.4.4 (issue 14's peer): non-streamed chat only.
    LiterLlm,
}

impl Variant {
    /// Measured in this order in every round of every cell.
    pub const ALL: [Variant; 2] = [Variant::Core, Variant::Bare];
    /// Cell 1 (latency, throughput, CPU per call) adds the peers, in this order.
    pub const WITH_PEERS: [Variant; 4] = [
        Variant::Core,
        Variant::Bare,
        Variant::AsyncOpenAi,
        Variant::LiterLlm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Core => "core",
            Variant::Bare => "reqwest",
            Variant::AsyncOpenAi => "async-openai",
            Variant::LiterLlm => "liter-llm",
        }
    }

    pub fn parse(s: &str) -> Option<Variant> {
        Variant::WITH_PEERS.into_iter().find(|v| v.name() == s)
    }
}

/// Delays (ms) the concurrency and memory cells use; each gets deployments `KEY-dMS`.
pub const DELAYS_MS: [u64; 2] = [50, 2000];

const API_VERSION: &str = "2024-10-21";
const USER_AGENT: &str = concat!("foundry-client/", env!("CARGO_PKG_VERSION"));

fn deployment_names() -> Vec<String> {
    let mut names: Vec<String> = CHAT_SIZES.iter().map(|(k, _, _)| k.to_string()).collect();
    names.extend(STREAM_EVENTS.iter().map(|n| stream_key(*n)));
    for ms in DELAYS_MS {
        names.push(format!("chat-1k-d{ms}"));
    }
    names
}

pub fn request(model: &str) -> ChatRequest {
    ChatRequest {
        model: model.to_string(),
        params: json!({
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is 4200 + 42?"}
            ],
            "max_tokens": 200
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        ..ChatRequest::default()
    }
}

/// Every client, pointed at the mock.
pub struct Clients {
    pub core: Foundry,
    http: reqwest::Client,
    base: String,
    catalog: Catalog,
    peers: Peers,
}

impl Clients {
    pub fn new(endpoint: &str) -> Result<Clients, String> {
        let mut builder = Catalog::builder();
        let names = deployment_names();
        for name in &names {
            builder = builder.deployment(Deployment::new(name.as_str(), endpoint).api_key(API_KEY));
        }
        let catalog = builder.build().map_err(|e| e.to_string())?;
        let core = Foundry::new(catalog.clone(), Default::default()).map_err(|e| e.to_string())?;
        // Configured like the core's own reqwest client, so only what happens around the
        // HTTP exchange differs.
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| e.to_string())?;
        let peers = Peers::new(endpoint, &names, &http)?;
        Ok(Clients {
            core,
            http,
            base: endpoint.trim_end_matches('/').to_string(),
            catalog,
            peers,
        })
    }

    /// What one variant sends to `deployment`: the core's request, and for the baseline the
    /// exact JSON body the core puts on the wire.
    pub fn call(&self, deployment: &str, stream: bool) -> Result<Call, String> {
        let core_request = request(deployment);
        let d = self
            .catalog
            .deployment(deployment)
            .ok_or_else(|| format!("no deployment {deployment}"))?;
        let bare_body = foundry_client::wire::build_chat_body(d, &core_request, stream)
            .map_err(|e| e.to_string())?;
        let peers = if stream {
            None
        } else {
            Some(PeerRequests::new(deployment, &bare_body)?)
        };
        Ok(Call {
            deployment: deployment.to_string(),
            core_request,
            bare_body,
            peers,
        })
    }

    /// One non-streamed call; the answer's text.
    pub async fn chat(&self, variant: Variant, call: &Call) -> Result<String, String> {
        match variant {
            Variant::Core => {
                let r = self
                    .core
                    .chat(call.core_request.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(r.text.unwrap_or_default())
            }
            Variant::Bare => {
                let response = self.bare_send(call).await?;
                let body = response.bytes().await.map_err(|e| e.to_string())?;
                let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                Ok(v.pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string())
            }
            Variant::AsyncOpenAi => {
                self.peers
                    .async_openai(&call.deployment, call.peers()?)
                    .await
            }
            Variant::LiterLlm => self.peers.liter_llm(&call.deployment, call.peers()?).await,
        }
    }

    async fn bare_send(&self, call: &Call) -> Result<reqwest::Response, String> {
        let url = format!(
            "{}/openai/deployments/{}/chat/completions?api-version={API_VERSION}",
            self.base, call.deployment
        );
        let body = serde_json::to_vec(&call.bare_body.clone()).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                "x-ms-client-request-id",
                format!("{:032x}", fastrand::u128(..)),
            )
            .header("api-key", API_KEY)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        Ok(response)
    }

    /// One streamed call read to the end.
    pub async fn stream(&self, variant: Variant, call: &Call) -> Result<StreamTiming, String> {
        self.stream_until(variant, call, false).await
    }

    /// One streamed call, read to the end or (`first_token_only`) dropped at its first token:
    /// the work a caller waits for before the first token appears.
    pub async fn stream_until(
        &self,
        variant: Variant,
        call: &Call,
        first_token_only: bool,
    ) -> Result<StreamTiming, String> {
        let started = Instant::now();
        let mut first_token = None;
        let mut text = String::new();
        match variant {
            Variant::Core => {
                let mut s = self
                    .core
                    .chat_stream(call.core_request.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                while let Some(chunk) = s.next_chunk().await {
                    let chunk = chunk.map_err(|e| e.to_string())?;
                    if let Some(t) = chunk.text.filter(|t| !t.is_empty()) {
                        first_token.get_or_insert_with(|| started.elapsed());
                        text.push_str(&t);
                        if first_token_only {
                            break;
                        }
                    }
                }
            }
            Variant::AsyncOpenAi | Variant::LiterLlm => {
                return Err(format!(
                    "{} is measured on whole answers only",
                    variant.name()
                ))
            }
            Variant::Bare => {
                let mut body = self.bare_send(call).await?.bytes_stream();
                let mut splitter = EventSplitter::default();
                let mut done = false;
                while let Some(bytes) = body.next().await {
                    let bytes = bytes.map_err(|e| e.to_string())?;
                    splitter.push(&bytes, |data| {
                        if data == b"[DONE]" {
                            done = true;
                            return Ok(false);
                        }
                        let v: Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
                        if let Some(t) = v
                            .pointer("/choices/0/delta/content")
                            .and_then(Value::as_str)
                            .filter(|t| !t.is_empty())
                        {
                            first_token.get_or_insert_with(|| started.elapsed());
                            text.push_str(t);
                            if first_token_only {
                                done = true;
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    })?;
                    if done {
                        break;
                    }
                }
            }
        }
        Ok(StreamTiming {
            first_token: first_token.unwrap_or_default(),
            total: started.elapsed(),
            text,
        })
    }
}

/// A prepared call to one deployment.
pub struct Call {
    pub deployment: String,
    core_request: ChatRequest,
    bare_body: Value,
    /// The peers' requests (non-streamed calls only).
    peers: Option<PeerRequests>,
}

impl Call {
    fn peers(&self) -> Result<&PeerRequests, String> {
        self.peers
            .as_ref()
            .ok_or_else(|| "the peers are measured on whole answers only".to_string())
    }

    /// The request body the core sends (and the baseline copies), for the breakdown cell.
    pub fn wire_body(&self) -> &Value {
        &self.bare_body
    }

    pub fn core_request(&self) -> &ChatRequest {
        &self.core_request
    }
}

pub struct StreamTiming {
    pub first_token: Duration,
    pub total: Duration,
    pub text: String,
}

/// The trivial SSE splitter a hand-written client would use: events end at a blank line,
/// the payload follows `data: `. No comments, multi-line data or CRLF, which the mock never
/// sends.
#[derive(Default)]
struct EventSplitter {
    pending: Vec<u8>,
}

impl EventSplitter {
    /// Feeds `bytes`; calls `on_data` with each complete event's payload until it answers
    /// `false`.
    fn push(
        &mut self,
        bytes: &[u8],
        mut on_data: impl FnMut(&[u8]) -> Result<bool, String>,
    ) -> Result<(), String> {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(end) = find(&self.pending[start..], b"\n\n") {
            let event = &self.pending[start..start + end];
            start += end + 2;
            if let Some(data) = event.strip_prefix(b"data: ") {
                if !on_data(data)? {
                    break;
                }
            }
        }
        self.pending.drain(..start);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::EventSplitter;

    #[test]
    fn splitter_handles_events_across_reads() {
        let mut s = EventSplitter::default();
        let mut seen: Vec<Vec<u8>> = Vec::new();
        s.push(b"data: {\"a\"", |d| {
            seen.push(d.to_vec());
            Ok(true)
        })
        .unwrap();
        assert!(seen.is_empty());
        s.push(b":1}\n\ndata: [DONE]\n\n", |d| {
            seen.push(d.to_vec());
            Ok(true)
        })
        .unwrap();
        assert_eq!(seen, vec![b"{\"a\":1}".to_vec(), b"[DONE]".to_vec()]);
    }
}
