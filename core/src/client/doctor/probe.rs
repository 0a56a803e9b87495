//! The doctor's I/O: resolving the endpoint's host, acquiring the credential, and one request
//! sent outside the client's retries, fallbacks and learned quirks, so its outcome is the
//! service's own answer.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use reqwest::header::HeaderMap;
use serde_json::json;

use super::super::payload::Payload;
use super::super::route::AttemptContext;
use super::super::Foundry;
use crate::auth::BearerRequest;
use crate::config::{endpoint, AuthConfig, CredentialKind, Deployment};
use crate::types::{Api, ChatRequest};
use crate::{wire, Error};

/// How long each probe may take: a doctor reports a hang instead of waiting for it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// The output budget of the probe: small, and enough for a plain model to answer.
const PROBE_TOKENS: u64 = 16;

/// The most of an answer the doctor reads.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// Resolves host names (the system's resolver by default; tests give their own, so that no
/// test asks a real DNS server).
pub trait Resolve: Send + Sync {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<SocketAddr>>>;
}

/// The operating system's resolver (`getaddrinfo`), as every connection of the client uses.
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }
}

/// What resolving a deployment's endpoint gave.
pub(super) enum Resolved {
    /// The endpoint names an address: nothing to resolve.
    Address(IpAddr),
    Names {
        host: String,
        first: SocketAddr,
    },
    Failed {
        host: String,
        problem: String,
    },
    /// The endpoint is not a URL with a host.
    BadEndpoint(String),
}

pub(super) async fn resolve(d: &Deployment, resolver: &dyn Resolve) -> Resolved {
    let url = match reqwest::Url::parse(&d.endpoint) {
        Ok(url) => url,
        Err(e) => return Resolved::BadEndpoint(format!("'{}': {e}", d.endpoint)),
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Resolved::BadEndpoint(format!("'{}' names no host", d.endpoint));
    };
    // An IPv6 address comes in brackets.
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse() {
        return Resolved::Address(ip);
    }
    let name = host.to_string();
    match tokio::time::timeout(PROBE_TIMEOUT, resolver.resolve(&name, port)).await {
        Ok(Ok(addresses)) => match addresses.first() {
            Some(first) => Resolved::Names {
                host: name,
                first: *first,
            },
            None => Resolved::Failed {
                host: name,
                problem: "no addresses".into(),
            },
        },
        Ok(Err(e)) => Resolved::Failed {
            host: name,
            problem: e.to_string(),
        },
        Err(_) => Resolved::Failed {
            host: name,
            problem: format!("no answer in {} s", PROBE_TIMEOUT.as_secs()),
        },
    }
}

/// Which credential a deployment's requests carry, described without any secret.
pub(super) fn describe_credential(d: &Deployment) -> String {
    match &d.auth {
        AuthConfig::None => "no credential (auth: none)".into(),
        AuthConfig::ApiKey(_) => "an API key".into(),
        AuthConfig::KeyVault(c) => format!(
            "an API key read from Key Vault (secret '{}' of {}, {} credential)",
            c.secret,
            c.vault_url,
            credential_name(c.entra.credential)
        ),
        AuthConfig::Entra(c) => format!(
            "an Entra ID token ({} credential) for {}",
            credential_name(c.credential),
            c.scope
                .as_deref()
                .unwrap_or_else(|| endpoint::default_scope(&d.endpoint))
        ),
    }
}

fn credential_name(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Default => "default chain",
        CredentialKind::ClientSecret => "client secret",
        CredentialKind::WorkloadIdentity => "workload identity",
        CredentialKind::ManagedIdentity => "managed identity",
        CredentialKind::AzureCli => "Azure CLI",
    }
}

/// What one probe request gave.
pub(super) enum Outcome {
    Answer {
        api: Api,
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        latency: Duration,
    },
    /// No HTTP answer: the connection or its TLS handshake failed, or it timed out.
    Transport { tls: bool, problem: String },
    /// The request could not be built (the catalog's headers, the body).
    Local(Error),
}

impl Foundry {
    /// Acquires the deployment's credential, as an attempt would (a token is fetched now).
    pub(super) async fn probe_credential(&self, d: &Deployment) -> crate::Result<String> {
        let request = BearerRequest {
            wait_until: Some(Instant::now() + PROBE_TIMEOUT),
            ..BearerRequest::default()
        };
        self.inner.auth.header_for(d, request).await?;
        Ok(describe_credential(d))
    }

    /// One tiny request to `d` through chat completions, or the Responses API.
    pub(super) async fn probe_call(&self, d: &Deployment, responses: bool) -> Outcome {
        let api = if responses { Api::Responses } else { Api::Chat };
        let request = ChatRequest {
            model: d.name.clone(),
            params: json!({
                "messages": [{"role": "user", "content": "Reply with the word OK."}],
                "max_tokens": PROBE_TOKENS,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            ..ChatRequest::default()
        };
        let payload = Payload::Chat(&request);
        let body = match payload.body(d, api, false) {
            Ok(body) => body,
            Err(e) => return Outcome::Local(e),
        };
        let correlation_id = format!("foundry-doctor-{:016x}", fastrand::u64(..));
        let untraced = crate::telemetry::CallTrace::default();
        let ctx = AttemptContext {
            payload,
            stream: false,
            deadline: Instant::now() + PROBE_TIMEOUT,
            correlation_id: &correlation_id,
            fallback: false,
            trace: &untraced,
        };
        let headers = match self
            .headers(&ctx, d, api, BearerRequest::default(), &mut None)
            .await
        {
            Ok(headers) => headers,
            Err(e) => return Outcome::Local(e),
        };
        let mut builder = self
            .inner
            .http
            .post(wire::request_url(d, api))
            .headers(headers)
            .timeout(PROBE_TIMEOUT);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        let started = Instant::now();
        match builder.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = read_prefix(response).await;
                Outcome::Answer {
                    api,
                    status,
                    headers,
                    body,
                    latency: started.elapsed(),
                }
            }
            Err(e) => transport(&e),
        }
    }
}

/// The start of an answer, at most [`MAX_ANSWER_BYTES`].
async fn read_prefix(mut response: reqwest::Response) -> Bytes {
    let mut read = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        read.extend_from_slice(&chunk);
        if read.len() >= MAX_ANSWER_BYTES {
            read.truncate(MAX_ANSWER_BYTES);
            break;
        }
    }
    Bytes::from(read)
}

/// A failure below HTTP: a TLS handshake the client refused, or a connection that failed,
/// told by its innermost cause ("invalid peer certificate: UnknownIssuer").
fn transport(e: &reqwest::Error) -> Outcome {
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let host = e
        .url()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let lower = cause.to_ascii_lowercase();
    let tls = ["certificate", "tls", "handshake", "unknownissuer"]
        .iter()
        .any(|word| lower.contains(word));
    let problem = match e.is_timeout() {
        true => format!("{host}: no answer in {} s", PROBE_TIMEOUT.as_secs()),
        false => format!("{host}: {cause}"),
    };
    Outcome::Transport { tls, problem }
}
