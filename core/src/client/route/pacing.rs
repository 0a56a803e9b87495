//! Rate limits that queue instead of failing (issue 11). Two kinds of [`Lane`]:
//!
//! - a deployment's, with `governance.rate_limits: true`, for each deployment with a `tpm` (or
//!   `rpm`): `rpm` defaults to Azure's 6 per 1,000 `tpm`, and the lane is tightened by what
//!   the service reports (`x-ratelimit-remaining-*`, a 429) so a quota shared with other
//!   clients is not overrun;
//! - a scope's, for each scope given an `rpm` / `tpm` (a catalog `governance.scopes` entry or
//!   a handle's `scope(..., rpm=, tpm=)`): the scope's calls, whatever their deployment.
//!
//! An attempt waits for every lane it counts for, the outermost scope first and its
//! deployment last, before it is sent; a call whose wait would pass its deadline fails at
//! once with a local `rate_limit` error (a route then moves on to its next deployment).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::lane::{Admission, Lane, LaneOf};
pub use super::lane::{LimitLine, Priority};
use crate::config::{Deployment, Governance};
use crate::govern::governor::enclosing_scopes;
use crate::{Error, Result};

/// The lanes of a client and of every handle derived from it.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    deployments: HashMap<String, Arc<Lane>>,
    /// Scope path -> its lane; handles of one scope share it.
    scopes: Mutex<HashMap<String, Arc<Lane>>>,
}

/// What one client's calls are paced by: the shared lanes, and which scope lanes are its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacing {
    pacer: Arc<Pacer>,
    /// The lanes of the client's scope and of the scopes enclosing it, outermost first.
    scopes: Vec<Arc<Lane>>,
}

/// Every lane's grant to one attempt.
#[derive(Debug, Default)]
pub(crate) struct Grant {
    admissions: Vec<Admission>,
}

impl Grant {
    /// The attempt used `actual` tokens: each lane gets back the rest of its grant.
    pub fn settle(self, actual: u64) {
        for admission in self.admissions {
            admission.settle(actual);
        }
    }

    /// Nothing was sent: every lane gets its whole grant back.
    pub fn release(self) {
        self.admissions.into_iter().for_each(Admission::release);
    }

    /// How long the call waited in the queues.
    pub fn waited(&self) -> Duration {
        self.admissions.iter().map(|a| a.waited).sum()
    }
}

impl Pacing {
    /// The pacing of a client built from a catalog.
    pub fn for_catalog(g: &Governance, deployments: &[Deployment]) -> Pacing {
        // On a fleet's Redis store these limits are kept there, for every process at once
        // (route/spend.rs); handles' own limits stay local.
        let fleet = matches!(g.ledger, crate::config::LedgerStore::Redis(_));
        let deployment_lanes = match g.rate_limits && !fleet {
            true => deployments
                .iter()
                .filter_map(|d| {
                    // Azure grants 6 RPM per 1,000 TPM.
                    let rpm = d.rpm.or_else(|| d.tpm.map(|t| (t * 6 / 1000).max(1)));
                    Lane::new(LaneOf::Deployment(d.name.clone()), d.tpm, rpm)
                        .map(|lane| (d.name.clone(), Arc::new(lane)))
                })
                .collect(),
            false => HashMap::new(),
        };
        let scope_lanes = g
            .scopes
            .iter()
            .filter(|_| !fleet)
            .filter_map(|s| {
                Lane::new(LaneOf::Scope(s.path.clone()), s.tpm, s.rpm)
                    .map(|lane| (s.path.clone(), Arc::new(lane)))
            })
            .collect::<HashMap<_, _>>();
        let pacer = Arc::new(Pacer {
            deployments: deployment_lanes,
            scopes: Mutex::new(scope_lanes),
        });
        let scopes = g
            .scope
            .as_deref()
            .map(|path| pacer.scope_lanes(&enclosing_scopes(path)))
            .unwrap_or_default();
        Pacing { pacer, scopes }
    }

