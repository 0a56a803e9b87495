//! Scoped handles: the gateway's virtual keys, in process. `client.scope(spec)` returns a
//! client whose calls count for a child scope of the client's (`acme/search` → `acme/search/bot`),
//! checked against the handle's own budget and approved models and every enclosing scope's.
//! A handle shares its parent's connections, tokens, breakers and ledger; revoking it fails
//! its later calls, and those of handles derived from it, before anything is sent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Deserialize;

use super::route::policy::Policies;
use super::route::spend::Spending;
use super::{Foundry, Inner};
use crate::config::{check_scope_name, handle_budget, Policy, ScopeBudget};
use crate::{Error, ErrorKind, Result};

/// What a scoped handle may do (LiteLLM's virtual-key fields: `models`, `max_budget`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScopeSpec {
    /// One path segment: letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// The deployments the handle may call; None: whatever its parent may.
    pub models: Option<Vec<String>>,
    pub budget: Option<ScopeBudget>,
    /// The handle's own rate limits, on top of its parents' (a queue, like a deployment's).
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    /// Sent with the handle's result events (a cost centre, a team), on top of its parents'.
    pub tags: BTreeMap<String, String>,
}

/// `scope(name, options)`'s options as every binding passes them (a dict, a JS object), by
/// the spec's snake_case names; a missing or null key is "not given".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeOptions {
    models: Option<Vec<String>>,
    budget: Option<ScopeBudget>,
    rpm: Option<u64>,
    tpm: Option<u64>,
    tags: Option<BTreeMap<String, String>>,
}

impl ScopeSpec {
    /// The spec of `scope(name, options)` from the options as JSON (`null`: none), so that
    /// every binding reads them alike and reports the same message.
    pub fn from_json(name: &str, options: &serde_json::Value) -> Result<ScopeSpec> {
        let options = match options {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            other => other.clone(),
        };
        let o = ScopeOptions::deserialize(options).map_err(|e| {
            Error::config(format!("scope('{name}'): {e}")).with_hint(
                "give models (deployment names), budget {hard_usd, window, time_zone, soft}, \
                 rpm, tpm (whole numbers) or tags (text values)",
            )
        })?;
        Ok(ScopeSpec {
            name: name.to_string(),
            models: o.models,
            budget: o.budget,
            rpm: o.rpm,
            tpm: o.tpm,
            tags: o.tags.unwrap_or_default(),
        })
    }
}

/// The revocation flags of a handle and of every handle it was derived from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Revocation {
    /// (scope path, flag), outermost first.
    flags: Vec<(String, Arc<AtomicBool>)>,
}

impl Revocation {
    /// Fails when this handle or one it came from was revoked.
    pub fn check(&self) -> Result<()> {
        match self.flags.iter().find(|(_, f)| f.load(Ordering::Acquire)) {
            None => Ok(()),
            Some((scope, _)) => Err(Error::new(
                ErrorKind::Revoked,
                format!("the scoped handle '{scope}' was revoked: no call is sent through it"),
            )
            .with_retryable(false)),
        }
    }
}

impl Foundry {
    /// A scoped handle: a client whose calls count for `spec.name` inside this client's scope.
    pub fn scope(&self, spec: ScopeSpec) -> Result<Foundry> {
        let inner = &self.inner;
        check_scope_name(&spec.name).map_err(|m| {
            Error::config(format!("scope name: {m}"))
                .with_hint("name the handle with letters, digits, - _ or ., such as search-bot")
        })?;
        let mut catalog = inner.catalog.clone();
        let path = match &catalog.governance.scope {
            Some(parent) => format!("{parent}/{}", spec.name),
            None => spec.name.clone(),
        };
        if let Some(models) = &spec.models {
            for model in models {
                catalog.resolve(model).map_err(|e| {
                    Error::config(format!("scope('{}').models: {}", spec.name, e.message))
                        .with_hint(e.hint.clone())
                })?;
            }
            catalog.governance.policies.push(Policy {
                scope: Some(path.clone()),
                approved: Some(models.clone()),
                ..Policy::default()
            });
        }
        if let Some(budget) = &spec.budget {
            let budget = handle_budget(&path, &spec.name, budget)?;
            catalog.governance.budgets.push(budget);
        }
        catalog.governance.scope = Some(path.clone());
        let g = &catalog.governance;
        let spending = match &inner.spending {
            Some(parent) => Some(Arc::new(parent.for_governance(g))),
            None => Spending::open(
                g,
                &catalog.deployments,
                inner.env.0.as_ref(),
                inner.events.clone(),
                &inner.http,
            )?,
        };
        let policies = Policies::for_client(&g.policies, &g.client_scopes(), inner.events.clone())
            .map(Arc::new);
        let pacing = inner.pacing.for_handle(&path, spec.tpm, spec.rpm)?;
        // The innermost wins: the parent's tags, the path's declared ones, the handle's own.
        let mut tags = inner.events.tags().clone();
        if let Some(declared) = catalog.governance.declared(&path) {
            tags.extend(declared.tags.clone());
        }
        tags.extend(spec.tags);
        let events = inner.events.for_scope(path.clone(), tags);
        let mut revocation = inner.revocation.clone();
        revocation.flags.push((path, Arc::default()));
        Ok(Foundry {
            inner: Arc::new(Inner {
                catalog,
                spending,
                policies,
                revocation,
                pacing,
                events,
                ..(**inner).clone()
            }),
        })
    }

    /// Revokes this scoped handle: its later calls, and those of handles derived from it,
    /// fail with `revoked` before anything is sent. Calls in flight finish. A client that is
    /// not a scoped handle cannot be revoked (an error says so).
    pub fn revoke(&self) -> Result<()> {
        match self.inner.revocation.flags.last() {
            Some((_, flag)) => {
                flag.store(true, Ordering::Release);
                Ok(())
            }
            None => Err(Error::invalid_request(
                "only a scoped handle can be revoked, and this client is not one",
            )
            .with_hint("revoke the handle that client.scope(...) returned")),
        }
    }

    /// The scope path this client's calls count for, when it has one.
    pub fn scope_path(&self) -> Option<&str> {
        self.inner.catalog.governance.scope.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_options_of_every_binding_read_alike() {
        let spec = ScopeSpec::from_json(
            "bot",
            &json!({"models": ["m"], "budget": {"hard_usd": 5, "window": "day", "soft": null},
                    "rpm": 6, "tpm": null, "tags": {"team": "search"}}),
        )
        .expect("spec");
        assert_eq!(spec.name, "bot");
        assert_eq!(spec.models, Some(vec!["m".to_string()]));
        assert_eq!(spec.budget.as_ref().map(|b| b.hard_usd), Some(5.0));
        assert_eq!(spec.rpm, Some(6));
        assert_eq!(spec.tags["team"], "search");
        assert_eq!(
            ScopeSpec::from_json("bot", &serde_json::Value::Null).expect("none"),
            ScopeSpec {
                name: "bot".into(),
                ..ScopeSpec::default()
            }
        );
    }

    #[test]
    fn a_wrong_option_is_named_with_the_scope() {
        let e = ScopeSpec::from_json("bot", &json!({"budget": {"hard_usd": 1, "cap": 2}}))
            .expect_err("unknown key");
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message.starts_with("scope('bot'): "), "{e}");
        assert!(e.message.contains("cap"), "{e}");
        let e = ScopeSpec::from_json("bot", &json!({"rpm": 1.5})).expect_err("a fraction");
        assert!(e.message.contains("scope('bot')"), "{e}");
    }
}
