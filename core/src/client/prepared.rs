//! What every request to one deployment through one API shares, prepared once per client: the
//! URL parsed, the headers that do not change between calls, and the API-key header. Handing
//! reqwest a URL as text makes it parse it on every request (scheme, host through IDNA, path
//! and query percent-encoding): about 17,000 instructions a call under callgrind, a tenth of a
//! whole call's; building the URL text, hashing it into a map of parsed URLs and building the
//! constant headers cost about 3,300 more (measured when this replaced that map). A client
//! sends to a few deployments, so each is prepared once and cloned after.
//!
//! Keyed by deployment name: a catalog maps a name to one deployment (a template's included),
//! and what the service taught us about a deployment (`route/learned.rs`) changes only its API
//! (a key of its own here) and its body. A client with other default headers
//! (`Foundry::with_options`) starts a cache of its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Url;
use rustc_hash::FxHashMap;

use crate::auth::AuthHeader;
use crate::config::{Deployment, Shape};
use crate::types::Api;
use crate::{Error, Result};

/// Beyond this many deployments new ones are prepared per request, as before, so a client that
/// is sent to every name (a catalog template) cannot grow without bound.
const MAX_DEPLOYMENTS: usize = 1024;

/// Sent on every attempt of a call, the same for all of them (the correlation id).
pub(crate) const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");

/// One deployment's requests through one API.
pub(crate) struct Prepared {
    /// The URL as text: what reqwest is given when it does not parse as one it sends to.
    pub url: String,
    /// `url` parsed, when it parses as a URL reqwest sends to (a host is required).
    pub parsed: Option<Url>,
    /// `content-type`, the correlation id's place (a placeholder value), then the catalog's
    /// default headers and the deployment's, in the order they were always inserted; or why
    /// one of them cannot be sent.
    headers: Result<HeaderMap>,
    /// A configured header named `x-ms-client-request-id` replaced the correlation id.
    correlation_replaced: bool,
    /// The length of the last body sent: the next one's buffer starts that large, instead of
    /// growing from 128 bytes by doubling (a reallocation and a copy each time).
    body_len: AtomicUsize,
    /// The API-key header of a deployment with `auth: api_key` (its key is fixed by the
    /// catalog), or why it cannot be sent; None for every other credential, asked per call.
    pub api_key: Option<Result<AuthHeader>>,
    /// `headers` with the API key inserted after them, as an attempt that adds nothing in
    /// between sends them (no `extra_headers`, no trace context, no model-inference
    /// header): one clone instead of a clone and an insert. None when the key cannot be
    /// sent, the deployment has another credential, or the API adds a header of its own.
    keyed: Option<HeaderMap>,
}

impl Prepared {
    pub(crate) fn new(
        d: &Deployment,
        api: Api,
        default_headers: &std::collections::BTreeMap<String, String>,
        api_key: Option<Result<AuthHeader>>,
    ) -> Prepared {
        let url = crate::wire::request_url(d, api);
        let parsed = Url::parse(&url).ok().filter(Url::has_host);
        let correlation_replaced = default_headers
            .keys()
            .chain(d.headers.keys())
            .any(|k| k.eq_ignore_ascii_case(CLIENT_REQUEST_ID.as_str()));
        let headers = (|| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CLIENT_REQUEST_ID, HeaderValue::from_static(""));
            for (name, value) in default_headers.iter().chain(d.headers.iter()) {
                insert_header(&mut headers, name, value)?;
            }
            Ok(headers)
        })();
        // The model-inference headers go between the configured ones and the credential.
        let adds_own =
            d.shape == Shape::Inference && (d.extra_parameters.is_some() || api == Api::Info);
        let keyed = match (&headers, &api_key) {
            (Ok(headers), Some(Ok(key))) if !adds_own => {
                let mut keyed = headers.clone();
                keyed.insert(key.name.clone(), key.value.clone());
                Some(keyed)
            }
            _ => None,
        };
        Prepared {
            url,
            parsed,
            headers,
            correlation_replaced,
            api_key,
            keyed,
            body_len: AtomicUsize::new(0),
        }
    }

    /// The constant headers with `correlation_id` in its place, or why they cannot be sent.
    pub(crate) fn headers(&self, correlation_id: &str) -> Result<HeaderMap> {
        Ok(self.with_correlation(self.headers.clone()?, correlation_id))
    }

    /// Every header of an attempt that adds none of its own (see `keyed`), when prepared.
    pub(crate) fn keyed_headers(&self, correlation_id: &str) -> Option<HeaderMap> {
        let keyed = self.keyed.clone()?;
        Some(self.with_correlation(keyed, correlation_id))
    }

    fn with_correlation(&self, mut headers: HeaderMap, correlation_id: &str) -> HeaderMap {
        if !self.correlation_replaced {
            match HeaderValue::from_str(correlation_id) {
                Ok(v) => headers.insert(CLIENT_REQUEST_ID, v),
                Err(_) => headers.remove(CLIENT_REQUEST_ID),
            };
        }
        headers
    }
}

impl Prepared {
    /// How many bytes to reserve for a body (128 at least, as `serde_json::to_vec` does).
    pub(crate) fn body_len_hint(&self) -> usize {
        self.body_len.load(Ordering::Relaxed).max(128)
    }

    /// Records the length of `body`, just serialized; a buffer less than half full (a much
    /// longer body came before) is shrunk, so an in-flight call holds at most what doubling
    /// would have left it.
    pub(crate) fn sent_body_len(&self, body: &mut Vec<u8>) {
        self.body_len.store(body.len(), Ordering::Relaxed);
        if body.capacity() > 2 * body.len().max(64) {
            body.shrink_to_fit();
        }
    }
}