    /// The pacing of a handle for scope `path` inside this client's: its own lane when it has
    /// limits (shared with other handles of the same scope, which must give the same ones).
    pub fn for_handle(&self, path: &str, tpm: Option<u64>, rpm: Option<u64>) -> Result<Pacing> {
        let mut lanes = self.pacer.lock_scopes();
        let lane = match (
            lanes.get(path),
            Lane::new(LaneOf::Scope(path.into()), tpm, rpm),
        ) {
            (Some(existing), Some(_)) if !existing.limits_are(tpm, rpm) => {
                let line = existing.line();
                return Err(Error::config(format!(
                    "scope '{path}' is already limited to tpm {} / rpm {}; a handle of the \
                     same scope cannot set other limits",
                    shown(line.tpm),
                    shown(line.rpm)
                ))
                .with_hint("give the handle the scope's limits, or none (it then shares them)"));
            }
            (Some(existing), _) => Some(existing.clone()),
            (None, Some(new)) => {
                let new = Arc::new(new);
                lanes.insert(path.to_string(), new.clone());
                Some(new)
            }
            (None, None) => None,
        };
        drop(lanes);
        let mut scopes = self.scopes.clone();
        scopes.extend(lane);
        Ok(Pacing {
            pacer: self.pacer.clone(),
            scopes,
        })
    }

    /// Waits for `d`'s lane and every scope lane of the client, in `priority`'s place in line,
    /// until `deadline`. None when nothing paces the call.
    pub async fn admit(
        &self,
        d: &Deployment,
        tokens: impl FnOnce() -> u64,
        priority: Priority,
        deadline: Instant,
    ) -> Result<Option<Grant>> {
        let deployment = self.pacer.deployments.get(&d.name);
        if self.scopes.is_empty() && deployment.is_none() {
            return Ok(None);
        }
        let tokens = tokens();
        let mut grant = Grant::default();
        for lane in self.scopes.iter().chain(deployment) {
            match lane.admit(tokens, priority, deadline).await {
                Ok(admission) => grant.admissions.push(admission),
                Err(e) => {
                    // Nothing is sent: the lanes already passed get their grants back.
                    grant.admissions.into_iter().for_each(Admission::release);
                    return Err(e.with_deployment(d.name.clone()));
                }
            }
        }
        Ok(Some(grant))
    }

    /// Whether an answer from `d` is read for the service's remaining quota.
    pub fn observes(&self, d: &Deployment) -> bool {
        // Every answer asks: without paced deployments, no name is hashed.
        !self.pacer.deployments.is_empty() && self.pacer.deployments.contains_key(&d.name)
    }

    /// The service answered `d`'s attempt with these headers.
    pub fn observe(&self, d: &Deployment, headers: &HeaderMap) {
        if let Some(lane) = self.pacer.deployments.get(&d.name) {
            let read = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let tokens = read("x-ratelimit-remaining-tokens");
            let requests = read("x-ratelimit-remaining-requests");
            if tokens.is_some() || requests.is_some() {
                lane.observe(tokens, requests);
            }
        }
    }

    /// The service answered 429: its quota is spent now, whatever the local count says.
    pub fn throttled(&self, d: &Deployment) {
        if let Some(lane) = self.pacer.deployments.get(&d.name) {
            lane.empty();
        }
    }

    /// Every lane of the client and its handles: the scopes', then the deployments', by name.
    pub fn lines(&self) -> Vec<LimitLine> {
        let by_name = |mut lines: Vec<LimitLine>| {
            lines.sort_by(|a, b| a.limits.cmp(&b.limits));
            lines
        };
        let scopes = by_name(
            self.pacer
                .lock_scopes()
                .values()
                .map(|l| l.line())
                .collect(),
        );
        let deployments = by_name(self.pacer.deployments.values().map(|l| l.line()).collect());
        scopes.into_iter().chain(deployments).collect()
    }
}

