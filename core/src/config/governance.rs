//! The catalog's `governance:` section: the budgets calls are checked against, the scope this
//! client's calls belong to, and the ledger that keeps the spend.
//!
//! ```yaml
//! governance:
//!   scope: acme/search          # this client's calls count for acme and acme/search
//!   ledger: memory              # or a file path; unset: the embedded ledger in the state dir
//!                               # (the short form of `store:`, see store.rs: redis for a fleet)
//!   output_bound: 4096          # reserved (and sent as max_tokens) when a call names none
//!   budgets:
//!     - scope: acme
//!       window: month           # day | week | month | total | 30m, 12h, 30d (rolling)
//!       time_zone: Europe/Berlin
//!       hard_usd: 500
//!       soft: [0.5, 0.8]        # alerts, as fractions of hard_usd (default [0.8])
//!     - scope: deployment:gpt-5.4
//!       window: day
//!       hard_usd: 20
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::scopes::{resolve_scope, DeclaredScope, RawScope};
pub use super::store::LedgerStore;
use super::store::{resolve_store, RawStore, DEFAULT_LEASE_SECS};
use super::Deployment;
use crate::govern::{Budget, Nanos, Window, Zone};
use crate::{Error, Result};

/// The output tokens a governed call reserves when its request names no limit.
pub const DEFAULT_OUTPUT_BOUND: u64 = 4_096;

/// What the client's calls are governed by.
#[derive(Debug, Clone, PartialEq)]
pub struct Governance {
    pub budgets: Vec<Budget>,
    /// The scope path of this client's calls ("org/team"); they also count for every
    /// enclosing scope and for their deployment's own scope ("deployment:NAME").
    pub scope: Option<String>,
    pub ledger: LedgerStore,
    /// How long a reservation outlives its call's deadline (`store.lease_secs`).
    pub lease_margin: Duration,
    /// Where soft alerts are POSTed too (`store.alert_webhook`).
    pub alert_webhook: Option<String>,
    /// Output tokens reserved, and sent as the limit, for a call that names none.
    pub output_bound: u64,
    /// Rules checked before any I/O, for the scopes they name.
    pub policies: Vec<Policy>,
    /// Pace each deployment with a `tpm` / `rpm` to it in the client, queueing calls over it.
    pub rate_limits: bool,
    /// Scopes declared in the catalog (and by handles): their rate limits and tags.
    pub scopes: Vec<DeclaredScope>,
}

/// What a scope's calls must satisfy before they are sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// The scope the rules hold for (and every scope inside it); None: every call.
    pub scope: Option<String>,
    /// The deployments this scope may call; None: any.
    pub approved: Option<Vec<String>>,
    /// The longest prompt, in estimated tokens (UTF-8 bytes / 4, rounded up).
    pub max_prompt_tokens: Option<u64>,
    /// A header every call must carry (a correlation id), named case-insensitively.
    pub require_header: Option<String>,
}

impl Default for Governance {
    fn default() -> Self {
        Governance {
            budgets: Vec::new(),
            scope: None,
            ledger: LedgerStore::default(),
            lease_margin: Duration::from_secs(DEFAULT_LEASE_SECS),
            alert_webhook: None,
            output_bound: DEFAULT_OUTPUT_BOUND,
            policies: Vec::new(),
            rate_limits: false,
            scopes: Vec::new(),
        }
    }
}

impl Governance {
    /// The client's scope and the scopes enclosing it, outermost first (none without a scope).
    pub fn client_scopes(&self) -> Vec<String> {
        self.scope
            .as_deref()
            .map(crate::govern::governor::enclosing_scopes)
            .unwrap_or_default()
    }

