//! `governance.store`: where the spend ledger lives, and how a fleet of processes shares it.
//!
//! ```yaml
//! governance:
//!   store:
//!     type: redis                 # memory | sqlite | redis
//!     url: redis://cache:6379/0   # redis: the server (a password in it is never shown)
//!     prefix: acme-prod           # redis: every key is under the hash tag {acme-prod}
//!     lease_secs: 60              # a dead process's hold stops counting this long past its deadline
//!     on_unreachable: fail_closed # redis: or `local` (limits / fleet_size in each process)
//!     fleet_size: 8               # redis with `local`: the processes sharing the limits
//!     alert_webhook: https://hooks.example/budget   # soft alerts are POSTed here too
//! ```
//!
//! `governance.ledger` (a path, or `memory`) stays the short form of `type: sqlite` / `memory`;
//! setting both is refused.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Result};

/// How long a reservation outlives its call's deadline by default before a dead process's
/// hold stops counting. Long, because a live call settling after its lease could pass a cap.
pub const DEFAULT_LEASE_SECS: u64 = 3_600;

/// The hash tag every key of a fleet carries when the catalog names none.
pub const DEFAULT_PREFIX: &str = "foundry";

/// Where spend is kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LedgerStore {
    /// The embedded ledger in the user's state directory
    /// (`$XDG_STATE_HOME/foundry-client/ledger.sqlite`, else `~/.local/state/...`).
    #[default]
    Embedded,
    /// An embedded ledger at this path.
    File(PathBuf),
    /// In memory, for tests and short scripts: the spend is lost when the process ends.
    Memory,
    /// A Redis (or Valkey) server shared by every process of a fleet.
    Redis(RedisStore),
}

/// A Redis ledger's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisStore {
    pub url: RedisUrl,
    /// The hash tag of every key: one fleet's books, in one cluster slot.
    pub prefix: String,
    pub on_unreachable: Unreachable,
}

/// What a call under a hard budget does when the Redis server does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// Refused, with an error naming the server: no call runs unaccounted.
    FailClosed,
    /// Counted in this process against limits divided by the fleet's size, with an event when
    /// the outage starts and when it ends.
    Local { fleet_size: u32 },
}

/// A Redis URL; its password is shown as `***` in Debug output and messages.
#[derive(Clone, PartialEq)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// The URL to connect with (it may hold a password: never log it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A URL as given (tests build ledgers without a catalog).
    #[doc(hidden)]
    pub fn for_tests(url: &str) -> RedisUrl {
        RedisUrl(url.to_string())
    }

    /// The URL without its password, for messages.
    pub fn redacted(&self) -> String {
        match reqwest::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "(an unreadable URL)".into(),
        }
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    #[serde(rename = "type")]
    kind: Option<String>,
    path: Option<String>,
    url: Option<String>,
    prefix: Option<String>,
    lease_secs: Option<u64>,
    on_unreachable: Option<String>,
    fleet_size: Option<u32>,
    alert_webhook: Option<String>,
}

/// The store and the settings every store shares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StoreSettings {
    pub store: LedgerStore,
    pub lease_margin: Duration,
    pub alert_webhook: Option<String>,
}

type Bad<'a> = &'a dyn Fn(&str, String, &str) -> Error;

