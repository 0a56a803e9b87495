//! A fake Microsoft Entra token endpoint (`POST /{tenant}/oauth2/v2.0/token`, what
//! azure_identity's ClientSecretCredential and WorkloadIdentityCredential call under their
//! authority host) and a fake App Service managed-identity endpoint (`GET /msi/token`, what
//! ManagedIdentityCredential calls when IDENTITY_ENDPOINT/IDENTITY_HEADER are set). Tokens are
//! opaque `emu-token-N` strings remembered with their client, audience and expiry.
//!
//! A token request whose client id names a registered scenario is logged in that scenario and
//! gets its token faults (`token`, `token_fault`): token requests carry no scenario header, but
//! every credential lets the caller choose its client id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::{HeaderMap, Response};

use crate::api;
use crate::faults::Fault;
use crate::json::{j, obj};
use crate::reply::{Payload, Reply};
use crate::server::Connection;
use crate::sse::Body;
use crate::state::{lock, Completion, LogEntry, Shared};

#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub client_id: String,
    /// The scope (Entra) or resource (managed identity) it was issued for.
    pub audience: String,
    pub expires_at: Instant,
}

impl IssuedToken {
    /// Azure OpenAI accepts tokens for Cognitive Services and for the newer AI Foundry audience.
    pub fn audience_ok(&self) -> bool {
        self.audience.contains("cognitiveservices.azure.com")
            || self.audience.contains("ai.azure.com")
    }
}

pub struct TokenStore {
    ttl: Duration,
    issued: AtomicU64,
    /// Every request to a token endpoint, answered with a token or not.
    requests: AtomicU64,
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl TokenStore {
    pub fn new(ttl_secs: u64) -> Self {
        TokenStore {
            ttl: Duration::from_secs(ttl_secs),
            issued: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    fn issue(&self, client_id: &str, audience: &str) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("emu-token-{n}");
        let t = IssuedToken {
            client_id: client_id.to_string(),
            audience: audience.to_string(),
            expires_at: Instant::now() + self.ttl,
        };
        lock(&self.tokens).insert(token.clone(), t);
        token
    }

    pub fn lookup(&self, token: &str) -> Option<IssuedToken> {
        lock(&self.tokens).get(token).cloned()
    }
}

/// Which token endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Entra,
    ManagedIdentity,
}

/// Serves one token request: counts it, logs it and applies its scenario's token fault when
/// its client id names a registered scenario, then answers like the real endpoint.
pub async fn serve(
    shared: &Shared,
    conn: &Connection,
    parts: &hyper::http::request::Parts,
    query: &[(String, String)],
    body: &[u8],
    endpoint: Endpoint,
) -> Response<Body> {
    shared.tokens.requests.fetch_add(1, Ordering::SeqCst);
    let client_id = match endpoint {
        Endpoint::Entra => form_urlencoded::parse(body)
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v.into_owned()),
        Endpoint::ManagedIdentity => query
            .iter()
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v.clone()),
    };
    let scenario = client_id.filter(|c| shared.is_registered(c));
    let mut completion = scenario.as_deref().map(|scenario| {
        // Neither the form body (a client secret) nor the headers (IDENTITY_HEADER) are
        // logged: both carry secrets.
        let entry = LogEntry {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: query.to_vec(),
            ..LogEntry::default()
        };
        Completion::new(shared.begin(scenario, entry).1)
    });
    let fault = scenario
        .as_deref()
        .and_then(|s| shared.next_token_fault(s))
        .unwrap_or_default();
    if fault.delay_ms > 0 {
        // A client that gives up drops this future: the log entry then reads aborted.
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    let reply = if fault.is_terminal() {
        fault_reply(&fault, endpoint)
    } else {
        match endpoint {
            Endpoint::Entra => token(&shared.tokens, body),
            Endpoint::ManagedIdentity => managed_identity(&shared.tokens, &parts.headers, query),
        }
    };
    if let Some(completion) = completion.as_mut() {
        completion.update(|e| e.status = reply.status);
        completion.finish();
    }
    if matches!(reply.payload, Payload::Reset) {
        conn.reset();
        return std::future::pending::<Response<Body>>().await;
    }
    let mut reply = reply;
    reply.headers.extend(fault.headers.iter().cloned());
    api::plain(reply)
}

