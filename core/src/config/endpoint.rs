//! What an endpoint URL means for credentials: may a secret travel to it, and which Entra
//! scope its tokens need.

use reqwest::Url;

const AI_FOUNDRY_SCOPE: &str = "https://ai.azure.com/.default";
const COGNITIVE_SERVICES_SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// True when a key or token may be sent to `url`: https anywhere, plain http only to a
/// loopback address. Parsed with a real URL parser so that `http://127.0.0.1@evil.example/`
/// or `http://127.attacker.example/` are not mistaken for loopback.
pub(crate) fn secret_may_travel_to(url: &str) -> bool {
    match Url::parse(url) {
        Ok(url) => match url.scheme() {
            "https" => true,
            "http" => is_loopback_host(&url),
            _ => false,
        },
        Err(_) => false,
    }
}

fn is_loopback_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// True when `url` names a loopback host (any scheme): a local emulator, not a cloud.
pub(crate) fn is_loopback(url: &str) -> bool {
    Url::parse(url)
        .map(|u| is_loopback_host(&u))
        .unwrap_or(false)
}

/// The token scope for a deployment endpoint: the newer Foundry hosts
/// (`*.services.ai.azure.com`, `*.ai.azure.com`) take `https://ai.azure.com/.default`,
/// everything else the Cognitive Services scope.
pub(crate) fn default_scope(endpoint: &str) -> &'static str {
    let host = Url::parse(endpoint).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    });
    match host {
        Some(host) if host.ends_with(".ai.azure.com") => AI_FOUNDRY_SCOPE,
        _ => COGNITIVE_SERVICES_SCOPE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_loopback() {
        assert!(secret_may_travel_to("https://res.openai.azure.com/"));
        assert!(secret_may_travel_to("http://127.0.0.1:8080/"));
        assert!(secret_may_travel_to("http://127.5.6.7/"));
        assert!(secret_may_travel_to("http://localhost:1/"));
        assert!(secret_may_travel_to("http://[::1]:9/"));
        assert!(secret_may_travel_to("HTTPS://RES.OPENAI.AZURE.COM/"));
        assert!(!secret_may_travel_to("http://res.openai.azure.com/"));
        assert!(!secret_may_travel_to("http://10.0.0.1/"));
        assert!(!secret_may_travel_to("http://169.254.169.254/"));
        assert!(!secret_may_travel_to("http://127.0.0.1@evil.example/"));
        assert!(!secret_may_travel_to("http://127.attacker.example/"));
        assert!(!secret_may_travel_to("http://localhost.attacker.example/"));
        assert!(!secret_may_travel_to("ftp://127.0.0.1/"));
        assert!(!secret_may_travel_to("not a url"));
    }

    #[test]
    fn scope_follows_the_endpoint_host() {
        assert_eq!(
            default_scope("https://x.services.ai.azure.com/"),
            AI_FOUNDRY_SCOPE
        );
        assert_eq!(default_scope("https://x.ai.azure.com/"), AI_FOUNDRY_SCOPE);
        assert_eq!(
            default_scope("https://X.Services.AI.Azure.com./"),
            AI_FOUNDRY_SCOPE
        );
        assert_eq!(
            default_scope("https://x.openai.azure.com/"),
            COGNITIVE_SERVICES_SCOPE
        );
        assert_eq!(
            default_scope("https://x.cognitiveservices.azure.com/"),
            COGNITIVE_SERVICES_SCOPE
        );
        assert_eq!(
            default_scope("https://evil-ai.azure.com.example/"),
            COGNITIVE_SERVICES_SCOPE
        );
        assert_eq!(
            default_scope("https://ai.azure.com.evil/"),
            COGNITIVE_SERVICES_SCOPE
        );
        assert_eq!(
            default_scope("http://127.0.0.1:4000/"),
            COGNITIVE_SERVICES_SCOPE
        );
        assert_eq!(default_scope("garbage"), COGNITIVE_SERVICES_SCOPE);
    }
}
