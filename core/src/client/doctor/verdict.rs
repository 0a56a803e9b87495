//! What the probes saw, as findings: each HTTP status of the guide's table becomes the check it
//! speaks to, with the guide's fix.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::fixes;
use super::probe::{Outcome, Resolved};
use super::{Check, Finding, Status};
use crate::config::{Deployment, TokensParam};
use crate::types::Api;

/// The floor of output tokens a thinking model needs to get past its reasoning (the guide:
/// "increase max_tokens to 100+").
const THINKING_FLOOR: u64 = 100;

/// Below this share of the deployment's limit left this minute, the quota is a warning.
const LOW_QUOTA_SHARE: f64 = 0.1;

/// The findings of one deployment, in the order the checks ran.
pub(super) struct Report<'a> {
    d: &'a Deployment,
    pub findings: Vec<Finding>,
}

impl<'a> Report<'a> {
    pub fn new(d: &'a Deployment) -> Report<'a> {
        Report {
            d,
            findings: Vec::new(),
        }
    }

    fn add(&mut self, check: Check, status: Status, detail: String, fix: Option<String>) {
        self.findings.push(Finding {
            deployment: self.d.name.clone(),
            check,
            status,
            detail,
            fix,
        });
    }

    fn ok(&mut self, check: Check, detail: String) {
        self.add(check, Status::Ok, detail, None);
    }

    /// Turns the finding of `check` into this one (a credential acquired, then refused), or
    /// adds it: a check is reported once.
    fn revise(&mut self, check: Check, status: Status, detail: String, fix: Option<String>) {
        match self.findings.iter_mut().find(|f| f.check == check) {
            Some(f) => {
                f.status = status;
                f.detail = format!("{}; {detail}", f.detail);
                f.fix = fix;
            }
            None => self.add(check, status, detail, fix),
        }
    }
}

/// The name-resolution finding; false when nothing further can be checked.
pub(super) fn resolved(report: &mut Report<'_>, resolved: Resolved) -> bool {
    let d = report.d;
    match resolved {
        Resolved::Address(ip) => {
            report.ok(Check::Dns, format!("the endpoint names the address {ip}"));
            true
        }
        Resolved::Names { host, first } => {
            report.ok(Check::Dns, format!("{host} resolves to {}", first.ip()));
            true
        }
        Resolved::Failed { host, problem } => {
            report.add(
                Check::Dns,
                Status::Fail,
                format!("{host} does not resolve: {problem}"),
                Some(fixes::endpoint_host(d)),
            );
            false
        }
        Resolved::BadEndpoint(problem) => {
            report.add(
                Check::Dns,
                Status::Fail,
                format!("the endpoint is not a URL: {problem}"),
                Some(fixes::endpoint_host(d)),
            );
            false
        }
    }
}

/// The credential finding; false when nothing further can be checked.
pub(super) fn credential(report: &mut Report<'_>, acquired: crate::Result<String>) -> bool {
    match acquired {
        Ok(what) => {
            report.ok(Check::Auth, format!("acquired {what}"));
            true
        }
        Err(e) => {
            let fix = (!e.hint.is_empty()).then(|| e.hint.clone());
            report.add(
                Check::Auth,
                Status::Fail,
                format!("no credential: {}", e.message),
                fix,
            );
            false
        }
    }
}

/// How the first probe went, for the doctor's next step.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answered {
    Yes,
    /// 400 OperationNotSupported from /chat/completions: the Responses API is to be tried.
    ChatUnsupported,
    /// 400 "Unsupported parameter: 'max_tokens'": `max_completion_tokens` is to be tried.
    WantsCompletionTokens,
    No,
}