/// Reads `governance.ledger` (the short form) and `governance.store`.
pub(crate) fn resolve_store(
    ledger: Option<String>,
    raw: Option<RawStore>,
    bad: Bad<'_>,
) -> Result<StoreSettings> {
    let Some(raw) = raw else {
        return Ok(StoreSettings {
            store: short_form(ledger, bad)?,
            lease_margin: Duration::from_secs(DEFAULT_LEASE_SECS),
            alert_webhook: None,
        });
    };
    if ledger.is_some() {
        return Err(bad(
            "ledger",
            "is set together with governance.store".into(),
            "keep one: `store: {type: sqlite, path: ...}` replaces `ledger: PATH`, \
             `store: {type: memory}` replaces `ledger: memory`",
        ));
    }
    let kind = raw.kind.as_deref().map(str::trim).unwrap_or("");
    let only_redis = |key: &str, set: bool| -> Result<()> {
        match set && kind != "redis" {
            true => Err(bad(
                &format!("store.{key}"),
                format!("is a Redis setting, and the store's type is '{kind}'"),
                "remove it, or set `type: redis`",
            )),
            false => Ok(()),
        }
    };
    only_redis("url", raw.url.is_some())?;
    only_redis("prefix", raw.prefix.is_some())?;
    only_redis("on_unreachable", raw.on_unreachable.is_some())?;
    only_redis("fleet_size", raw.fleet_size.is_some())?;
    if raw.path.is_some() && kind != "sqlite" {
        return Err(bad(
            "store.path",
            format!("names a ledger file, and the store's type is '{kind}'"),
            "remove it, or set `type: sqlite`",
        ));
    }
    let store = match kind {
        "memory" => LedgerStore::Memory,
        "sqlite" => match raw.path.as_deref().map(str::trim) {
            None => LedgerStore::Embedded,
            Some("") => {
                return Err(bad(
                    "store.path",
                    "is empty".into(),
                    "the ledger file's path, or leave it out for the embedded ledger",
                ))
            }
            Some(path) => LedgerStore::File(PathBuf::from(path)),
        },
        "redis" => LedgerStore::Redis(redis_store(&raw, bad)?),
        "" => {
            return Err(bad(
                "store.type",
                "is missing".into(),
                "memory, sqlite (one machine) or redis (a fleet)",
            ))
        }
        other => {
            return Err(bad(
                "store.type",
                format!("'{other}' is not a store"),
                "memory, sqlite (one machine) or redis (a fleet)",
            ))
        }
    };
    let lease_secs = raw.lease_secs.unwrap_or(DEFAULT_LEASE_SECS);
    if !(1..=86_400).contains(&lease_secs) {
        return Err(bad(
            "store.lease_secs",
            format!("{lease_secs} is not from 1 to 86400"),
            "the seconds a dead process's reservation still counts past its call's deadline, \
             such as 60",
        ));
    }
    let alert_webhook = match raw.alert_webhook {
        None => None,
        Some(url) => {
            let parsed = reqwest::Url::parse(url.trim()).ok();
            if !parsed
                .as_ref()
                .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            {
                return Err(bad(
                    "store.alert_webhook",
                    "is not an http(s) URL".into(),
                    "the URL budget alerts are POSTed to, such as https://hooks.example/budget",
                ));
            }
            Some(url.trim().to_string())
        }
    };
    Ok(StoreSettings {
        store,
        lease_margin: Duration::from_secs(lease_secs),
        alert_webhook,
    })
}

fn short_form(ledger: Option<String>, bad: Bad<'_>) -> Result<LedgerStore> {
    Ok(match ledger.as_deref().map(str::trim) {
        None => LedgerStore::Embedded,
        Some("memory") => LedgerStore::Memory,
        Some("") => {
            return Err(bad(
                "ledger",
                "is empty".into(),
                "write `memory` or the path of the ledger file",
            ))
        }
        Some(path) => LedgerStore::File(PathBuf::from(path)),
    })
}

