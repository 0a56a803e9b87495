//! A fake Azure Key Vault holding secrets: `GET /secrets/{name}[/{version}]?api-version=` as
//! the real REST API answers it (`{"value","id","attributes"}`, 404 `SecretNotFound`, 401 with
//! the `WWW-Authenticate` challenge the Azure SDKs parse, 403 `ForbiddenByRbac`). Reads need a
//! bearer token from the fake Entra endpoints issued for `https://vault.azure.net`.
//!
//! A secret can be set and rotated (each value a new version) through the control endpoints or
//! [`crate::Emulator::set_secret`]. With [`KeyVault::bind_api_key`] the model endpoints accept
//! exactly the bound secret's current value as the API key, so a rotation makes them refuse
//! the old key with 401: the hard case of a rotation (the real service keeps two keys so that
//! operators can roll one at a time; a client must still survive the day someone does not).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hyper::HeaderMap;

use crate::json::{j, obj};
use crate::reply::Reply;
use crate::state::{lock, Shared};

/// The resource Key Vault names in its challenge (every public-cloud vault).
const RESOURCE: &str = "https://vault.azure.net";

struct Version {
    id: String,
    value: String,
    created: u64,
}

/// The vault's secrets and counters.
#[derive(Default)]
pub struct KeyVault {
    /// Every version of each secret, oldest first.
    secrets: Mutex<HashMap<String, Vec<Version>>>,
    /// The secret whose current value is the only accepted API key, when bound.
    api_key_secret: Mutex<Option<String>>,
    versions: AtomicU64,
    /// Secret reads answered 200.
    reads: AtomicU64,
    /// Every request to `/secrets/...`, challenged, refused or answered.
    requests: AtomicU64,
}

impl KeyVault {
    /// A vault holding `secrets` (one version each), with `api_key_secret` bound.
    pub fn seeded(
        secrets: &std::collections::BTreeMap<String, String>,
        api_key_secret: Option<&str>,
    ) -> KeyVault {
        let vault = KeyVault::default();
        for (name, value) in secrets {
            vault.set(name, value);
        }
        vault.bind_api_key(api_key_secret);
        vault
    }

    /// Sets `name` to `value` as a new version (a rotation when the secret exists); returns
    /// the version id.
    pub fn set(&self, name: &str, value: &str) -> String {
        let n = self.versions.fetch_add(1, Ordering::SeqCst) + 1;
        // Real version ids are 32 hex digits.
        let id = format!("{n:032x}");
        lock(&self.secrets)
            .entry(name.to_string())
            .or_default()
            .push(Version {
                id: id.clone(),
                value: value.to_string(),
                created: crate::api::now_secs(),
            });
        id
    }

    /// Makes the model endpoints accept only `secret`'s current value as the key (None: the
    /// configured `api_keys` again).
    pub fn bind_api_key(&self, secret: Option<&str>) {
        *lock(&self.api_key_secret) = secret.map(str::to_string);
    }

    /// The keys the model endpoints accept instead of `api_keys`, while a secret is bound:
    /// its current value (none if the secret does not exist yet).
    pub fn bound_keys(&self) -> Option<Vec<String>> {
        let bound = lock(&self.api_key_secret).clone()?;
        let secrets = lock(&self.secrets);
        let current = secrets.get(&bound).and_then(|v| v.last());
        Some(current.map(|v| v.value.clone()).into_iter().collect())
    }

    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// `GET /secrets/{name}[/{version}]`: the challenge, the RBAC refusal, the secret or its 404.
pub fn serve(
    shared: &Shared,
    headers: &HeaderMap,
    query: &[(String, String)],
    name: &str,
    version: Option<&str>,
) -> Reply {
    let vault = &shared.vault;
    vault.requests.fetch_add(1, Ordering::SeqCst);
    let has_version = query
        .iter()
        .any(|(k, v)| k == "api-version" && !v.is_empty());
    if !has_version {
        return error(
            400,
            "BadParameter",
            "The request URI contains an invalid or missing api-version parameter.",
        );
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(bearer) = bearer.filter(|b| !b.is_empty()) else {
        return challenge("AKV10000: Request is missing a Bearer or PoP token.");
    };
    let token = match shared.tokens.lookup(bearer) {
        Some(t) if t.expires_at > std::time::Instant::now() => t,
        Some(_) => return challenge("AKV10013: Invalid token: the token has expired."),
        None => return challenge("AKV10032: Invalid issuer or token."),
    };
    if !token.audience.contains("vault.azure.net") {
        return challenge(&format!(
            "AKV10022: Invalid audience. Expected {RESOURCE}, found: {}.",
            token.audience
        ));
    }
    if shared.config.forbidden_clients.contains(&token.client_id) {
        return forbidden(&token.client_id);
    }
    let secrets = lock(&vault.secrets);
    let found = secrets.get(name).and_then(|versions| match version {
        Some(v) => versions.iter().find(|x| x.id == v),
        None => versions.last(),
    });
    let Some(found) = found else {
        let message = match version {
            Some(v) => format!("A secret with (name/id) {name}/{v} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"),
            None => format!("A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"),
        };
        return error(404, "SecretNotFound", &message);
    };
    vault.reads.fetch_add(1, Ordering::SeqCst);
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let body = obj([
        ("value", j(found.value.as_str())),
        (
            "id",
            j(format!("https://{host}/secrets/{name}/{}", found.id)),
        ),
        (
            "attributes",
            obj([
                ("enabled", j(true)),
                ("created", j(found.created)),
                ("updated", j(found.created)),
                ("recoveryLevel", j("Recoverable+Purgeable")),
                ("recoverableDays", j(90)),
            ]),
        ),
        ("tags", obj([])),
    ]);
    Reply::json(200, body.compact())
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    let body = obj([("error", obj([("code", j(code)), ("message", j(message))]))]);
    Reply::json(status, body.compact())
}

/// 401 with the challenge the Azure SDKs read the token's resource from.
fn challenge(message: &str) -> Reply {
    error(401, "Unauthorized", message).header(
        "www-authenticate",
        format!(
            "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"{RESOURCE}\""
        ),
    )
}

/// The refusal a principal without the Key Vault Secrets User role gets.
fn forbidden(client_id: &str) -> Reply {
    let message = format!(
        "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid={client_id}\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nAssignment: (not found)\r\nDecisionReason: null\r\n"
    );
    let body = obj([(
        "error",
        obj([
            ("code", j("Forbidden")),
            ("message", j(message)),
            ("innererror", obj([("code", j("ForbiddenByRbac"))])),
        ]),
    )]);
    Reply::json(403, body.compact())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_replaces_the_bound_key() {
        let vault = KeyVault::default();
        assert_eq!(vault.bound_keys(), None);
        vault.bind_api_key(Some("foundry-api-key"));
        assert_eq!(vault.bound_keys(), Some(vec![]));
        let first = vault.set("foundry-api-key", "made-up-key-1");
        assert_eq!(vault.bound_keys(), Some(vec!["made-up-key-1".to_string()]));
        let second = vault.set("foundry-api-key", "made-up-key-2");
        assert_ne!(first, second);
        assert_eq!(vault.bound_keys(), Some(vec!["made-up-key-2".to_string()]));
        vault.bind_api_key(None);
        assert_eq!(vault.bound_keys(), None);
    }
}
