//! `governance.scopes`: scopes declared in the catalog, the gateway's virtual keys written
//! down. Each entry is sugar: its budget becomes a budget line for its path, its models a
//! policy for its path, its `rpm` / `tpm` a rate-limit lane its calls wait in, and its tags go
//! with its calls' result events. A client whose `governance.scope` (or a handle made by
//! `client.scope(name)`) falls inside the path counts against all of it.
//!
//! A LiteLLM key definition loads as is (`key_alias`, `models`, `max_budget`, `soft_budget`,
//! `budget_duration`, `tpm_limit`, `rpm_limit`), so a gateway's keys port without rewriting:
//!
//! ```yaml
//! governance:
//!   scopes:
//!     - name: acme/search
//!       models: [gpt-5.4]
//!       budget: {hard_usd: 200, window: month, time_zone: Europe/Berlin}
//!       rpm: 120
//!       tags: {cost_center: "4711"}
//!     - key_alias: acme/search/bot          # LiteLLM's fields
//!       max_budget: 25
//!       soft_budget: 20
//!       budget_duration: 30d
//!       tpm_limit: 20000
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::governance::{check_scope_path, resolve_budget, resolve_policy, RawBudget, RawPolicy};
use super::{Deployment, Policy};
use crate::govern::Budget;
use crate::{Error, Result};

/// A scope's rate limits and tags (its budget and models became budget lines and policies).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeclaredScope {
    pub path: String,
    pub tpm: Option<u64>,
    pub rpm: Option<u64>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScope {
    name: Option<String>,
    models: Option<Vec<String>>,
    budget: Option<RawScopeBudget>,
    rpm: Option<u64>,
    tpm: Option<u64>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    // LiteLLM's key fields.
    key_alias: Option<String>,
    max_budget: Option<f64>,
    soft_budget: Option<f64>,
    budget_duration: Option<String>,
    rpm_limit: Option<u64>,
    tpm_limit: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScopeBudget {
    hard_usd: f64,
    window: Option<String>,
    time_zone: Option<String>,
    soft: Option<Vec<f64>>,
}

/// What one declared scope adds to the governance section.
pub(super) struct Resolved {
    pub scope: DeclaredScope,
    pub budget: Option<Budget>,
    pub policy: Option<Policy>,
}

/// One of two spellings of a key (ours or LiteLLM's); both is an error.
fn one_of<T>(
    ours: Option<T>,
    theirs: Option<T>,
    names: (&str, &str),
    bad: &dyn Fn(&str, String, &str) -> Error,
) -> Result<Option<T>> {
    match (ours, theirs) {
        (Some(_), Some(_)) => Err(bad(
            names.0,
            format!(
                "is given twice, as {} and as {}",
                names.0.rsplit('.').next().unwrap_or(names.0),
                names.1
            ),
            "keep one of the two spellings",
        )),
        (ours, theirs) => Ok(ours.or(theirs)),
    }
}

/// LiteLLM's `budget_duration` as a window: `30s` / `30m` / `30h` / `30d` roll; `1mo` is the
/// calendar month. Without one, LiteLLM's budget never resets.
fn litellm_window(duration: Option<&str>) -> std::result::Result<String, String> {
    match duration.map(str::trim) {
        None => Ok("total".into()),
        Some("1mo") => Ok("month".into()),
        Some(d) if d.ends_with("mo") => Err(format!(
            "'{d}': only 1mo (the calendar month) is a month window here"
        )),
        Some(d) => Ok(d.to_string()),
    }
}

pub(super) fn resolve_scope(
    raw: RawScope,
    key: &str,
    deployments: &[Deployment],
    bad: &dyn Fn(&str, String, &str) -> Error,
) -> Result<Resolved> {
    let path = one_of(
        raw.name,
        raw.key_alias,
        (&format!("{key}.name"), "key_alias"),
        bad,
    )?
    .ok_or_else(|| {
        bad(
            &format!("{key}.name"),
            "is missing".into(),
            "name the scope's path, such as acme/search/bot",
        )
    })?;
    check_scope_path(&path).map_err(|p| {
        bad(
            &format!("{key}.name"),
            p,
            "a path of teams, such as acme/search/bot",
        )
    })?;
    let rpm = one_of(
        raw.rpm,
        raw.rpm_limit,
        (&format!("{key}.rpm"), "rpm_limit"),
        bad,
    )?;
    let tpm = one_of(
        raw.tpm,
        raw.tpm_limit,
        (&format!("{key}.tpm"), "tpm_limit"),
        bad,
    )?;
    let litellm_budget = match raw.max_budget {
        None => {
            if raw.soft_budget.is_some() || raw.budget_duration.is_some() {
                return Err(bad(
                    &format!("{key}.max_budget"),
                    "is missing, yet soft_budget or budget_duration is given".into(),
                    "give the hard cap in USD as max_budget",
                ));
            }
            None
        }
        Some(max) => {
            let window = litellm_window(raw.budget_duration.as_deref()).map_err(|p| {
                bad(
                    &format!("{key}.budget_duration"),
                    p,
                    "30s, 30m, 30h, 30d, or 1mo",
                )
            })?;
            let soft = match raw.soft_budget {
                None => None,
                Some(soft) if soft > 0.0 && soft < max => Some(vec![soft / max]),
                Some(soft) => {
                    return Err(bad(
                        &format!("{key}.soft_budget"),
                        format!("{soft} is not between 0 and max_budget ({max})"),
                        "the spend in USD at which to alert, below max_budget",
                    ))
                }
            };
            Some(RawBudget {
                scope: path.clone(),
                window,
                time_zone: None,
                hard_usd: max,
                soft,
            })
        }
    };
    let ours = raw.budget.map(|b| RawBudget {
        scope: path.clone(),
        window: b.window.unwrap_or_else(|| "month".into()),
        time_zone: b.time_zone,
        hard_usd: b.hard_usd,
        soft: b.soft,
    });
    let budget = one_of(
        ours,
        litellm_budget,
        (&format!("{key}.budget"), "max_budget"),
        bad,
    )?
    .map(|b| resolve_budget(b, &format!("{key}.budget"), deployments, bad))
    .transpose()?;
    let policy = raw
        .models
        .map(|models| {
            let raw = RawPolicy {
                scope: Some(path.clone()),
                approved: Some(models),
                max_prompt_tokens: None,
                require_header: None,
            };
            resolve_policy(raw, key, deployments, &|k: &str, p, h| {
                bad(&k.replace(".approved", ".models"), p, h)
            })
        })
        .transpose()?;
    Ok(Resolved {
        scope: DeclaredScope {
            path,
            tpm,
            rpm,
            tags: raw.tags,
        },
        budget,
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::super::keys::{assert_listed, fields_of};
    use super::*;

    #[test]
    fn catalog_keys_lists_every_scope_field() {
        assert_listed("governance.scopes[]", fields_of::<RawScope>());
        assert_listed("governance.scopes[].budget", fields_of::<RawScopeBudget>());
    }
}
