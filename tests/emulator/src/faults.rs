//! Fault injection: the `x-emulator-fault` header and scenario steps share one vocabulary
//! (README.md, "Faults"). A spec is `;`-separated `key=value` pairs or bare flags; `body=` takes
//! the rest of the spec, semicolons included, so it must come last.

use crate::errors;
use crate::json::{j, obj, J};
use crate::reply::Reply;

/// What `hang` waits before answering: far longer than any client waits, so in practice the
/// endpoint never answers and the client has to give up.
pub const HANG_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    pub status: Option<u16>,
    pub retry_after_ms: Option<String>,
    pub x_ms_retry_after_ms: Option<String>,
    pub retry_after: Option<String>,
    pub delay_ms: u64,
    pub chunk_delay_ms: u64,
    pub reset: bool,
    pub truncate: bool,
    pub cut: bool,
    /// Stream events sent before a truncate or cut (half of them when unset).
    pub stop_after: Option<usize>,
    pub stream_error: bool,
    pub malformed: bool,
    pub body: Option<String>,
    pub content_type: Option<String>,
    pub code_as_int: bool,
    pub headers: Vec<(String, String)>,
    /// A stream stops after this many events and then holds the connection open, silent
    /// (or pinging, with `keepalive_ms`) until the client leaves.
    pub stall_after: Option<usize>,
    /// SSE comments (`: keep-alive`) every this many ms while a stream waits or stalls.
    pub keepalive_ms: u64,
    /// A stream that never ends: its first content event repeats forever.
    pub endless: bool,
    /// A 200 answer whose content is this many bytes, generated as it is sent.
    pub huge_body: Option<u64>,
    /// Bytes that are not UTF-8 inside the answer's content.
    pub invalid_utf8: bool,
}

