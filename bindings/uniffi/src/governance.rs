//! Governance on `NativeClient`: scoped handles (`Foundry::scope`, `revoke`, `scope_path`) and
//! the reports `spend()` and `limits()`. Glue only: the handle's options arrive as the JSON the
//! Kotlin `ScopeOptions` builder writes and are read by the core's `ScopeSpec::from_json`, so
//! every check and message is the core's.

use std::sync::Arc;

use foundry_client::{LimitLine as CoreLimitLine, ScopeSpec, SpendLine as CoreSpendLine};

use crate::client::NativeClient;
use crate::errors::{caught, invalid_request, FoundryError};
use crate::results::long;
use crate::runtime::run;

/// One budget's spend in its current period (the core's `SpendLine`, field for field).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SpendLine {
    /// The scope path the budget caps (`acme/search-bot`).
    pub scope: String,
    /// The budget's window, described ("rolling 3600s", "month (Europe/Berlin)").
    pub window: String,
    /// The ledger key of the period now running ("day:2026-12-07@UTC").
    pub period: String,
    pub spent_usd: f64,
    /// Reservations of calls still in flight, and of dead processes until their lease ends.
    pub reserved_usd: f64,
    /// The hard cap; null: the budget only alerts.
    pub cap_usd: Option<f64>,
    /// The soft thresholds that send a budget alert, as fractions of the cap.
    pub soft: Vec<f64>,
}

/// One local rate limit as it stands (the core's `LimitLine`, counts as `Long`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LimitLine {
    /// What is limited: `deployment:NAME`, or a scoped handle's path.
    pub limits: String,
    pub tpm: Option<i64>,
    pub rpm: Option<i64>,
    /// Tokens grantable right now (a 10 s window's share of `tpm` at most).
    pub tokens_available: i64,
    pub requests_available: i64,
    /// How many calls wait in this limit's queue.
    pub queued: i64,
    /// The service's last `x-ratelimit-remaining-tokens` / `-requests` headers.
    pub service_remaining_tokens: Option<i64>,
    pub service_remaining_requests: Option<i64>,
}

impl From<CoreSpendLine> for SpendLine {
    fn from(s: CoreSpendLine) -> Self {
        SpendLine {
            scope: s.scope,
            window: s.window,
            period: s.period,
            spent_usd: s.spent_usd,
            reserved_usd: s.reserved_usd,
            cap_usd: s.cap_usd,
            soft: s.soft,
        }
    }
}

impl From<CoreLimitLine> for LimitLine {
    fn from(l: CoreLimitLine) -> Self {
        LimitLine {
            limits: l.limits,
            tpm: l.tpm.map(long),
            rpm: l.rpm.map(long),
            tokens_available: long(l.tokens_available),
            requests_available: long(l.requests_available),
            queued: long(u64::try_from(l.queued).unwrap_or(u64::MAX)),
            service_remaining_tokens: l.service_remaining_tokens.map(long),
            service_remaining_requests: l.service_remaining_requests.map(long),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A scoped handle (`Foundry::scope`): a client whose calls count for `name` inside this
    /// client's scope. `options_json` is `scope(name, options)`'s options object (`models`,
    /// `budget`, `rpm`, `tpm`, `tags`), read by `ScopeSpec::from_json`. Opens the ledger when
    /// this client has none yet (file IO); no network IO.
    pub fn scope(&self, name: String, options_json: String) -> Result<Arc<Self>, FoundryError> {
        caught(|| {
            let options: serde_json::Value = serde_json::from_str(&options_json).map_err(|e| {
                invalid_request(format!("scope('{name}')'s options are not JSON: {e}"))
            })?;
            let spec = ScopeSpec::from_json(&name, &options)?;
            Ok(Arc::new(NativeClient::wrap(self.core().scope(spec)?)))
        })
    }

    /// Revokes this scoped handle (`Foundry::revoke`): its later calls, and those of handles
    /// derived from it, fail with `revoked`. A client that is no handle refuses. No IO.
    pub fn revoke(&self) -> Result<(), FoundryError> {
        caught(|| Ok(self.core().revoke()?))
    }

    /// The scope path this client's calls count for, when it has one. No IO.
    pub fn scope_path(&self) -> Option<String> {
        self.core().scope_path().map(str::to_string)
    }

    /// Each budget's spend in its current period, read from the ledger (local file IO, run on
    /// the binding's runtime so the Kotlin thread never waits on it); empty without budgets.
    pub async fn spend(&self) -> Result<Vec<SpendLine>, FoundryError> {
        let client = self.core().clone();
        run(async move { Ok(client.spend()?.into_iter().map(SpendLine::from).collect()) }).await
    }

    /// Each local rate limit (a deployment's, a scoped handle's) as it stands. No IO.
    pub fn limits(&self) -> Vec<LimitLine> {
        self.core()
            .limits()
            .into_iter()
            .map(LimitLine::from)
            .collect()
    }
}