/// A terminal fault's answer in the endpoint's own error shape: Entra's
/// `{"error","error_description","error_codes"}` or App Service's `{"statusCode","message"}`.
fn fault_reply(fault: &Fault, endpoint: Endpoint) -> Reply {
    if fault.reset || fault.malformed || fault.body.is_some() {
        return fault.reply("token", "");
    }
    let status = fault.status.unwrap_or(500);
    let description = match status {
        429 => "Too many requests: the token endpoint is throttling this client.".to_string(),
        500..=599 => format!("The token endpoint failed (injected fault with status {status})."),
        _ => format!("Injected fault with status {status}."),
    };
    let mut reply = match endpoint {
        Endpoint::Entra => {
            let error = match status {
                429 | 503 => "temporarily_unavailable",
                500..=599 => "server_error",
                _ => "invalid_request",
            };
            let body = obj([
                ("error", j(error)),
                ("error_description", j(description)),
                ("error_codes", j(Vec::<u32>::new())),
            ]);
            Reply::json(status, body.compact())
        }
        Endpoint::ManagedIdentity => {
            let body = obj([("statusCode", j(status)), ("message", j(description))]);
            Reply::json(status, body.compact())
        }
    };
    if let Some(ct) = &fault.content_type {
        reply.content_type = ct.clone();
    }
    reply.headers.extend(fault.hint_headers());
    reply
}

fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Reply {
    let body = obj([
        ("error", j(error)),
        (
            "error_description",
            j(format!("AADSTS{code}: {description}")),
        ),
        ("error_codes", j(vec![code])),
        ("timestamp", j("2025-01-01 00:00:00Z")),
        ("trace_id", j("00000000-0000-0000-0000-000000000000")),
        ("correlation_id", j("00000000-0000-0000-0000-000000000000")),
    ]);
    Reply::json(status, body.compact())
}

/// `POST /{tenant}/oauth2/v2.0/token` with a form body (client credentials grant).
fn token(store: &TokenStore, body: &[u8]) -> Reply {
    let form: HashMap<String, String> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant) = field("grant_type") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    };
    if grant != "client_credentials" {
        return entra_error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    let Some(client_id) = field("client_id") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(scope) = field("scope") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    if !scope.split(' ').all(|s| s.ends_with("/.default")) {
        return entra_error(400, "invalid_scope", 1002012, &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."));
    }
    match (field("client_secret"), field("client_assertion")) {
        (Some("wrong-secret"), _) => {
            return entra_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.");
        }
        (None, Some("wrong-assertion")) => {
            return entra_error(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation.",
            );
        }
        (None, None) => {
            return entra_error(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
        }
        _ => {}
    }
    let access_token = store.issue(client_id, scope);
    let ttl = store.ttl.as_secs();
    let body = obj([
        ("token_type", j("Bearer")),
        ("expires_in", j(ttl)),
        ("ext_expires_in", j(ttl)),
        ("access_token", j(access_token)),
    ]);
    Reply::json(200, body.compact()).header("cache-control", "no-store, no-cache")
}

/// `GET /msi/token?api-version=2019-08-01&resource=R[&client_id=..]` with `X-IDENTITY-HEADER`.
fn managed_identity(store: &TokenStore, headers: &HeaderMap, query: &[(String, String)]) -> Reply {
    let q = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let secret_ok = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.is_empty());
    let bad = |msg: &str| {
        let body = obj([
            ("statusCode", j(400)),
            ("message", j(msg)),
            ("correlationId", j("00000000-0000-0000-0000-000000000000")),
        ]);
        Reply::json(400, body.compact())
    };
    if !secret_ok {
        return bad("Required metadata header not specified or not correct");
    }
    if q("api-version").is_none() {
        return bad("Required query parameter 'api-version' is missing");
    }
    let Some(resource) = q("resource") else {
        return bad("Required query parameter 'resource' is missing");
    };
    let client_id = q("client_id")
        .or(q("object_id"))
        .or(q("msi_res_id"))
        .unwrap_or("system-assigned");
    let access_token = store.issue(client_id, resource);
    let expires_on = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        + store.ttl.as_secs();
    let body = obj([
        ("access_token", j(access_token)),
        ("expires_on", j(expires_on.to_string())),
        ("resource", j(resource)),
        ("token_type", j("Bearer")),
        ("client_id", j(client_id)),
    ]);
    Reply::json(200, body.compact())
}