impl Pacer {
    fn lock_scopes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Lane>>> {
        // Inserts are single operations: the map is whole even after a panic elsewhere.
        self.scopes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn scope_lanes(&self, paths: &[String]) -> Vec<Arc<Lane>> {
        let lanes = self.lock_scopes();
        paths.iter().filter_map(|p| lanes.get(p).cloned()).collect()
    }
}

fn shown(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".into(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Catalog;
    use reqwest::header::HeaderValue;

    fn catalog(deployment: &str, governance: &str) -> Catalog {
        let text = format!(
            "defaults: {{endpoint: 'http://127.0.0.1:9/', auth: {{type: none}}}}\n\
             deployments:\n  - {{name: d, {deployment}}}\ngovernance:\n{governance}"
        );
        Catalog::from_str_with_env(&text, "t.yaml", &|_| None).unwrap()
    }

    fn pacing(c: &Catalog) -> Pacing {
        Pacing::for_catalog(&c.governance, &c.deployments)
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(600)
    }

    #[test]
    fn a_deployment_gets_azures_six_rpm_per_thousand_tpm_tokens_over_10_s_requests_over_1_s() {
        let c = catalog("tpm: 60000", "  rate_limits: true\n");
        let lines = pacing(&c).lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].limits, "deployment:d");
        assert_eq!((lines[0].tpm, lines[0].rpm), (Some(60_000), Some(360)));
        assert_eq!(lines[0].tokens_available, 10_000);
        assert_eq!(lines[0].requests_available, 6);
    }

    #[test]
    fn without_rate_limits_no_deployment_is_paced() {
        let c = catalog("tpm: 60000", "  scope: acme\n");
        assert!(pacing(&c).lines().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_too() {
        // 600 tpm gives 3 rpm (6 per 1,000 tpm, rounded down): one request per 20 s.
        let c = catalog("tpm: 600", "  rate_limits: true\n");
        let (p, d) = (pacing(&c), &c.deployments[0]);
        p.admit(d, || 1, Priority::Normal, far()).await.unwrap();
        let started = Instant::now();
        p.admit(d, || 1, Priority::Normal, far()).await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(19) && waited <= Duration::from_secs(21),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_declared_scope_paces_its_clients_calls_and_a_handles_own_limit_adds_to_it() {
        // acme: 6 rpm, one request a window of 10 s; the deployment is not paced.
        let c = catalog(
            "tpm: 600",
            "  scope: acme/search\n  scopes:\n    - {name: acme, rpm: 6}\n",
        );
        let (p, d) = (pacing(&c), &c.deployments[0]);
        assert_eq!(p.lines().len(), 1, "the scope's lane only");
        p.admit(d, || 1, Priority::Normal, far()).await.unwrap();
        let e = p
            .admit(
                d,
                || 1,
                Priority::Normal,
                Instant::now() + Duration::from_secs(2),
            )
            .await
            .expect_err("a 10 s wait, 2 s left");
        assert_eq!(e.kind(), crate::ErrorKind::RateLimit);
        assert!(e.message.contains("scope 'acme'"), "{e}");
        // A handle inside it waits in acme's lane and in its own.
        let bot = p.for_handle("acme/search/bot", Some(100), None).unwrap();
        let lines = bot.lines();
        let names: Vec<&str> = lines.iter().map(|l| l.limits.as_str()).collect();
        assert_eq!(names, ["acme", "acme/search/bot"]);
        // Another handle of the same scope shares its lane, and cannot set other limits.
        let again = p.for_handle("acme/search/bot", None, None).unwrap();
        assert_eq!(again.lines().len(), 2);
        let e = p
            .for_handle("acme/search/bot", Some(5), None)
            .expect_err("other limits");
        assert!(
            e.message
                .contains("already limited to tpm 100 / rpm unlimited"),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_lane_gives_the_lanes_before_it_their_grants_back() {
        // The scope admits; the deployment (600 tpm, 100 a window) refuses a call needing a
        // whole window behind one that took it.
        let c = catalog(
            "tpm: 600, rpm: 100000",
            "  rate_limits: true\n  scope: acme\n  scopes:\n    - {name: acme, tpm: 60000}\n",
        );
        let (p, d) = (pacing(&c), &c.deployments[0]);
        p.admit(d, || 100, Priority::Normal, far()).await.unwrap();
        let scope_before = p.lines()[0].tokens_available;
        let soon = Instant::now() + Duration::from_secs(1);
        p.admit(d, || 100, Priority::Normal, soon)
            .await
            .expect_err("the deployment's lane refuses");
        assert_eq!(p.lines()[0].tokens_available, scope_before);
    }

    #[tokio::test(start_paused = true)]
    async fn the_services_remaining_headers_tighten_the_deployments_lane() {
        let c = catalog("tpm: 60000", "  rate_limits: true\n");
        let (p, d) = (pacing(&c), &c.deployments[0]);
        assert!(p.observes(d));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ratelimit-remaining-tokens",
            HeaderValue::from_static("120"),
        );
        headers.insert(
            "x-ratelimit-remaining-requests",
            HeaderValue::from_static("3"),
        );
        p.observe(d, &headers);
        let line = &p.lines()[0];
        assert_eq!(line.tokens_available, 120);
        assert_eq!(line.requests_available, 3);
        assert_eq!(line.service_remaining_tokens, Some(120));
        // A 429 empties it.
        p.throttled(d);
        assert_eq!(p.lines()[0].tokens_available, 0);
    }
}