    /// The tags of the scopes declared for `path` and the paths enclosing it, the innermost
    /// winning a tag named twice.
    pub fn tags_for(&self, path: &str) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        for enclosing in crate::govern::governor::enclosing_scopes(path) {
            if let Some(declared) = self.declared(&enclosing) {
                tags.extend(declared.tags.clone());
            }
        }
        tags
    }

    /// The scope declared for exactly `path` in the catalog.
    pub fn declared(&self, path: &str) -> Option<&DeclaredScope> {
        self.scopes.iter().find(|s| s.path == path)
    }

    /// Whether any call is counted: without budgets, no ledger is opened.
    pub fn is_active(&self) -> bool {
        !self.budgets.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGovernance {
    scope: Option<String>,
    ledger: Option<String>,
    store: Option<RawStore>,
    output_bound: Option<u64>,
    #[serde(default)]
    budgets: Vec<RawBudget>,
    #[serde(default)]
    policies: Vec<RawPolicy>,
    #[serde(default)]
    rate_limits: bool,
    #[serde(default)]
    scopes: Vec<RawScope>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub scope: Option<String>,
    pub approved: Option<Vec<String>>,
    pub max_prompt_tokens: Option<u64>,
    pub require_header: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBudget {
    pub scope: String,
    pub window: String,
    pub time_zone: Option<String>,
    pub hard_usd: f64,
    pub soft: Option<Vec<f64>>,
}

/// Checks and converts the section; `deployments` are the catalog's, which a
/// `deployment:NAME` scope must name.
pub(crate) fn resolve(
    raw: RawGovernance,
    deployments: &[Deployment],
    origin: &str,
) -> Result<Governance> {
    let bad = |key: &str, problem: String, hint: &str| {
        Error::config(format!("{origin}: governance.{key}: {problem}")).with_hint(hint.to_string())
    };
    if let Some(scope) = &raw.scope {
        check_scope_path(scope).map_err(|p| {
            bad(
                "scope",
                p,
                "name the client's scope as a path of teams, such as acme/search",
            )
        })?;
    }
    let output_bound = raw.output_bound.unwrap_or(DEFAULT_OUTPUT_BOUND);
    if output_bound == 0 {
        return Err(bad(
            "output_bound",
            "must be at least 1".into(),
            "the tokens a call without max_tokens may write, such as 4096",
        ));
    }
    let store = resolve_store(raw.ledger, raw.store, &bad)?;
    let mut budgets = Vec::with_capacity(raw.budgets.len());
    for (i, b) in raw.budgets.into_iter().enumerate() {
        budgets.push(resolve_budget(
            b,
            &format!("budgets[{i}]"),
            deployments,
            &bad,
        )?);
    }
    let mut policies = Vec::with_capacity(raw.policies.len());
    for (i, p) in raw.policies.into_iter().enumerate() {
        policies.push(resolve_policy(
            p,
            &format!("policies[{i}]"),
            deployments,
            &bad,
        )?);
    }
    let mut scopes = Vec::with_capacity(raw.scopes.len());
    for (i, s) in raw.scopes.into_iter().enumerate() {
        let key = format!("scopes[{i}]");
        let resolved = resolve_scope(s, &key, deployments, &bad)?;
        if scopes
            .iter()
            .any(|d: &DeclaredScope| d.path == resolved.scope.path)
        {
            return Err(bad(
                &format!("{key}.name"),
                format!("scope '{}' is declared twice", resolved.scope.path),
                "declare each scope once",
            ));
        }
        budgets.extend(resolved.budget);
        policies.extend(resolved.policy);
        scopes.push(resolved.scope);
    }
    Ok(Governance {
        budgets,
        scope: raw.scope,
        ledger: store.store,
        lease_margin: store.lease_margin,
        alert_webhook: store.alert_webhook,
        output_bound,
        policies,
        rate_limits: raw.rate_limits,
        scopes,
    })
}

pub(super) fn resolve_policy(
    p: RawPolicy,
    key: &str,
    deployments: &[Deployment],
    bad: &dyn Fn(&str, String, &str) -> Error,
) -> Result<Policy> {
    if let Some(scope) = &p.scope {
        check_scope_path(scope).map_err(|m| {
            bad(
                &format!("{key}.scope"),
                m,
                "a path of teams, such as acme/search",
            )
        })?;
    }
    for (j, name) in p.approved.iter().flatten().enumerate() {
        if !deployments.iter().any(|d| &d.name == name) {
            let names: Vec<&str> = deployments.iter().map(|d| d.name.as_str()).collect();
            return Err(bad(
                &format!("{key}.approved[{j}]"),
                format!("no deployment is named '{name}'"),
                &format!("name the catalog's deployments: {}", names.join(", ")),
            ));
        }
    }
    if p.max_prompt_tokens == Some(0) {
        return Err(bad(
            &format!("{key}.max_prompt_tokens"),
            "must be at least 1".into(),
            "the longest prompt allowed, in tokens, such as 8000",
        ));
    }
    if let Some(header) = &p.require_header {
        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
            return Err(bad(
                &format!("{key}.require_header"),
                format!("'{header}' is not a header name"),
                "a header name such as x-correlation-id",
            ));
        }
    }
    Ok(Policy {
        scope: p.scope,
        approved: p.approved,
        max_prompt_tokens: p.max_prompt_tokens,
        require_header: p.require_header.map(|h| h.to_ascii_lowercase()),
    })
}

/// A scoped handle's budget ([`crate::Foundry::scope`]): the catalog budget's keys.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeBudget {
    pub hard_usd: f64,
    /// `day`, `week`, `month` (the default), `total`, or a rolling `30m` / `12h` / `30d`.
    pub window: Option<String>,
    pub time_zone: Option<String>,
    /// Alert thresholds as fractions of `hard_usd` (default `[0.8]`).
    pub soft: Option<Vec<f64>>,
}

