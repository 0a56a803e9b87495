//! Credentials on model calls: `api-key`, or `Authorization: Bearer` carrying an accepted key
//! (OpenAI style) or a token from the fake Entra / managed-identity endpoints.

use hyper::HeaderMap;

use crate::errors;
use crate::reply::Reply;
use crate::routes::{Api, Shape};
use crate::state::Shared;

/// `Ok` when the request may proceed, else the 401/403 the service gives.
pub fn check(shared: &Shared, headers: &HeaderMap, api: Api, shape: Shape) -> Result<(), Reply> {
    // A key bound to a vault secret replaces the configured keys (see vault.rs).
    let bound = shared.vault.bound_keys();
    let keys = bound.as_ref().unwrap_or(&shared.config.api_keys);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(key) = header("api-key").filter(|k| !k.is_empty()) {
        return match keys.iter().any(|k| k == key) {
            true => Ok(()),
            false => Err(errors::invalid_key()),
        };
    }
    let bearer = header("authorization").and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(bearer) = bearer.filter(|b| !b.is_empty()) else {
        return Err(errors::unauthorized_token());
    };
    if keys.iter().any(|k| k == bearer) {
        return Ok(());
    }
    match shared.tokens.lookup(bearer) {
        Some(t) if t.expires_at <= std::time::Instant::now() || !t.audience_ok() => {
            Err(errors::unauthorized_token())
        }
        Some(t) if shared.config.forbidden_clients.contains(&t.client_id) => {
            let (action, operation) = data_action(api);
            Err(errors::permission_denied(&t.client_id, action, operation))
        }
        Some(_) => Ok(()),
        // OpenAI-style servers read a bearer as a key; Azure reads it as a token.
        None if shape == Shape::OpenAi => Err(errors::invalid_key()),
        None => Err(errors::unauthorized_token()),
    }
}

/// The RBAC data action and operation Azure names in its 403.
fn data_action(api: Api) -> (&'static str, &'static str) {
    match api {
        Api::Embeddings => (
            "Microsoft.CognitiveServices/accounts/OpenAI/deployments/embeddings/action",
            "POST /openai/deployments/{deployment-id}/embeddings",
        ),
        Api::Responses => (
            "Microsoft.CognitiveServices/accounts/OpenAI/responses/write",
            "POST /openai/responses",
        ),
        Api::Info | Api::Models => (
            "Microsoft.CognitiveServices/accounts/OpenAI/models/read",
            "GET /openai/models",
        ),
        Api::Chat => (
            "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
            "POST /openai/deployments/{deployment-id}/chat/completions",
        ),
    }
}
