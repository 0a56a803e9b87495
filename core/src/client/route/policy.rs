//! Policy before any I/O: the catalog's `governance.policies` that hold for the client's
//! scope are checked at each attempt (a fallback deployment included), after its body is
//! built and before anything is reserved or sent. Each decision is reported as an event.

use serde_json::Value;

use crate::config::{Deployment, Policy};
use crate::events::{Event, EventSink, PolicyEvent};
use crate::{Error, ErrorKind, Result};

/// The policies that hold for one client.
#[derive(Debug)]
pub(crate) struct Policies {
    rules: Vec<Policy>,
    events: EventSink,
}

/// What one attempt shows the policies.
pub(crate) struct Proposed<'a> {
    pub deployment: &'a Deployment,
    pub body: Option<&'a Value>,
    /// The body's input bound (`govern::estimate::input_bound`), measured once per attempt.
    pub input_bound: &'a dyn Fn() -> u64,
    /// Every header the attempt will carry, names lowercased.
    pub has_header: &'a dyn Fn(&str) -> bool,
}

/// The estimated tokens of a prompt of `bytes` UTF-8 bytes (about 4 per token for English
/// with the GPT tokenizers): a size limit, not a bound of the bill.
fn estimated_tokens(bytes: u64) -> u64 {
    bytes.div_ceil(4)
}

impl Policies {
    /// The catalog's policies that hold for `client_scopes` (the client's scope and the
    /// scopes enclosing it); None when there are none.
    pub fn for_client(
        all: &[Policy],
        client_scopes: &[String],
        events: EventSink,
    ) -> Option<Policies> {
        let rules: Vec<Policy> = all
            .iter()
            .filter(|p| p.scope.as_ref().is_none_or(|s| client_scopes.contains(s)))
            .cloned()
            .collect();
        (!rules.is_empty()).then_some(Policies { rules, events })
    }

    /// Admits the attempt, or refuses it naming the rule and the fix.
    pub fn check(&self, attempt: &Proposed<'_>) -> Result<()> {
        let d = attempt.deployment;
        let verdict = self.rules.iter().try_for_each(|p| rule_check(p, attempt));
        let (allowed, rule, scope) = match &verdict {
            Ok(()) => (true, None, None),
            Err((rule, scope, _)) => (false, Some(*rule), scope.clone()),
        };
        let event = || {
            Event::Policy(PolicyEvent {
                deployment: d.name.clone(),
                allowed,
                rule,
                scope,
            })
        };
        match verdict {
            Ok(()) => {
                self.events.decision(event);
                Ok(())
            }
            Err((_, _, error)) => {
                self.events.notice(event);
                Err(error.with_deployment(d.name.clone()).with_retryable(false))
            }
        }
    }
}

type Refusal = (&'static str, Option<String>, Error);

fn rule_check(p: &Policy, attempt: &Proposed<'_>) -> std::result::Result<(), Refusal> {
    let d = attempt.deployment;
    // Written only for a refusal: an allowed call formats nothing.
    let whose = || match &p.scope {
        Some(s) => format!("scope '{s}'"),
        None => "the catalog".to_string(),
    };
    let refuse = |rule: &'static str, message: String, hint: String| {
        Err((
            rule,
            p.scope.clone(),
            Error::new(ErrorKind::Policy, message).with_hint(hint),
        ))
    };
    if let Some(approved) = &p.approved {
        if !approved.iter().any(|a| a == &d.name) {
            return refuse(
                "approved",
                format!("'{}' was not called: {} approves only {}", d.name, whose(), approved.join(", ")),
                format!("call one of the approved deployments ({}), or add '{}' to the policy's `approved` list", approved.join(", "), d.name),
            );
        }
    }
    if let Some(header) = &p.require_header {
        if !(attempt.has_header)(header) {
            return refuse(
                "require_header",
                format!("'{}' was not called: {} requires the header '{header}' on every call", d.name, whose()),
                format!("send it with the request's extra_headers (or the client's default headers), e.g. {{\"{header}\": \"<correlation id>\"}}"),
            );
        }
    }
    if let (Some(limit), Some(_)) = (p.max_prompt_tokens, attempt.body) {
        let tokens = estimated_tokens((attempt.input_bound)());
        if tokens > limit {
            return refuse(
                "max_prompt_tokens",
                format!("'{}' was not called: the prompt is about {tokens} tokens, over the {limit} that {} allows", d.name, whose()),
                "shorten the prompt (or split it), or raise the policy's `max_prompt_tokens`".to_string(),
            );
        }
    }
    Ok(())
}
