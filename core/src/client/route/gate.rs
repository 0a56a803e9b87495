//! The governance gate every attempt passes before it is sent (issue 11): the policies, then
//! the rate-limit lanes, then the budget reservation. In that order, so a refusal holds
//! nothing it would have to give back: a policy refusal takes no quota, and a call that
//! waited its turn in the queue is checked against the budget as it stands when it leaves.
//! All in process, with no I/O but the embedded ledger's.

use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

use super::lane::Priority;
use super::pacing::Grant;
use super::policy::Proposed;
use super::spend::AttemptHold;
use crate::client::payload::Payload;
use crate::client::Foundry;
use crate::config::Deployment;
use crate::types::{Api, ChatRequest};
use crate::{Error, Result};

/// What an attempt holds once the gate let it through.
pub(crate) struct Passed {
    /// Its grants of local rate limit.
    pub pace: Option<Grant>,
    /// Its budget reservation.
    pub hold: Option<AttemptHold>,
}

impl Foundry {
    /// Passes `body`, bound for `d` through `api`, through the gate: waits in the rate-limit
    /// queues until `deadline` at most, and may give the body its output bound.
    pub(super) async fn gate(
        &self,
        payload: Payload<'_>,
        deadline: Instant,
        d: &Deployment,
        api: Api,
        body: &mut Option<Value>,
    ) -> Result<Passed> {
        // A client field: the call's class in the local rate-limit queue, never sent.
        let priority = Priority::parse(
            body.as_mut()
                .and_then(Value::as_object_mut)
                .and_then(|b| b.remove("priority"))
                .as_ref(),
        )?;
        // The prompt's size is measured at most once, and only when a rule, a lane or a budget
        // asks for it: the measure walks the whole prompt.
        // (A `OnceLock`, not a `Cell`: the pacing closure is held across an await.)
        let measured = OnceLock::new();
        let input_bound = || {
            *measured.get_or_init(|| {
                body.as_ref()
                    .and_then(Value::as_object)
                    .map_or(0, crate::govern::estimate::input_bound)
            })
        };
        if let Some(policies) = &self.inner.policies {
            policies.check(&Proposed {
                deployment: d,
                body: body.as_ref(),
                input_bound: &input_bound,
                has_header: &|name| carries_header(self, payload, d, name),
            })?;
        }
        let output_bound = self.inner.catalog.governance.output_bound;
        let tokens = || paced_tokens(body.as_ref(), input_bound(), output_bound);
        let pace = self
            .inner
            .pacing
            .admit(
                d,
                tokens,
                priority,
                tokio::time::Instant::from_std(deadline),
            )
            .await?;
        // Each attempt is billed on its own, so each reserves before it is sent.
        let hold = match &self.inner.spending {
            Some(spending) => {
                let time_left = deadline.saturating_duration_since(Instant::now());
                let measured = measured.get().copied();
                match spending
                    .hold(d, api, body.as_mut(), measured, time_left)
                    .await
                {
                    Ok(hold) => hold,
                    Err(e) => {
                        pace.into_iter().for_each(Grant::release);
                        return Err(e);
                    }
                }
            }
            None => None,
        };
        Ok(Passed { pace, hold })
    }

    /// The gate's decision for `request` at its first deployment, every grant given back
    /// afterwards: what governance adds to a call, for the benchmark (no network I/O).
    #[doc(hidden)]
    pub async fn governance_decision(&self, request: &ChatRequest) -> Result<()> {
        let payload = Payload::Chat(request);
        let target = self.inner.catalog.resolve(payload.model())?;
        let d = target
            .deployments
            .first()
            .ok_or_else(|| Error::config("the route has no deployments"))?;
        let api = payload.api_for(d);
        let mut body = payload.body(d, api, false)?;
        let deadline = super::deadline_after(self.call_budget(payload)?)?;
        let Passed { pace, hold } = self.gate(payload, deadline, d, api, &mut body).await?;
        pace.into_iter().for_each(Grant::release);
        hold.into_iter().for_each(AttemptHold::release);
        Ok(())
    }
}

/// Whether the attempt sends header `name` (lowercase) from the catalog or the request.
fn carries_header(client: &Foundry, payload: Payload<'_>, d: &Deployment, name: &str) -> bool {
    let defaults = &client.inner.catalog.defaults.headers;
    defaults
        .keys()
        .chain(d.headers.keys())
        .chain(payload.extra_headers().keys())
        .any(|k| k.eq_ignore_ascii_case(name))
}

/// What an attempt counts against its deployment's TPM, as Azure's admission does: the
/// prompt's estimated tokens (UTF-8 bytes / 4) plus the output bound.
fn paced_tokens(body: Option<&Value>, input_bound: u64, default_output: u64) -> u64 {
    let Some(params) = body.and_then(Value::as_object) else {
        return 0;
    };
    let output = crate::govern::estimate::output_limit(params).unwrap_or(default_output);
    input_bound.div_ceil(4).saturating_add(output)
}
