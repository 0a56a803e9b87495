//! App Service style managed identity (App Service, Functions, Container Apps): a local
//! endpoint named by `IDENTITY_ENDPOINT` that hands out tokens to callers presenting
//! `IDENTITY_HEADER`. Spoken directly rather than through azure_identity because that crate
//! reads the two variables from the process environment, which would ignore the client's
//! injected environment and silently fall back to the VM metadata address.

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Url;
use serde::Deserialize;

use super::errors::{credential_failure, redact, CredentialName};
use super::token_cache::FetchedToken;
use crate::config::endpoint::secret_may_travel_to;
use crate::config::Secret;
use crate::{Error, ErrorKind, Result};

const API_VERSION: &str = "2019-08-01";
/// The endpoint is local; an answer slower than this means it is stuck.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Keeps an error body readable; identity endpoints answer with short JSON.
const MAX_ERROR_BODY: usize = 400;

/// Where and how to ask the local identity endpoint.
#[derive(Debug, Clone)]
pub(crate) struct AppServiceIdentity {
    pub endpoint: String,
    pub header: Secret,
    /// A user-assigned identity's client id.
    pub client_id: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Unix seconds; App Service sends it as a string, some hosts as a number.
    expires_on: Option<serde_json::Value>,
    expires_in: Option<serde_json::Value>,
}

impl AppServiceIdentity {
    /// Fails early, before any request, when the endpoint would expose `IDENTITY_HEADER`.
    pub(crate) fn check(&self) -> Result<()> {
        if secret_may_travel_to(&self.endpoint) {
            return Ok(());
        }
        Err(credential_failure(
            CredentialName::ManagedIdentity,
            "IDENTITY_ENDPOINT must be https or a plain-http loopback address (App Service serves it on 127.0.0.1/localhost)",
        ))
    }

    pub(crate) async fn fetch(&self, http: &reqwest::Client, scope: &str) -> Result<FetchedToken> {
        self.check()?;
        let fail = |message: String| {
            credential_failure(
                CredentialName::ManagedIdentity,
                redact(&message, &[self.header.expose()]),
            )
        };
        let mut url = Url::parse(&self.endpoint)
            .map_err(|e| fail(format!("IDENTITY_ENDPOINT is not a URL: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("api-version", API_VERSION);
            // The endpoint wants a resource, not a scope.
            query.append_pair("resource", scope.strip_suffix("/.default").unwrap_or(scope));
            if let Some(client_id) = &self.client_id {
                query.append_pair("client_id", client_id);
            }
        }
        let mut secret = HeaderValue::from_str(self.header.expose())
            .map_err(|_| fail("IDENTITY_HEADER is not a valid HTTP header value".into()))?;
        secret.set_sensitive(true);
        let response = http
            .get(url)
            .header("x-identity-header", secret)
            .header("metadata", "true")
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|e| {
                fail(format!("the identity endpoint could not be reached: {e}")).with_source(&e)
            })?;
        let status = response.status();
        // Capped by the token cache (defaults.token_fetch.max_retry_after_secs).
        let retry_after = crate::wire::retry_after(response.headers());
        let body = response.text().await.map_err(|e| {
            fail(format!("the identity endpoint's answer broke off: {e}")).with_source(&e)
        })?;
        if !status.is_success() {
            let excerpt: String = body.chars().take(MAX_ERROR_BODY).collect();
            let mut error = fail(format!(
                "the identity endpoint answered {}: {excerpt}",
                status.as_u16()
            ));
            if status.as_u16() == 401 {
                error = retyped(error, ErrorKind::Authentication);
            }
            return Err(error.with_retry_after(retry_after));
        }
        let token: TokenResponse = serde_json::from_str(&body).map_err(|e| {
            fail(format!(
                "the identity endpoint's answer is not a token: {e}"
            ))
            .with_source(&e)
        })?;
        let expires_in = expires_in(&token).ok_or_else(|| {
            fail("the identity endpoint's answer has no usable expires_on".into())
        })?;
        Ok(FetchedToken {
            value: token.access_token,
            expires_in,
        })
    }
}

fn retyped(error: Error, kind: ErrorKind) -> Error {
    let hint = error.hint.clone();
    Error::new(kind, error.message.clone()).with_hint(hint)
}

fn as_seconds(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn expires_in(token: &TokenResponse) -> Option<Duration> {
    if let Some(expires_on) = token.expires_on.as_ref().and_then(as_seconds) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        let now = i64::try_from(now).ok()?;
        return Some(Duration::from_secs(
            u64::try_from(expires_on.saturating_sub(now)).unwrap_or(0),
        ));
    }
    let seconds = token.expires_in.as_ref().and_then(as_seconds)?;
    Some(Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(json: serde_json::Value) -> TokenResponse {
        serde_json::from_value(json).expect("token response")
    }

    #[test]
    fn expiry_is_read_as_string_or_number_or_lifetime() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let in_an_hour = (now + 3600).to_string();
        let d = expires_in(&response(
            serde_json::json!({"access_token": "t", "expires_on": in_an_hour}),
        ))
        .expect("expiry");
        assert!(d > Duration::from_secs(3590) && d <= Duration::from_secs(3600));
        let d = expires_in(&response(
            serde_json::json!({"access_token": "t", "expires_on": now + 60}),
        ))
        .expect("expiry");
        assert!(d <= Duration::from_secs(60));
        let d = expires_in(&response(
            serde_json::json!({"access_token": "t", "expires_in": "120"}),
        ));
        assert_eq!(d, Some(Duration::from_secs(120)));
        let past = expires_in(&response(
            serde_json::json!({"access_token": "t", "expires_on": 5}),
        ));
        assert_eq!(past, Some(Duration::ZERO));
        assert_eq!(
            expires_in(&response(serde_json::json!({"access_token": "t"}))),
            None
        );
        let odd = response(
            serde_json::json!({"access_token": "t", "expires_on": "05/01/2030 00:00:00 +00:00"}),
        );
        assert_eq!(expires_in(&odd), None);
    }

    #[test]
    fn a_remote_plain_http_endpoint_is_refused() {
        let identity = AppServiceIdentity {
            endpoint: "http://10.1.2.3/msi/token".into(),
            header: Secret::new("identity-header-not-real"),
            client_id: None,
        };
        let error = identity.check().expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(!format!("{error:?}").contains("identity-header-not-real"));
    }
}