/// Names only: header values may be secrets.
impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self
            .headers
            .as_ref()
            .map(|h| h.keys().map(HeaderName::as_str).collect::<Vec<_>>());
        f.debug_struct("Prepared")
            .field("url", &self.url)
            .field("headers", &names)
            .field("api_key", &self.api_key.is_some())
            .finish()
    }
}

/// Every configured header may carry a secret (an APIM key, a bearer token): it is marked
/// sensitive so the HTTP stack never prints it, and errors name only the header.
pub(crate) fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) -> Result<()> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_request(format!("'{name}' is not a valid header name")))?;
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_request(format!(
            "header '{name}' has a value that is not valid in HTTP"
        ))
    })?;
    value.set_sensitive(true);
    headers.insert(name, value);
    Ok(())
}

/// The prepared requests of one client, by deployment name and API.
#[derive(Debug, Default)]
pub(crate) struct PreparedRequests {
    by_name: RwLock<FxHashMap<String, [Option<Arc<Prepared>>; 4]>>,
}

fn slot(api: Api) -> usize {
    match api {
        Api::Chat => 0,
        Api::Responses => 1,
        Api::Embeddings => 2,
        Api::Info => 3,
    }
}

impl PreparedRequests {
    /// `d`'s requests through `api`, prepared by `prepare` the first time.
    pub(crate) fn get(
        &self,
        d: &Deployment,
        api: Api,
        prepare: impl FnOnce() -> Prepared,
    ) -> Arc<Prepared> {
        let known = self.by_name.read().ok().and_then(|m| {
            m.get(d.name.as_str())
                .and_then(|apis| apis[slot(api)].clone())
        });
        if let Some(prepared) = known {
            return prepared;
        }
        let prepared = Arc::new(prepare());
        if let Ok(mut m) = self.by_name.write() {
            if m.len() < MAX_DEPLOYMENTS || m.contains_key(d.name.as_str()) {
                m.entry(d.name.clone()).or_default()[slot(api)] = Some(Arc::clone(&prepared));
            }
        }
        prepared
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn deployment(endpoint: &str) -> Deployment {
        let mut d = Deployment::new("d", endpoint);
        d.headers
            .insert("X-Ms-Client-Request-Id".into(), "mine".into());
        d.headers.insert("x-team".into(), "t".into());
        d
    }

    #[test]
    fn prepares_once_per_deployment_and_api() {
        let prepared = PreparedRequests::default();
        let d = deployment("http://127.0.0.1:9/");
        let mut made = 0;
        let mut get = |api| {
            prepared.get(&d, api, || {
                made += 1;
                Prepared::new(&d, api, &BTreeMap::new(), None)
            })
        };
        let first = get(Api::Chat);
        assert!(Arc::ptr_eq(&first, &get(Api::Chat)));
        assert_eq!(
            first.parsed.as_ref().map(Url::as_str),
            Some(first.url.as_str())
        );
        assert!(!Arc::ptr_eq(&first, &get(Api::Responses)));
        assert_eq!(made, 2);
    }

    #[test]
    fn keeps_what_reqwest_would_refuse_as_text() {
        let d = deployment("unix:/run/socket/");
        let p = Prepared::new(&d, Api::Chat, &BTreeMap::new(), None);
        assert!(p.parsed.is_none(), "no host");
        assert!(p.url.starts_with("unix:/run/socket/"));
    }

    #[test]
    fn a_configured_correlation_header_wins_in_its_place() {
        let d = deployment("http://127.0.0.1:9/");
        let defaults = BTreeMap::from([("x-default".to_string(), "v".to_string())]);
        let p = Prepared::new(&d, Api::Chat, &defaults, None);
        let headers = p.headers("0123").expect("headers");
        let names: Vec<_> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(
            names,
            [
                "content-type",
                "x-ms-client-request-id",
                "x-default",
                "x-team"
            ]
        );
        assert_eq!(headers["x-ms-client-request-id"], "mine");
        let plain = Prepared::new(&d, Api::Chat, &defaults, None);
        let mut d2 = d.clone();
        d2.headers.clear();
        let ours = Prepared::new(&d2, Api::Chat, &defaults, None);
        assert_eq!(
            ours.headers("0123").unwrap()["x-ms-client-request-id"],
            "0123"
        );
        assert!(plain.headers("0123").unwrap()["x-team"].is_sensitive());
    }

    #[test]
    fn an_api_key_goes_last_as_the_attempt_would_insert_it() {
        let d = deployment("http://127.0.0.1:9/").api_key("made-up-key");
        let key = AuthHeader {
            name: HeaderName::from_static("api-key"),
            value: HeaderValue::from_static("made-up-key"),
            token: None,
        };
        let p = Prepared::new(&d, Api::Chat, &BTreeMap::new(), Some(Ok(key.clone())));
        let mut expected = p.headers("0123").expect("headers");
        expected.insert(key.name.clone(), key.value.clone());
        let keyed = p.keyed_headers("0123").expect("prepared with the key");
        assert_eq!(keyed, expected);
        let order = |h: &HeaderMap| h.keys().map(HeaderName::to_string).collect::<Vec<_>>();
        assert_eq!(order(&keyed), order(&expected));
        // Model-inference headers come between the configured ones and the key.
        let info = d.clone().shape(Shape::Inference);
        let p = Prepared::new(&info, Api::Info, &BTreeMap::new(), Some(Ok(key.clone())));
        assert!(p.keyed_headers("0123").is_none());
        let p = Prepared::new(&d, Api::Chat, &BTreeMap::new(), None);
        assert!(p.keyed_headers("0123").is_none(), "no key");
    }
}
