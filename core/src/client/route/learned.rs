//! Facts the service taught us about deployments at run time, shared by every call of a
//! client: a deployment that answered "operation unsupported" is responses-only, one that
//! rejected `max_tokens` wants `max_completion_tokens`. Each costs one extra request, once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::{Deployment, TokensParam};

#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    responses_only: bool,
    max_completion_tokens: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Learned {
    flags: Mutex<HashMap<String, Flags>>,
}

impl Learned {
    /// The deployment with learned facts applied; borrowed (no copy) when nothing was learned.
    pub fn apply<'a>(&self, d: &'a Deployment) -> Cow<'a, Deployment> {
        let flags = self
            .flags
            .lock()
            .map(|m| m.get(&d.name).copied())
            .ok()
            .flatten();
        let Some(f) = flags else {
            return Cow::Borrowed(d);
        };
        let mut d = d.clone();
        d.responses_only |= f.responses_only;
        if f.max_completion_tokens {
            d.max_tokens_param = TokensParam::MaxCompletionTokens;
        }
        Cow::Owned(d)
    }

    pub fn set_responses_only(&self, name: &str) {
        if let Ok(mut m) = self.flags.lock() {
            m.entry(name.to_string()).or_default().responses_only = true;
        }
        tracing::info!(target: "foundry_client", deployment = name, "learned: responses-only");
    }

    pub fn set_max_completion_tokens(&self, name: &str) {
        if let Ok(mut m) = self.flags.lock() {
            m.entry(name.to_string()).or_default().max_completion_tokens = true;
        }
        tracing::info!(target: "foundry_client", deployment = name, "learned: max_completion_tokens");
    }
}
