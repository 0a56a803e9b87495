//! Checks and rewrites of the OpenAI parameters every request builder shares: `extra_body`,
//! output-token limits and the thinking floor, sampling ranges, `messages`, `stream`.

use serde_json::{json, Map, Value};

use crate::config::Deployment;
use crate::{Error, Result};

/// The caller's parameters with `extra_body` (an object, as in the OpenAI SDKs) merged in
/// at the top level and removed.
pub(super) fn with_extra_body(params: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut body = params.clone();
    match body.remove("extra_body") {
        None | Some(Value::Null) => {}
        Some(Value::Object(extra)) => body.extend(extra),
        Some(other) => {
            return Err(Error::invalid_request(format!(
                "extra_body must be an object of extra JSON fields, got {}",
                kind_of(&other)
            )))
        }
    }
    Ok(body)
}

/// A short description of a JSON value for error messages (never the whole value: it may
/// be a long prompt).
pub(super) fn kind_of(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 20 => format!("{s:?}"),
        Value::String(_) => "a string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Reads `key` as a positive integer and writes it back normalized (JavaScript callers send
/// `100.0`). `null` counts as not given and is removed, as the OpenAI SDKs' `None` means.
pub(super) fn positive_int(body: &mut Map<String, Value>, key: &str) -> Result<Option<u64>> {
    let Some(v) = body.get(key) else {
        return Ok(None);
    };
    if v.is_null() {
        body.remove(key);
        return Ok(None);
    }
    let n = v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    });
    match n {
        Some(n) if n >= 1 => {
            // A whole float (`100.0`) is sent as the integer; an integer already is one.
            if !v.is_u64() {
                body.insert(key.to_string(), json!(n));
            }
            Ok(Some(n))
        }
        _ => Err(Error::invalid_request(format!(
            "{key} must be a positive integer, got {}",
            kind_of(v)
        ))),
    }
}

/// Checks an optional number parameter lies in `[lo, hi]`; `null` is removed.
pub(super) fn number_in(body: &mut Map<String, Value>, key: &str, lo: f64, hi: f64) -> Result<()> {
    let Some(v) = body.get(key) else {
        return Ok(());
    };
    if v.is_null() {
        body.remove(key);
        return Ok(());
    }
    match v.as_f64() {
        Some(x) if (lo..=hi).contains(&x) => Ok(()),
        _ => Err(Error::invalid_request(format!(
            "{key} must be a number between {lo} and {hi}, got {}",
            kind_of(v)
        ))),
    }
}

/// Raises an output-token limit to the deployment's floor: thinking models spend the first
/// ~100 tokens reasoning and answer `content: null` below it (FOUNDRY.md, Kimi-K2.6).
pub(super) fn with_floor(d: &Deployment, limit: u64) -> u64 {
    match d.min_max_tokens {
        Some(floor) if limit < floor => floor,
        _ => limit,
    }
}

/// The chat output-token limit: `max_tokens` or `max_completion_tokens` (not both), as
/// `(name, value)`, validated and with nulls removed.
pub(super) fn chat_token_limit(
    body: &mut Map<String, Value>,
) -> Result<Option<(&'static str, u64)>> {
    let max_tokens = positive_int(body, "max_tokens")?;
    let max_completion = positive_int(body, "max_completion_tokens")?;
    match (max_tokens, max_completion) {
        (Some(_), Some(_)) => Err(Error::invalid_request(
            "max_tokens and max_completion_tokens are both set: pass only one \
             (the client sends the one the deployment accepts)",
        )),
        (Some(n), None) => Ok(Some(("max_tokens", n))),
        (None, Some(n)) => Ok(Some(("max_completion_tokens", n))),
        (None, None) => Ok(None),
    }
}

/// Checks `messages`: a non-empty array of objects, each with a string `role`.
pub(super) fn check_messages(body: &Map<String, Value>) -> Result<&[Value]> {
    let messages = match body.get("messages") {
        Some(Value::Array(m)) if !m.is_empty() => m,
        Some(Value::Array(_)) => {
            return Err(Error::invalid_request(
                "messages is empty: pass at least one message, e.g. [{\"role\": \"user\", \"content\": \"Hi\"}]",
            ))
        }
        None | Some(Value::Null) => {
            return Err(Error::invalid_request(
                "messages is required: pass a list of messages, e.g. [{\"role\": \"user\", \"content\": \"Hi\"}]",
            ))
        }
        Some(other) => {
            return Err(Error::invalid_request(format!(
                "messages must be a list of message objects, got {}",
                kind_of(other)
            )))
        }
    };
    for (i, m) in messages.iter().enumerate() {
        if !m.is_object() {
            return Err(Error::invalid_request(format!(
                "messages[{i}] must be an object with a role and content, got {}",
                kind_of(m)
            )));
        }
        if !m.get("role").is_some_and(Value::is_string) {
            return Err(Error::invalid_request(format!(
                "messages[{i}] has no string 'role': use system, developer, user, assistant or tool"
            )));
        }
    }
    Ok(messages)
}

/// Sets `stream: true` (and, for chat, `stream_options.include_usage` so the last chunk
/// carries usage, unless the caller chose `stream_options`), or removes both when not
/// streaming: the service refuses `stream_options` without `stream`.
pub(super) fn set_stream(body: &mut Map<String, Value>, stream: bool, include_usage: bool) {
    if stream {
        body.insert("stream".to_string(), Value::Bool(true));
        let unset = matches!(body.get("stream_options"), None | Some(Value::Null));
        if include_usage && unset {
            body.insert("stream_options".to_string(), json!({"include_usage": true}));
        }
    } else {
        body.remove("stream");
        body.remove("stream_options");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn extra_body_merges_and_rejects_non_objects() {
        let body = with_extra_body(&map(json!({"a": 1, "extra_body": {"a": 2, "b": 3}}))).unwrap();
        assert_eq!(Value::Object(body), json!({"a": 2, "b": 3}));
        let err = with_extra_body(&map(json!({"extra_body": [1]}))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.message.contains("extra_body"));
    }

    #[test]
    fn positive_ints() {
        let mut b = map(json!({"max_tokens": 100.0, "n": null}));
        assert_eq!(positive_int(&mut b, "max_tokens").unwrap(), Some(100));
        assert_eq!(b["max_tokens"], json!(100));
        assert_eq!(positive_int(&mut b, "n").unwrap(), None);
        assert!(!b.contains_key("n"));
        for bad in [
            json!(-5),
            json!(0),
            json!(1.5),
            json!("100"),
            json!(true),
            json!(1e300),
        ] {
            let mut b = map(json!({"max_tokens": bad}));
            let err = positive_int(&mut b, "max_tokens").unwrap_err();
            assert!(
                err.message
                    .starts_with("max_tokens must be a positive integer"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn ranges() {
        let mut b = map(json!({"temperature": 2}));
        assert!(number_in(&mut b, "temperature", 0.0, 2.0).is_ok());
        for bad in [json!(2.5), json!(-0.1), json!("hot")] {
            let mut b = map(json!({"temperature": bad}));
            assert!(number_in(&mut b, "temperature", 0.0, 2.0).is_err());
        }
    }

    #[test]
    fn stream_flags() {
        let mut b = Map::new();
        set_stream(&mut b, true, true);
        assert_eq!(
            Value::Object(b.clone()),
            json!({"stream": true, "stream_options": {"include_usage": true}})
        );
        set_stream(&mut b, false, true);
        assert!(b.is_empty());
        let mut b = map(json!({"stream_options": {"include_usage": false}}));
        set_stream(&mut b, true, true);
        assert_eq!(b["stream_options"], json!({"include_usage": false}));
    }
}
