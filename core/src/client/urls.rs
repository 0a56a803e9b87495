//! Request URLs parsed once per client. Handing reqwest a URL as text makes it parse it on
//! every request (scheme, host through IDNA, path and query percent-encoding): about 17,000
//! instructions a call under callgrind, a tenth of a whole call's. A client sends to a few
//! URLs, so each is parsed once and the parsed `Url` cloned after that.

use std::collections::HashMap;
use std::sync::RwLock;

use reqwest::Url;

/// Beyond this many distinct URLs new ones are parsed per request, as before, so a client
/// that is sent everywhere cannot grow without bound.
const MAX_URLS: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct ParsedUrls {
    urls: RwLock<HashMap<String, Url>>,
}

impl ParsedUrls {
    /// `url` parsed, or `None` when it does not parse as one reqwest sends to (a host is
    /// required): the caller then gives reqwest the text, which reports the error as before.
    pub(crate) fn get(&self, url: &str) -> Option<Url> {
        if let Some(parsed) = self.urls.read().ok()?.get(url) {
            return Some(parsed.clone());
        }
        let parsed = Url::parse(url).ok().filter(Url::has_host)?;
        if let Ok(mut urls) = self.urls.write() {
            if urls.len() < MAX_URLS {
                urls.insert(url.to_string(), parsed.clone());
            }
        }
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_and_refuses_what_reqwest_would() {
        let urls = ParsedUrls::default();
        let text =
            "http://127.0.0.1:9/openai/deployments/d/chat/completions?api-version=2024-10-21";
        let first = urls.get(text).unwrap();
        assert_eq!(first.as_str(), text);
        assert_eq!(urls.get(text).unwrap(), first);
        assert_eq!(urls.urls.read().unwrap().len(), 1);
        assert!(urls.get("not a url").is_none());
        assert!(urls.get("unix:/run/socket").is_none(), "no host");
        assert_eq!(urls.urls.read().unwrap().len(), 1);
    }
}