/// The budget of the handle whose scope path is `scope`, checked like a catalog budget and
/// named `scope(name).budget` in errors.
pub(crate) fn handle_budget(scope: &str, name: &str, spec: &ScopeBudget) -> Result<Budget> {
    let raw = RawBudget {
        scope: scope.to_string(),
        window: spec.window.clone().unwrap_or_else(|| "month".into()),
        time_zone: spec.time_zone.clone(),
        hard_usd: spec.hard_usd,
        soft: spec.soft.clone(),
    };
    let bad = |key: &str, problem: String, hint: &str| {
        let key = key.trim_start_matches("budget");
        Error::config(format!("scope('{name}').budget{key}: {problem}")).with_hint(hint.to_string())
    };
    resolve_budget(raw, "budget", &[], &bad)
}

/// Checks one segment of a scope path (a handle's name).
pub(crate) fn check_scope_name(name: &str) -> std::result::Result<(), String> {
    if name.contains('/') {
        return Err(format!("'{name}' is one name, without '/'"));
    }
    check_scope_path(name)
}

pub(super) fn resolve_budget(
    b: RawBudget,
    key: &str,
    deployments: &[Deployment],
    bad: &dyn Fn(&str, String, &str) -> Error,
) -> Result<Budget> {
    match b.scope.strip_prefix("deployment:") {
        Some(name) => {
            if !deployments.iter().any(|d| d.name == name) {
                let names: Vec<&str> = deployments.iter().map(|d| d.name.as_str()).collect();
                return Err(bad(
                    &format!("{key}.scope"),
                    format!("no deployment is named '{name}'"),
                    &format!(
                        "name one of the catalog's deployments: {}",
                        names.join(", ")
                    ),
                ));
            }
        }
        None => check_scope_path(&b.scope).map_err(|p| {
            bad(
                &format!("{key}.scope"),
                p,
                "a path of teams (acme/search) or deployment:NAME",
            )
        })?,
    }
    let zone = match &b.time_zone {
        Some(name) => Zone::named(name).map_err(|p| {
            bad(
                &format!("{key}.time_zone"),
                p,
                "the zone of the invoice, such as UTC or Europe/Berlin",
            )
        })?,
        None => Zone::utc(),
    };
    let window = Window::parse(&b.window, zone).map_err(|p| {
        bad(
            &format!("{key}.window"),
            p,
            "day, week, month (calendar, in time_zone), total, or a rolling 30m / 12h / 30d",
        )
    })?;
    let hard = Nanos::from_usd(b.hard_usd).ok_or_else(|| {
        bad(
            &format!("{key}.hard_usd"),
            format!("{} is not an amount of dollars", b.hard_usd),
            "a number of US dollars from 0 to 1e9, such as 25.0",
        )
    })?;
    let mut soft = Vec::new();
    for (j, fraction) in b.soft.unwrap_or_else(|| vec![0.8]).into_iter().enumerate() {
        if !(fraction.is_finite() && fraction > 0.0 && fraction <= 1.0) {
            return Err(bad(
                &format!("{key}.soft[{j}]"),
                format!("{fraction} is not a fraction of hard_usd"),
                "a fraction above 0 and at most 1, such as 0.8 for an alert at 80 %",
            ));
        }
        // Thresholds are kept in permille: a finer one would round to 0 and alert at once.
        if fraction < 0.001 {
            return Err(bad(
                &format!("{key}.soft[{j}]"),
                format!("{fraction} is below 0.001, the finest threshold (a tenth of a percent)"),
                "a fraction from 0.001 to 1, such as 0.8 for an alert at 80 %",
            ));
        }
        soft.push((fraction * 1000.0).round() as u16);
    }
    soft.sort_unstable();
    soft.dedup();
    Ok(Budget {
        scope: b.scope,
        window,
        hard: Some(hard),
        soft,
    })
}