fn redis_store(raw: &RawStore, bad: Bad<'_>) -> Result<RedisStore> {
    let url = raw.url.as_deref().map(str::trim).unwrap_or("");
    if url.is_empty() {
        return Err(bad(
            "store.url",
            "is missing".into(),
            "the server's URL, such as redis://cache.internal:6379/0",
        ));
    }
    let scheme_ok = reqwest::Url::parse(url).is_ok_and(|u| u.scheme() == "redis" && u.has_host());
    if !scheme_ok {
        let shown = RedisUrl(url.to_string()).redacted();
        let hint = match url.starts_with("rediss://") {
            true => {
                "TLS (rediss://) is not supported yet: reach the server over a private \
                     network or a local TLS tunnel, as redis://HOST:PORT/DB"
            }
            false => "redis://HOST:PORT/DB, with user:password@ before the host if needed",
        };
        return Err(bad(
            "store.url",
            format!("'{shown}' is not a redis:// URL"),
            hint,
        ));
    }
    let prefix = raw.prefix.as_deref().unwrap_or(DEFAULT_PREFIX).trim();
    let prefix_ok = !prefix.is_empty()
        && prefix.len() <= 64
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !prefix_ok {
        return Err(bad(
            "store.prefix",
            format!("'{prefix}' is not a key prefix"),
            "up to 64 letters, digits, - _ . : (it becomes the keys' hash tag, such as acme-prod)",
        ));
    }
    let on_unreachable = match raw.on_unreachable.as_deref().map(str::trim) {
        None | Some("fail_closed") => {
            if raw.fleet_size.is_some() {
                return Err(bad(
                    "store.fleet_size",
                    "is used only with `on_unreachable: local`".into(),
                    "remove it, or set `on_unreachable: local`",
                ));
            }
            Unreachable::FailClosed
        }
        Some("local") => match raw.fleet_size {
            Some(n) if n >= 1 => Unreachable::Local { fleet_size: n },
            Some(_) => {
                return Err(bad(
                    "store.fleet_size",
                    "must be at least 1".into(),
                    "the number of processes sharing the limits, such as 8",
                ))
            }
            None => {
                return Err(bad(
                    "store.fleet_size",
                    "is missing, and `on_unreachable: local` divides the limits by it".into(),
                    "the number of processes sharing the limits, such as 8",
                ))
            }
        },
        Some(other) => {
            return Err(bad(
                "store.on_unreachable",
                format!("'{other}' is not a mode"),
                "fail_closed (the default: calls under a hard budget are refused) or local \
                 (each process counts limit / fleet_size until the server is back)",
            ))
        }
    };
    Ok(RedisStore {
        url: RedisUrl(url.to_string()),
        prefix: prefix.to_string(),
        on_unreachable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(ledger: Option<&str>, store: serde_json::Value) -> Result<StoreSettings> {
        let raw: RawStore = serde_json::from_value(store).expect("shape");
        let bad = |key: &str, problem: String, hint: &str| {
            Error::config(format!("governance.{key}: {problem}")).with_hint(hint.to_string())
        };
        resolve_store(ledger.map(str::to_string), Some(raw), &bad)
    }

    #[test]
    fn a_redis_store_reads_every_setting() {
        let s = read(
            None,
            json!({"type": "redis", "url": "redis://:hunter2@cache:6379/0", "prefix": "acme",
                   "lease_secs": 30, "on_unreachable": "local", "fleet_size": 4,
                   "alert_webhook": "http://127.0.0.1:9/hook"}),
        )
        .unwrap();
        let LedgerStore::Redis(r) = &s.store else {
            panic!("{s:?}")
        };
        assert_eq!(r.prefix, "acme");
        assert_eq!(r.on_unreachable, Unreachable::Local { fleet_size: 4 });
        assert_eq!(s.lease_margin, Duration::from_secs(30));
        assert_eq!(s.alert_webhook.as_deref(), Some("http://127.0.0.1:9/hook"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("cache:6379"), "{shown}");
    }

    #[test]
    fn the_other_types_and_the_short_form() {
        let s = read(None, json!({"type": "sqlite", "path": "/tmp/l.sqlite"})).unwrap();
        assert_eq!(s.store, LedgerStore::File("/tmp/l.sqlite".into()));
        assert_eq!(s.lease_margin, Duration::from_secs(DEFAULT_LEASE_SECS));
        let s = read(None, json!({"type": "sqlite"})).unwrap();
        assert_eq!(s.store, LedgerStore::Embedded);
        let s = read(None, json!({"type": "memory"})).unwrap();
        assert_eq!(s.store, LedgerStore::Memory);
    }

    #[test]
    fn bad_settings_name_the_key_and_never_the_password() {
        let cases = [
            (
                json!({"type": "memory"}),
                Some("memory"),
                "governance.ledger",
            ),
            (json!({}), None, "store.type"),
            (json!({"type": "etcd"}), None, "store.type"),
            (json!({"type": "redis"}), None, "store.url"),
            (
                json!({"type": "redis", "url": "http://:hunter2@x"}),
                None,
                "store.url",
            ),
            (
                json!({"type": "redis", "url": "rediss://:hunter2@x:6380"}),
                None,
                "store.url",
            ),
            (
                json!({"type": "redis", "url": "redis://x", "prefix": "{a}"}),
                None,
                "store.prefix",
            ),
            (
                json!({"type": "redis", "url": "redis://x", "on_unreachable": "open"}),
                None,
                "store.on_unreachable",
            ),
            (
                json!({"type": "redis", "url": "redis://x", "on_unreachable": "local"}),
                None,
                "store.fleet_size",
            ),
            (
                json!({"type": "redis", "url": "redis://x", "on_unreachable": "local", "fleet_size": 0}),
                None,
                "store.fleet_size",
            ),
            (
                json!({"type": "redis", "url": "redis://x", "fleet_size": 3}),
                None,
                "store.fleet_size",
            ),
            (
                json!({"type": "memory", "url": "redis://x"}),
                None,
                "store.url",
            ),
            (json!({"type": "memory", "path": "/x"}), None, "store.path"),
            (
                json!({"type": "memory", "lease_secs": 0}),
                None,
                "store.lease_secs",
            ),
            (
                json!({"type": "memory", "alert_webhook": "ftp://x"}),
                None,
                "store.alert_webhook",
            ),
        ];
        for (raw, ledger, key) in cases {
            let e = read(ledger, raw.clone()).expect_err("refused");
            assert!(e.message.contains(key), "{raw}: {}", e.message);
            assert!(!e.hint.is_empty(), "{raw}");
            assert!(!e.message.contains("hunter2"), "{}", e.message);
        }
    }

    #[test]
    fn catalog_keys_lists_every_store_field() {
        use super::super::keys::{assert_listed, fields_of};
        assert_listed("governance.store", fields_of::<RawStore>());
    }
}
