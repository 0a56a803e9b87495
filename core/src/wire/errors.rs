//! The one place service errors become the taxonomy: every error body Azure, the model
//! inference API, APIM, Entra and OpenAI-compatible servers send, plus the retry and
//! request-id headers.

use std::time::{Duration, SystemTime};

use reqwest::header::{AsHeaderName, HeaderMap, HeaderName};
use serde_json::Value;

use crate::normalize::{finalize_report, prompt_filter_results};
use crate::types::ContentFilterReport;
use crate::{Error, ErrorKind};

const PREVIEW_CHARS: usize = 200;

const UNSUPPORTED_MAX_TOKENS_HINT: &str = "set `max_tokens_param: max_completion_tokens` for \
     this deployment (the client learns it automatically after one 400)";

/// Up to 200 characters of a body for a message: whitespace collapsed, an HTML page reduced
/// to its `<title>` (or its text), invalid UTF-8 replaced.
pub(crate) fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = html_title(&text).unwrap_or_else(|| strip_tags(&text));
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed.chars().take(PREVIEW_CHARS).collect();
    if collapsed.chars().count() > PREVIEW_CHARS {
        out.push('…');
    }
    out
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower.get(start..)?.find("</title>")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

fn strip_tags(text: &str) -> String {
    if !text.trim_start().starts_with('<') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn header_str(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The service's request id: `x-request-id`, else APIM's `apim-request-id`, else
/// `x-ms-request-id`. Log it with every failure; Azure support asks for it.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    // Names built at compile time: looking a `&str` up parses and validates it first.
    const NAMES: [HeaderName; 3] = [
        HeaderName::from_static("x-request-id"),
        HeaderName::from_static("apim-request-id"),
        HeaderName::from_static("x-ms-request-id"),
    ];
    NAMES
        .iter()
        .find_map(|name| header_str(headers, name))
        .map(str::to_string)
}

fn millis(v: &str) -> Option<Duration> {
    let ms: f64 = v.parse().ok()?;
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

/// The server's retry hint. `retry-after-ms` and `x-ms-retry-after-ms` (milliseconds, Azure)
/// win over `retry-after` (seconds, integer or decimal, or an HTTP date taken relative to now
/// and floored at zero). Unreadable values are ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(d) = header_str(headers, name).and_then(millis) {
            return Some(d);
        }
    }
    let v = header_str(headers, "retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        // Refuses negative, NaN and overflowing values.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The phrases that announce a wait in a service message: Azure's quota 429 says "Please
/// retry after 86400 seconds.", APIM's rate-limit policy "Try again in 20 seconds.", OpenAI
/// "Please try again in 1.5s." / "in 20ms".
const WAIT_PHRASES: [&str; 2] = ["retry after ", "try again in "];

/// The wait a message announces ("retry after N second(s)", "try again in N seconds", also in
/// milliseconds or minutes), when the response carried no retry header: a daily quota's 429
/// often says so only in its text. The first readable announcement wins; a number without a
/// unit, or with an unknown one, is not guessed at.
pub fn retry_after_in_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    WAIT_PHRASES.iter().find_map(|phrase| {
        lower
            .match_indices(phrase)
            .find_map(|(at, _)| announced_wait(&lower[at + phrase.len()..]))
    })
}

/// Reads "N unit" at the start of `text` (lower case).
fn announced_wait(text: &str) -> Option<Duration> {
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    // A sentence's full stop right after the number is not a decimal point.
    let number = text[..number_len].trim_end_matches('.');
    let value: f64 = number.parse().ok()?;
    let rest = text[number.len()..].trim_start();
    let unit_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let seconds_per_unit = match &rest[..unit_len] {
        "ms" | "millisecond" | "milliseconds" => 0.001,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "min" | "mins" | "minute" | "minutes" => 60.0,
        _ => return None,
    };
    // Refuses what no Duration can hold (1e400 seconds) instead of panicking.
    Duration::try_from_secs_f64(value * seconds_per_unit).ok()
}

