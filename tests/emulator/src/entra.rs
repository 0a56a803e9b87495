//! A fake Microsoft Entra token endpoint (`POST /{tenant}/oauth2/v2.0/token`, what
//! azure_identity's ClientSecretCredential and WorkloadIdentityCredential call under their
//! authority host) and a fake App Service managed-identity endpoint (`GET /msi/token`, what
//! ManagedIdentityCredential calls when IDENTITY_ENDPOINT/IDENTITY_HEADER are set). Tokens are
//! opaque `emu-token-N` strings remembered with their client, audience and expiry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::HeaderMap;

use crate::json::{j, obj};
use crate::reply::Reply;
use crate::state::lock;

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
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl TokenStore {
    pub fn new(ttl_secs: u64) -> Self {
        TokenStore {
            ttl: Duration::from_secs(ttl_secs),
            issued: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
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
pub fn token(store: &TokenStore, body: &[u8]) -> Reply {
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
pub fn managed_identity(
    store: &TokenStore,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Reply {
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