/// A scope path: non-empty segments of letters, digits, `-`, `_` and `.`, joined by `/`.
pub(super) fn check_scope_path(path: &str) -> std::result::Result<(), String> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if path.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err(format!(
            "'{path}' is not a scope path (names of letters, digits, - _ . joined by /)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Governance> {
        let raw: RawGovernance = serde_json::from_value(v).expect("shape");
        resolve(raw, &[], "test")
    }

    #[test]
    fn a_budget_reads_its_window_zone_cap_and_alerts() {
        let g = parse(
            json!({"scope": "acme/search", "ledger": "memory", "budgets": [
                {"scope": "acme", "window": "month", "time_zone": "Europe/Berlin",
                 "hard_usd": 2.5, "soft": [0.8, 0.5, 0.8]}
            ]}),
        )
        .unwrap();
        let b = &g.budgets[0];
        assert_eq!(b.hard, Some(Nanos(2_500_000_000)));
        assert_eq!(b.soft, [500, 800]);
        assert_eq!(
            b.window,
            Window::Month(Zone::named("Europe/Berlin").unwrap())
        );
        assert_eq!(g.ledger, LedgerStore::Memory);
        assert_eq!(g.output_bound, DEFAULT_OUTPUT_BOUND);
        assert!(g.is_active());
    }

    #[test]
    fn bad_settings_name_the_key() {
        let cases = [
            (
                json!({"budgets": [{"scope": "a", "window": "fortnight", "hard_usd": 1}]}),
                "budgets[0].window",
            ),
            (
                json!({"budgets": [{"scope": "a", "window": "day", "time_zone": "Mars/Olympus", "hard_usd": 1}]}),
                "budgets[0].time_zone",
            ),
            (
                json!({"budgets": [{"scope": "a", "window": "day", "hard_usd": -1}]}),
                "budgets[0].hard_usd",
            ),
            (
                json!({"budgets": [{"scope": "a", "window": "day", "hard_usd": 1, "soft": [1.5]}]}),
                "budgets[0].soft[0]",
            ),
            (
                json!({"budgets": [{"scope": "a//b", "window": "day", "hard_usd": 1}]}),
                "budgets[0].scope",
            ),
            (
                json!({"budgets": [{"scope": "deployment:nope", "window": "day", "hard_usd": 1}]}),
                "budgets[0].scope",
            ),
            (json!({"scope": ""}), "governance.scope"),
            (json!({"output_bound": 0}), "output_bound"),
            (json!({"ledger": " "}), "ledger"),
        ];
        for (raw, key) in cases {
            let e = parse(raw.clone()).expect_err("refused");
            assert!(e.message.contains(key), "{raw}: {}", e.message);
            assert!(!e.hint.is_empty(), "{raw}");
        }
    }

    #[test]
    fn catalog_keys_lists_every_governance_field() {
        use super::super::keys::{assert_listed, fields_of};
        assert_listed("governance", fields_of::<RawGovernance>());
        assert_listed("governance.budgets[]", fields_of::<RawBudget>());
        assert_listed("governance.policies[]", fields_of::<RawPolicy>());
    }
}