/// The fields an error body may carry, whichever of its forms it came in.
#[derive(Default)]
struct ServiceError {
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
    inner_code: Option<String>,
    filter_result: Option<Value>,
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null | Value::String(_) => None,
        other => Some(other.to_string()),
    }
}

/// Reads `{"error":{code,message,param,innererror}}`, Entra's `{"error","error_description"}`,
/// the unwrapped `{"statusCode","message"}` / `{"code","message"}` forms and FastAPI's
/// `{"detail"}`. Not JSON (or not an object): nothing.
fn read_body(body: &[u8]) -> ServiceError {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else {
        return ServiceError::default();
    };
    match root.get("error") {
        Some(Value::Object(e)) => {
            let inner = e.get("innererror").or_else(|| e.get("inner_error"));
            ServiceError {
                code: text_of(e.get("code")),
                message: text_of(e.get("message")),
                param: text_of(e.get("param")),
                inner_code: inner.and_then(|i| text_of(i.get("code"))),
                filter_result: inner
                    .and_then(|i| {
                        i.get("content_filter_result")
                            .or_else(|| i.get("content_filter_results"))
                    })
                    .cloned(),
            }
        }
        Some(Value::String(code)) => ServiceError {
            code: Some(code.clone()),
            message: text_of(root.get("error_description"))
                .or_else(|| text_of(root.get("message"))),
            ..ServiceError::default()
        },
        _ => ServiceError {
            code: text_of(root.get("code")).or_else(|| text_of(root.get("statusCode"))),
            message: text_of(root.get("message")).or_else(|| text_of(root.get("detail"))),
            ..ServiceError::default()
        },
    }
}

fn is_content_filter(e: &ServiceError) -> bool {
    e.code.as_deref() == Some("content_filter")
        || e.inner_code.as_deref() == Some("ResponsibleAIPolicyViolation")
}

fn is_unsupported_operation(e: &ServiceError) -> bool {
    let message = e
        .message
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    e.code.as_deref() == Some("OperationNotSupported")
        || message.contains("operation unsupported")
        || message.contains("does not work with the specified model")
}

fn kind_for(status: u16, e: &ServiceError) -> ErrorKind {
    match status {
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimit,
        500..=599 => ErrorKind::Server,
        400..=499 if is_content_filter(e) => ErrorKind::ContentFilter,
        400..=499 if is_unsupported_operation(e) => ErrorKind::OperationUnsupported,
        // The v1 route answers an unknown deployment with 400 `unknown_model` where the
        // classic route says 404 `DeploymentNotFound`: one kind for both.
        400..=499
            if matches!(
                e.code.as_deref(),
                Some("unknown_model" | "DeploymentNotFound")
            ) =>
        {
            ErrorKind::NotFound
        }
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::InvalidResponse,
    }
}

/// 408, 429 and the transient 5xx; never a client error, never 501/505.
fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// Turns a non-success answer into an [`Error`]: kind from the status and the body's code,
/// the service's message (or one quoting the body), the request id and the retry hint from
/// the headers, and for content-filter refusals the categories that fired.
pub fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let service = read_body(body);
    let kind = kind_for(status, &service);
    let mut message = match &service.message {
        Some(m) => m.clone(),
        None if body.iter().all(u8::is_ascii_whitespace) => {
            format!("{} with an empty body", status_text(status))
        }
        None => format!("{}: {}", status_text(status), preview(body)),
    };
    // Keep the parameter in view: "max_tokens: Unsupported parameter ...".
    if let (ErrorKind::BadRequest, Some(param)) = (kind, &service.param) {
        if !message.starts_with(param.as_str()) {
            message = format!("{param}: {message}");
        }
    }
    let retry_hint = retry_after(headers).or_else(|| {
        // Only where a wait means something: a retryable status.
        retryable_status(status)
            .then(|| retry_after_in_message(&message))
            .flatten()
    });
    let mut err = Error::new(kind, message)
        .with_status(status)
        .with_code(service.code.clone().or_else(|| service.inner_code.clone()))
        .with_request_id(request_id(headers))
        .with_retryable(retryable_status(status))
        .with_retry_after(retry_hint);
    if kind == ErrorKind::ContentFilter {
        let mut report = ContentFilterReport {
            filtered: true,
            ..ContentFilterReport::default()
        };
        if let Some(result) = &service.filter_result {
            let source = service.param.as_deref().unwrap_or("prompt");
            // Reuse the prompt reader: the 400 carries one prompt's verdicts.
            let entry = serde_json::json!([{"prompt_index": 0, "content_filter_results": result}]);
            prompt_filter_results(&entry, &mut report);
            if source == "completion" {
                for r in &mut report.results {
                    r.source = "completion".into();
                }
            }
        }
        finalize_report(&mut report);
        err = err.with_content_filter(Some(report));
    }
    if is_unsupported_max_tokens(&err) {
        err = err.with_hint(UNSUPPORTED_MAX_TOKENS_HINT);
    }
    err
}