/// The findings of the first probe.
pub(super) fn answer(report: &mut Report<'_>, outcome: &Outcome) -> Answered {
    let d = report.d;
    let (api, status, headers, body, latency) = match outcome {
        Outcome::Answer {
            api,
            status,
            headers,
            body,
            latency,
        } => (*api, *status, headers, body, latency),
        Outcome::Transport { tls, problem } => {
            let (check, fix) = match tls {
                true => (Check::Tls, fixes::tls()),
                false => (Check::Connect, fixes::connect(d)),
            };
            report.add(check, Status::Fail, problem.clone(), Some(fix));
            return Answered::No;
        }
        Outcome::Local(e) => {
            let fix = (!e.hint.is_empty()).then(|| e.hint.clone());
            report.add(Check::Deployment, Status::Fail, e.message.clone(), fix);
            return Answered::No;
        }
    };
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = service_message(&json);
    match status {
        200..=299 => {
            report.ok(
                Check::Deployment,
                format!(
                    "'{}' answered through {} in {} ms{}",
                    d.deployment,
                    path_of(api),
                    latency.as_millis(),
                    json.get("model")
                        .and_then(Value::as_str)
                        .map(|m| format!(" (model {m})"))
                        .unwrap_or_default()
                ),
            );
            if api == Api::Responses {
                report.ok(
                    Check::Api,
                    "the catalog marks it Responses-only, and the Responses API answers".into(),
                );
            } else {
                report.ok(Check::Api, "chat completions answers".into());
            }
            thinking(report, api, &json);
            quota(report, headers);
            Answered::Yes
        }
        400 if is_operation_unsupported(&json) && api == Api::Chat => Answered::ChatUnsupported,
        400 if message.contains("max_completion_tokens")
            && d.max_tokens_param == TokensParam::MaxTokens =>
        {
            Answered::WantsCompletionTokens
        }
        401 => {
            report.revise(
                Check::Auth,
                Status::Fail,
                format!("the service refused it (401): {message}"),
                Some(fixes::refused_credential(d)),
            );
            Answered::No
        }
        403 => {
            report.add(
                Check::Role,
                Status::Fail,
                format!("the identity may not call this deployment (403): {message}"),
                Some(fixes::role(d)),
            );
            Answered::No
        }
        404 => {
            report.add(
                Check::Deployment,
                Status::Fail,
                format!("not found (404): {message}"),
                Some(fixes::missing_deployment(d)),
            );
            Answered::No
        }
        429 => {
            let wait = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(|s| format!(" (retry-after {s} s)"))
                .unwrap_or_default();
            report.add(
                Check::Quota,
                Status::Fail,
                format!("throttled now (429){wait}: {message}"),
                Some(fixes::quota()),
            );
            Answered::No
        }
        500..=599 => {
            report.add(
                Check::Service,
                Status::Warn,
                format!("the service failed ({status}): {message}"),
                Some(fixes::service()),
            );
            Answered::No
        }
        _ => {
            report.add(
                Check::Deployment,
                Status::Fail,
                format!("the probe was refused ({status}): {message}"),
                None,
            );
            Answered::No
        }
    }
}

/// Why the first probe was sent again another way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reprobe {
    /// Through the Responses API, after chat completions answered OperationNotSupported.
    Responses,
    /// With `max_completion_tokens`, after `max_tokens` was refused.
    CompletionTokens,
}

/// The findings of the probe sent again after the first was refused for the way it was
/// sent: when it answers, the deployment is fine and the catalog is told how to say so.
pub(super) fn reprobed(report: &mut Report<'_>, why: Reprobe, outcome: &Outcome) {
    let d = report.d;
    let before = report.findings.len();
    if answer(report, outcome) != Answered::Yes {
        return;
    }
    let (detail, fix) = match why {
        Reprobe::Responses => (
            "/chat/completions answers 400 OperationNotSupported: only the Responses API answers",
            fixes::responses_only(d),
        ),
        Reprobe::CompletionTokens => (
            "`max_tokens` is refused (400 Unsupported parameter): this model takes `max_completion_tokens`",
            fixes::completion_tokens(d),
        ),
    };
    // The catalog did not say so, and every client learns it from a failed call.
    if let Some(f) = report.findings[before..]
        .iter_mut()
        .find(|f| f.check == Check::Api)
    {
        f.status = Status::Warn;
        f.detail = detail.into();
        f.fix = Some(fix);
    }
}

