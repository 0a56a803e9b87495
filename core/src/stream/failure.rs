//! Errors a stream reports in-band: Responses `error` / `response.failed` events, and the
//! `{"error": {...}}` chunk some OpenAI-compatible servers send mid-stream. The HTTP status
//! was already 200, so the kind comes from the error's `code` (or `type`).

use serde_json::Value;

use crate::{Error, ErrorKind};

/// Builds the error an in-band error object describes (`{code, message, type, param}`).
pub(super) fn in_band_error(err: &Value, fallback_message: &str) -> Error {
    let code = match err.get("code") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let kind_of_type = err.get("type").and_then(Value::as_str);
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .unwrap_or(fallback_message);
    Error::new(kind_for(code.as_deref(), kind_of_type), message).with_code(code)
}

/// Maps a service error code (or the error's `type`) onto the taxonomy. An error without
/// either is the service's own failure, so it is retryable (`server`).
fn kind_for(code: Option<&str>, error_type: Option<&str>) -> ErrorKind {
    let Some(code) = code.or(error_type) else {
        return ErrorKind::Server;
    };
    let code = code.to_ascii_lowercase();
    if code.contains("rate_limit") || code.contains("too_many_requests") || code == "429" {
        ErrorKind::RateLimit
    } else if code.contains("content_filter")
        || code.contains("content_policy")
        || code == "responsibleaipolicyviolation"
    {
        ErrorKind::ContentFilter
    } else if code.contains("server_error")
        || code.contains("internal_error")
        || code.contains("unavailable")
        || code.contains("overloaded")
        || code.contains("timeout")
        || code.starts_with('5')
    {
        ErrorKind::Server
    } else {
        ErrorKind::BadRequest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_follow_the_code() {
        let kind = |v: Value| in_band_error(&v, "failed").kind();
        assert_eq!(
            kind(json!({"code": "rate_limit_exceeded", "message": "slow down"})),
            ErrorKind::RateLimit
        );
        assert_eq!(kind(json!({"code": 429})), ErrorKind::RateLimit);
        assert_eq!(kind(json!({"code": "server_error"})), ErrorKind::Server);
        assert_eq!(
            kind(json!({"code": null, "message": "x"})),
            ErrorKind::Server
        );
        assert_eq!(
            kind(json!({"code": "content_filter"})),
            ErrorKind::ContentFilter
        );
        assert_eq!(
            kind(json!({"code": "ResponsibleAIPolicyViolation"})),
            ErrorKind::ContentFilter
        );
        assert_eq!(
            kind(json!({"code": "invalid_prompt"})),
            ErrorKind::BadRequest
        );
        assert_eq!(
            kind(json!({"type": "invalid_request_error"})),
            ErrorKind::BadRequest
        );
    }

    #[test]
    fn message_and_code_are_kept() {
        let e = in_band_error(
            &json!({"code": "rate_limit_exceeded", "message": "slow down"}),
            "failed",
        );
        assert_eq!(e.message, "slow down");
        assert_eq!(e.code.as_deref(), Some("rate_limit_exceeded"));
        let e = in_band_error(&json!({}), "the response failed");
        assert_eq!(e.message, "the response failed");
        assert!(e.retryable);
    }
}