/// The gpt-5 family's 400 `unsupported_parameter` for `max_tokens`: the caller re-sends with
/// `max_completion_tokens`.
pub fn is_unsupported_max_tokens(err: &Error) -> bool {
    if err.code.as_deref() != Some("unsupported_parameter") {
        return false;
    }
    let m = err.message.as_str();
    // The message names the rejected parameter first; "Use 'max_tokens' instead" (the
    // reverse case) must not match.
    m.starts_with("max_tokens:")
        || m.contains("'max_tokens' is not supported")
        || m.contains("Unsupported parameter: 'max_tokens'")
}

/// The deployment does not serve this API (a responses-only model asked for chat).
pub fn is_operation_unsupported(err: &Error) -> bool {
    err.kind() == ErrorKind::OperationUnsupported
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn status_kinds_and_retryable() {
        let cases = [
            (401, ErrorKind::Authentication, false),
            (403, ErrorKind::PermissionDenied, false),
            (404, ErrorKind::NotFound, false),
            (408, ErrorKind::Timeout, true),
            (409, ErrorKind::BadRequest, false),
            (422, ErrorKind::BadRequest, false),
            (429, ErrorKind::RateLimit, true),
            (500, ErrorKind::Server, true),
            (501, ErrorKind::Server, false),
            (502, ErrorKind::Server, true),
            (503, ErrorKind::Server, true),
            (504, ErrorKind::Server, true),
            (302, ErrorKind::InvalidResponse, false),
        ];
        for (status, kind, retryable) in cases {
            let e = error_from_response(status, &HeaderMap::new(), b"");
            assert_eq!(
                (e.kind(), e.retryable),
                (kind, retryable),
                "status {status}"
            );
            assert_eq!(e.status, Some(status));
        }
    }

    #[test]
    fn wrapped_error_with_integer_or_string_code() {
        let body = br#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation have exceeded the rate limit."}}"#;
        let e = error_from_response(429, &headers(&[("retry-after", "7")]), body);
        assert_eq!(e.code.as_deref(), Some("429"));
        assert!(e.message.starts_with("Requests to the"));
        assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
        let e = error_from_response(
            404,
            &HeaderMap::new(),
            br#"{"error":{"code":404,"message":"Resource not found"}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("404"));
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn deployment_not_found_keeps_the_not_found_hint() {
        let body = br#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}"#;
        let e = error_from_response(404, &HeaderMap::new(), body);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code.as_deref(), Some("DeploymentNotFound"));
        assert_eq!(e.hint, Error::new(ErrorKind::NotFound, "").hint);
    }

    #[test]
    fn unwrapped_entra_text_html_and_empty_bodies() {
        let e = error_from_response(401, &HeaderMap::new(), br#"{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."}"#);
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert!(e.message.starts_with("Unauthorized. Access token"));
        assert_eq!(e.code.as_deref(), Some("401"));

        let e = error_from_response(400, &HeaderMap::new(), br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#);
        assert_eq!(e.code.as_deref(), Some("invalid_client"));
        assert!(e.message.starts_with("AADSTS7000215"));

        let e = error_from_response(404, &HeaderMap::new(), b"NOT FOUND");
        assert_eq!(e.message, "HTTP 404 Not Found: NOT FOUND");
        assert_eq!(e.code, None);

        let html =
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>";
        let e = error_from_response(502, &HeaderMap::new(), html);
        assert_eq!(e.message, "HTTP 502 Bad Gateway: 502 Bad Gateway");
        let e = error_from_response(503, &HeaderMap::new(), b"<p>down   for\nmaintenance</p>");
        assert_eq!(
            e.message,
            "HTTP 503 Service Unavailable: down for maintenance"
        );

        let e = error_from_response(500, &HeaderMap::new(), b"  \n");
        assert_eq!(
            e.message,
            "HTTP 500 Internal Server Error with an empty body"
        );

        let long = "x".repeat(1000);
        let e = error_from_response(500, &HeaderMap::new(), long.as_bytes());
        assert_eq!(
            e.message.chars().count(),
            "HTTP 500 Internal Server Error: ".len() + 200 + 1
        );
        assert!(e.message.ends_with('…'));
    }

    #[test]
    fn content_filter_400_reports_categories() {
        let body = br#"{"error":{"message":"filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true},"violence":{"filtered":true,"severity":"high"}}}}}"#;
        let e = error_from_response(400, &HeaderMap::new(), body);
        assert_eq!(e.kind(), ErrorKind::ContentFilter);
        assert!(!e.retryable);
        let report = e.content_filter.clone().unwrap();
        assert!(report.filtered);
        assert_eq!(report.categories, vec!["jailbreak", "violence"]);
        assert!(report
            .results
            .iter()
            .all(|r| r.source == "prompt" && r.index == 0));
        // The inner code alone is enough.
        let body = br#"{"error":{"code":"BadRequest","message":"x","innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#;
        let e = error_from_response(400, &HeaderMap::new(), body);
        assert_eq!(e.kind(), ErrorKind::ContentFilter);
        assert!(e.content_filter.as_ref().unwrap().filtered);
    }

    #[test]
    fn operation_unsupported_by_code_or_message() {
        let body = br#"{"error":{"code":"OperationNotSupported","message":"The chatCompletion operation does not work with the specified model, gpt-5.1-codex. Please choose different model and try again."}}"#;
        let e = error_from_response(400, &HeaderMap::new(), body);
        assert!(is_operation_unsupported(&e));
        let e = error_from_response(
            400,
            &HeaderMap::new(),
            br#"{"error":{"code":"BadRequest","message":"operation unsupported"}}"#,
        );
        assert!(is_operation_unsupported(&e));
        let e = error_from_response(
            400,
            &HeaderMap::new(),
            br#"{"error":{"code":"BadRequest","message":"nope"}}"#,
        );
        assert!(!is_operation_unsupported(&e));
        assert_eq!(e.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn unsupported_max_tokens_is_recognized_and_hinted() {
        let body = br#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#;
        let e = error_from_response(400, &HeaderMap::new(), body);
        assert_eq!(e.kind(), ErrorKind::BadRequest);
        assert!(e.message.starts_with("max_tokens: Unsupported parameter"));
        assert!(is_unsupported_max_tokens(&e));
        assert!(e.hint.contains("max_completion_tokens"));
        let reverse = br#"{"error":{"message":"Unsupported parameter: 'max_completion_tokens' is not supported with this model. Use 'max_tokens' instead.","param":"max_completion_tokens","code":"unsupported_parameter"}}"#;
        let e = error_from_response(400, &HeaderMap::new(), reverse);
        assert!(!is_unsupported_max_tokens(&e));
    }

    #[test]
    fn request_id_precedence() {
        let h = headers(&[("x-ms-request-id", "c"), ("apim-request-id", "b")]);
        assert_eq!(request_id(&h).as_deref(), Some("b"));
        let h = headers(&[
            ("x-ms-request-id", "c"),
            ("apim-request-id", "b"),
            ("x-request-id", "a"),
        ]);
        assert_eq!(request_id(&h).as_deref(), Some("a"));
        assert_eq!(
            request_id(&headers(&[("x-ms-request-id", "c")])).as_deref(),
            Some("c")
        );
        assert_eq!(request_id(&HeaderMap::new()), None);
    }

    #[test]
    fn retry_after_forms() {
        let h = headers(&[("retry-after", "10"), ("retry-after-ms", "1500")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let h = headers(&[("retry-after", "10"), ("x-ms-retry-after-ms", "250")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "1e400")])), None);
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after-ms", "junk"),
                ("retry-after", "2")
            ])),
            Some(Duration::from_secs(2))
        );
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let got = retry_after(&headers(&[("retry-after", &future)])).unwrap();
        assert!(
            got > Duration::from_secs(100) && got <= Duration::from_secs(120),
            "{got:?}"
        );
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn a_wait_announced_only_in_the_message_is_read() {
        let daily = br#"{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded the daily token quota of your current pricing tier. Please retry after 86400 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."}}"#;
        let e = error_from_response(429, &HeaderMap::new(), daily);
        assert_eq!(e.kind(), ErrorKind::RateLimit);
        assert_eq!(e.retry_after, Some(Duration::from_secs(86_400)));
        // A header wins over the text.
        let e = error_from_response(429, &headers(&[("retry-after", "3")]), daily);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        let apim =
            br#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 20 seconds."}"#;
        let e = error_from_response(429, &HeaderMap::new(), apim);
        assert_eq!(e.retry_after, Some(Duration::from_secs(20)));
        // A non-JSON body is read through its preview.
        let e = error_from_response(503, &HeaderMap::new(), b"Busy: retry after 1 second");
        assert_eq!(e.retry_after, Some(Duration::from_secs(1)));
        // Not retryable: a wait in the text means nothing.
        let e = error_from_response(
            400,
            &HeaderMap::new(),
            br#"{"error":{"message":"retry after 5 seconds"}}"#,
        );
        assert_eq!(e.retry_after, None);
    }

    #[test]
    fn message_wait_forms_and_refusals() {
        let cases: [(&str, Option<Duration>); 14] = [
            (
                "Please retry after 86400 seconds.",
                Some(Duration::from_secs(86_400)),
            ),
            ("Please retry after 1 second.", Some(Duration::from_secs(1))),
            ("RETRY AFTER 7 SECONDS", Some(Duration::from_secs(7))),
            (
                "Please try again in 1.5s.",
                Some(Duration::from_millis(1_500)),
            ),
            ("Please try again in 20ms.", Some(Duration::from_millis(20))),
            (
                "retry after 250 milliseconds",
                Some(Duration::from_millis(250)),
            ),
            ("Try again in 2 minutes.", Some(Duration::from_secs(120))),
            // The first phrase without a readable wait does not hide a later one.
            (
                "retry after a while; retry after 4 seconds",
                Some(Duration::from_secs(4)),
            ),
            ("Please try again later.", None),
            ("retry after 30", None),
            ("retry after 30 fortnights", None),
            ("retry after -5 seconds", None),
            ("retry after 1e400 seconds", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(retry_after_in_message(text), want, "{text}");
        }
        let huge = format!("retry after {} seconds", "9".repeat(400));
        assert_eq!(retry_after_in_message(&huge), None);
        assert_eq!(retry_after_in_message("retry after "), None);
        assert_eq!(retry_after_in_message("try again in 1.2.3 seconds"), None);
    }

    #[test]
    fn hostile_bodies_never_panic() {
        let bodies: [&[u8]; 10] = [
            b"",
            b"{",
            b"null",
            b"[1,2]",
            br#"{"error":null}"#,
            br#"{"error":{"code":{"x":1},"message":["a"],"innererror":"s"}}"#,
            br#"{"error":{"code":"content_filter","innererror":{"content_filter_result":[1,null]}}}"#,
            br#"{"error":{"code":1e999}}"#,
            b"\xff\xfe\x00garbage",
            br#"{"error":"x","error_description":null}"#,
        ];
        for body in bodies {
            for status in [400, 401, 404, 429, 500, 0, 999] {
                let e = error_from_response(status, &HeaderMap::new(), body);
                assert!(!e.message.is_empty());
            }
        }
    }
}