impl Fault {
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let mut f = Fault::default();
        let mut rest = spec;
        loop {
            let here = rest.trim_start();
            if here.is_empty() {
                break;
            }
            // `body=` takes the rest of the spec verbatim, semicolons and spaces included.
            if here
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("body="))
            {
                f.body = Some(here[5..].to_string());
                break;
            }
            let (part, tail) = here.split_once(';').unwrap_or((here, ""));
            rest = tail;
            let part = part.trim();
            if part.is_empty() || part.eq_ignore_ascii_case("ok") {
                continue;
            }
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim()),
                None => (part.to_ascii_lowercase(), ""),
            };
            let number = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| format!("fault `{key}` needs a non-negative integer, got `{v}`"))
            };
            match key.as_str() {
                "status" => {
                    let n = number(value)?;
                    if !(100..=999).contains(&n) {
                        return Err(format!(
                            "fault `status` must be an HTTP status, got `{value}`"
                        ));
                    }
                    f.status = Some(n as u16);
                }
                "retry-after-ms" => f.retry_after_ms = Some(value.to_string()),
                "x-ms-retry-after-ms" => f.x_ms_retry_after_ms = Some(value.to_string()),
                "retry-after" => f.retry_after = Some(value.to_string()),
                "delay-ms" => f.delay_ms = number(value)?,
                "hang" => f.delay_ms = HANG_MS,
                "chunk-delay-ms" => f.chunk_delay_ms = number(value)?,
                "reset" => f.reset = true,
                "truncate" => f.truncate = true,
                "truncate-after" => {
                    f.truncate = true;
                    f.stop_after = Some(number(value)? as usize);
                }
                "cut" => f.cut = true,
                "cut-after" => {
                    f.cut = true;
                    f.stop_after = Some(number(value)? as usize);
                }
                "stream-error" => f.stream_error = true,
                "malformed" => f.malformed = true,
                "code-as-int" => f.code_as_int = true,
                "stall-after" => f.stall_after = Some(number(value)? as usize),
                "keepalive-ms" => f.keepalive_ms = number(value)?.max(1),
                "endless" => f.endless = true,
                "huge-body" => f.huge_body = Some(number(value)?),
                "invalid-utf8" => f.invalid_utf8 = true,
                "content-type" => f.content_type = Some(value.to_string()),
                "header" => {
                    let (name, v) = value
                        .split_once(':')
                        .ok_or(format!("fault `header` needs `Name:value`, got `{value}`"))?;
                    let name = name.trim();
                    if name.is_empty()
                        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    {
                        return Err(format!("fault `header` has a bad name `{name}`"));
                    }
                    f.headers
                        .push((name.to_ascii_lowercase(), v.trim().to_string()));
                }
                _ => return Err(format!("unknown fault `{key}`")),
            }
        }
        Ok(f)
    }

    /// The fault replaces the answer (otherwise it only shapes the normal one).
    pub fn is_terminal(&self) -> bool {
        self.reset || self.malformed || self.body.is_some() || self.status.is_some_and(|s| s != 200)
    }

    /// The wait the hints announce, in whole seconds, for the 429 message.
    fn retry_secs(&self) -> u64 {
        let ms = self
            .retry_after_ms
            .as_deref()
            .or(self.x_ms_retry_after_ms.as_deref())
            .and_then(|v| v.parse::<u64>().ok());
        match (
            ms,
            self.retry_after
                .as_deref()
                .and_then(|v| v.parse::<u64>().ok()),
        ) {
            (Some(ms), _) => ms.div_ceil(1000).max(1),
            (None, Some(s)) => s.max(1),
            _ => 1,
        }
    }

    /// The retry hints, exactly as asked (a fault without hints sends none).
    pub fn hint_headers(&self) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if let Some(v) = &self.retry_after_ms {
            h.push(("retry-after-ms".to_string(), v.clone()));
        }
        if let Some(v) = &self.x_ms_retry_after_ms {
            h.push(("x-ms-retry-after-ms".to_string(), v.clone()));
        }
        if let Some(v) = &self.retry_after {
            h.push(("retry-after".to_string(), v.clone()));
        }
        h
    }

    /// The answer a terminal fault gives instead of the normal one.
    pub fn reply(&self, operation: &str, api_version: &str) -> Reply {
        if self.reset {
            return Reply::reset();
        }
        let mut reply = if let Some(body) = &self.body {
            Reply::json(self.status.unwrap_or(200), body.clone())
        } else if self.malformed {
            Reply::json(self.status.unwrap_or(200), r#"{"choices": ["#)
        } else {
            self.status_reply(self.status.unwrap_or(500), operation, api_version)
        };
        if let Some(ct) = &self.content_type {
            reply.content_type = ct.clone();
        }
        reply.headers.extend(self.hint_headers());
        reply
    }

    fn code(&self, status: u16, code: &str) -> J {
        if self.code_as_int {
            j(status)
        } else {
            j(code)
        }
    }

    fn coded(&self, status: u16, code: &str, message: &str) -> Reply {
        let body = obj([(
            "error",
            obj([("code", self.code(status, code)), ("message", j(message))]),
        )]);
        Reply::json(status, body.compact())
    }

    fn status_reply(&self, status: u16, operation: &str, api_version: &str) -> Reply {
        match status {
            400 => errors::invalid_request("Injected fault: the request was rejected.", None, None),
            401 => match self.code_as_int {
                true => self.coded(401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."),
                false => errors::invalid_key(),
            },
            403 => errors::permission_denied(
                "emulator-fault",
                "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
                "POST /openai/deployments/{deployment-id}/chat/completions",
            ),
            404 => Reply::text(404, "text/plain", "NOT FOUND"),
            408 => self.coded(408, "Timeout", "The operation was timeout."),
            429 => errors::rate_limited(operation, api_version, true, self.retry_secs(), self.code(429, "429")),
            500 => self.coded(500, "InternalServerError", "The server had an error while processing your request. Sorry about that!"),
            502 => Reply::text(
                502,
                "text/html",
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n",
            ),
            503 => self.coded(503, "ServiceUnavailable", "The service is temporarily unable to process your request. Please try again later."),
            504 => Reply::text(504, "text/plain", "stream timeout"),
            other => self.coded(other, &other.to_string(), &format!("Injected fault with status {other}.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_vocabulary() {
        let f = Fault::parse("status=429; retry-after-ms=50;x-ms-retry-after-ms=60;retry-after=Wed, 21 Oct 2015 07:28:00 GMT;delay-ms=5").unwrap();
        assert_eq!(f.status, Some(429));
        assert_eq!(f.retry_after_ms.as_deref(), Some("50"));
        assert_eq!(
            f.retry_after.as_deref(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
        assert_eq!(f.delay_ms, 5);
        assert!(f.is_terminal());
        assert_eq!(Fault::parse("ok").unwrap(), Fault::default());
        assert!(!Fault::parse("truncate;chunk-delay-ms=3")
            .unwrap()
            .is_terminal());
        let b = Fault::parse("status=200;body={\"a\":1};x").unwrap();
        assert_eq!(b.body.as_deref(), Some("{\"a\":1};x"));
        assert!(Fault::parse("bogus").is_err());
        assert!(Fault::parse("status=abc").is_err());
        assert!(Fault::parse("delay-ms=-1").is_err());
        let s = Fault::parse("stall-after=2;keepalive-ms=50;endless;invalid-utf8").unwrap();
        assert_eq!(
            (s.stall_after, s.keepalive_ms, s.endless, s.invalid_utf8),
            (Some(2), 50, true, true)
        );
        assert!(!s.is_terminal());
        assert_eq!(
            Fault::parse("huge-body=1073741824").unwrap().huge_body,
            Some(1 << 30)
        );
        assert_eq!(Fault::parse("hang").unwrap().delay_ms, HANG_MS);
    }

    #[test]
    fn retry_seconds_round_up() {
        assert_eq!(Fault::parse("retry-after-ms=1500").unwrap().retry_secs(), 2);
        assert_eq!(Fault::parse("retry-after=7").unwrap().retry_secs(), 7);
        assert_eq!(Fault::default().retry_secs(), 1);
    }
}
