//! `foundry doctor`: the usage guide's troubleshooting table as checks. For each deployment it
//! resolves the endpoint's host, acquires the credential, and sends one tiny request (16 output
//! tokens, billed like any call) outside the client's retries and fallbacks, so what the
//! service answered is what is reported. Each finding carries the fix the guide gives: the
//! `az` command to run, or the catalog key to set.
//!
//! One concern a file: [`probe`] does the I/O (name resolution, the request), [`verdict`]
//! turns what it saw into findings, [`fixes`] writes the guide's commands for one deployment.

mod fixes;
mod probe;
mod verdict;

#[cfg(test)]
mod tests;

use futures_util::future::join_all;
use serde::Serialize;

use super::Foundry;
use crate::config::{Deployment, TokensParam};

pub use probe::{Resolve, SystemResolver};

/// What a finding is about, in the order the checks run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The endpoint's host name resolves.
    Dns,
    /// A connection opens (firewall, private endpoint).
    Connect,
    /// The server's certificate is trusted.
    Tls,
    /// A credential is acquired, and the service accepts it.
    Auth,
    /// The identity holds a role that may call the deployment (403).
    Role,
    /// The deployment exists at this endpoint and api-version (404).
    Deployment,
    /// Which API the deployment answers: chat completions, or the Responses API only.
    Api,
    /// A thinking model's output budget.
    Thinking,
    /// What is left of the deployment's quota this minute.
    Quota,
    /// The service's own health (5xx).
    Service,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Dns => "dns",
            Check::Connect => "connect",
            Check::Tls => "tls",
            Check::Auth => "auth",
            Check::Role => "role",
            Check::Deployment => "deployment",
            Check::Api => "api",
            Check::Thinking => "thinking",
            Check::Quota => "quota",
            Check::Service => "service",
        }
    }
}

/// How a check came out.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Calls work, but something will cost a failed call, a refusal or money: fix it.
    Warn,
    /// Calls to this deployment fail until it is fixed.
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One finding of `foundry doctor`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub deployment: String,
    pub check: Check,
    pub status: Status,
    /// What was seen ("gpt-5.4 answered through /chat/completions in 212 ms").
    pub detail: String,
    /// What to do about it, when it is not ok: the guide's `az` command or the catalog key.
    pub fix: Option<String>,
}

impl Foundry {
    /// Examines every deployment of the catalog concurrently. Performs network I/O and sends one
    /// small billed request per deployment whose endpoint and credential check out. Never fails
    /// as a whole: each deployment reports its findings, in catalog order.
    pub async fn doctor(&self) -> Vec<Finding> {
        self.doctor_with(&SystemResolver).await
    }

    /// [`Foundry::doctor`] with another name resolver (tests, or a resolver the caller trusts).
    pub async fn doctor_with(&self, resolver: &dyn Resolve) -> Vec<Finding> {
        let deployments = &self.inner.catalog.deployments;
        let examined = join_all(deployments.iter().map(|d| self.examine(d, resolver))).await;
        examined.into_iter().flatten().collect()
    }

    /// Every check of one deployment, stopping at the first that makes the next ones moot.
    async fn examine(&self, d: &Deployment, resolver: &dyn Resolve) -> Vec<Finding> {
        let mut report = verdict::Report::new(d);
        if !verdict::resolved(&mut report, probe::resolve(d, resolver).await) {
            return report.findings;
        }
        if !verdict::credential(&mut report, self.probe_credential(d).await) {
            return report.findings;
        }
        let first = self.probe_call(d, d.responses_only).await;
        match verdict::answer(&mut report, &first) {
            verdict::Answered::ChatUnsupported => {
                let again = self.probe_call(d, true).await;
                verdict::reprobed(&mut report, verdict::Reprobe::Responses, &again);
            }
            verdict::Answered::WantsCompletionTokens => {
                let mut corrected = d.clone();
                corrected.max_tokens_param = TokensParam::MaxCompletionTokens;
                let again = self.probe_call(&corrected, d.responses_only).await;
                verdict::reprobed(&mut report, verdict::Reprobe::CompletionTokens, &again);
            }
            verdict::Answered::Yes | verdict::Answered::No => {}
        }
        report.findings
    }
}