/// A thinking model that spent the probe's budget reasoning, or one the catalog lets do so.
fn thinking(report: &mut Report<'_>, api: Api, json: &Value) {
    let d = report.d;
    let (content, reasoning) = match api {
        Api::Responses => responses_texts(json),
        _ => {
            let message = json.pointer("/choices/0/message");
            let text = |key: &str| {
                message
                    .and_then(|m| m.get(key))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .is_some()
            };
            (text("content"), text("reasoning_content"))
        }
    };
    let floor = d.min_max_tokens.unwrap_or(0);
    if reasoning && !content && floor < THINKING_FLOOR {
        report.add(
            Check::Thinking,
            Status::Warn,
            "the probe's 16 output tokens all went to reasoning (content: null, the text is in reasoning_content)".into(),
            Some(fixes::thinking(d)),
        );
    } else if (reasoning || d.thinking) && floor < THINKING_FLOOR {
        report.add(
            Check::Thinking,
            Status::Warn,
            format!(
                "a thinking model with no output floor of {THINKING_FLOOR} tokens (min_max_tokens: {})",
                d.min_max_tokens.map_or("unset".into(), |m| m.to_string())
            ),
            Some(fixes::thinking(d)),
        );
    } else if reasoning || d.thinking {
        report.ok(
            Check::Thinking,
            format!("a thinking model; every call gets at least {floor} output tokens"),
        );
    }
}

/// (has output text, has reasoning) of a Responses answer.
fn responses_texts(json: &Value) -> (bool, bool) {
    let items = json
        .get("output")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let kind = |k: &str| {
        items
            .iter()
            .any(|i| i.get("type").and_then(Value::as_str) == Some(k))
    };
    let text = items.iter().any(|i| {
        i.get("content")
            .and_then(Value::as_array)
            .is_some_and(|parts| {
                parts.iter().any(|p| {
                    p.get("text")
                        .and_then(Value::as_str)
                        .is_some_and(|t| !t.is_empty())
                })
            })
    });
    (text, kind("reasoning"))
}

/// What the rate-limit headers say is left this minute, against the limits the service
/// states (`x-ratelimit-limit-*`) or, failing those, the catalog's.
fn quota(report: &mut Report<'_>, headers: &HeaderMap) {
    let d = report.d;
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let requests = number("x-ratelimit-remaining-requests");
    let tokens = number("x-ratelimit-remaining-tokens");
    if requests.is_none() && tokens.is_none() {
        report.ok(
            Check::Quota,
            "the answer carried no x-ratelimit-remaining headers".into(),
        );
        return;
    }
    let rpm = number("x-ratelimit-limit-requests").or(d.rpm);
    let tpm = number("x-ratelimit-limit-tokens").or(d.tpm);
    let shown = |n: Option<u64>| n.map_or("?".into(), |n| n.to_string());
    let low = |left: Option<u64>, limit: Option<u64>| match (left, limit) {
        (Some(left), Some(limit)) if limit > 0 => (left as f64) < limit as f64 * LOW_QUOTA_SHARE,
        _ => false,
    };
    let detail = format!(
        "{} of {} requests and {} of {} tokens left this minute",
        shown(requests),
        shown(rpm),
        shown(tokens),
        shown(tpm),
    );
    if low(requests, rpm) || low(tokens, tpm) {
        report.add(Check::Quota, Status::Warn, detail, Some(fixes::quota()));
    } else {
        report.ok(Check::Quota, detail);
    }
}

fn is_operation_unsupported(json: &Value) -> bool {
    let code = json
        .pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = service_message(json).to_ascii_lowercase();
    code == "OperationNotSupported" || message.contains("operation does not work")
}

/// The service's own message in an error answer, cut short.
fn service_message(json: &Value) -> String {
    let message = json
        .pointer("/error/message")
        .or_else(|| json.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    let mut cut: String = message.chars().take(240).collect();
    if cut.len() < message.len() {
        cut.push('…');
    }
    cut
}

fn path_of(api: Api) -> &'static str {
    match api {
        Api::Responses => "the Responses API",
        _ => "/chat/completions",
    }
}
