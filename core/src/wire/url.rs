//! Where each API of a deployment lives, per endpoint shape (FOUNDRY.md, "Endpoint shapes").

use crate::config::{Deployment, Shape};
use crate::types::Api;

/// Percent-encodes one path segment or query value: everything but RFC 3986 unreserved
/// characters, so a deployment name can never add a path segment or a query parameter.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The endpoint with exactly one trailing slash (the catalog guarantees it; this keeps
/// hand-built deployments working too).
fn base(d: &Deployment) -> String {
    let mut e = d.endpoint.trim_end_matches('/').to_string();
    e.push('/');
    e
}

/// The URL a call to `api` on `d` is sent to.
///
/// - `azure`: `{endpoint}openai/deployments/{deployment}/chat/completions?api-version=...`
///   (`/embeddings` likewise); Responses go to `{endpoint}openai/responses?api-version=...`
///   with `responses_api_version`.
/// - `v1`: `{endpoint}openai/v1/chat/completions` | `/responses` | `/embeddings`.
/// - `inference`: `{endpoint}models/chat/completions?api-version=...` | `models/embeddings`
///   | `models/info`; the model-inference API has no Responses route, so it maps to chat.
/// - `openai`: `{endpoint}v1/chat/completions` | `v1/responses` | `v1/embeddings`, without
///   doubling a `/v1/` the endpoint already ends with.
pub fn request_url(d: &Deployment, api: Api) -> String {
    let endpoint = base(d);
    let deployment = encode_component(&d.deployment);
    let version = encode_component(&d.api_version);
    match d.shape {
        Shape::Azure => match api {
            Api::Chat => format!(
                "{endpoint}openai/deployments/{deployment}/chat/completions?api-version={version}"
            ),
            Api::Embeddings => {
                format!(
                    "{endpoint}openai/deployments/{deployment}/embeddings?api-version={version}"
                )
            }
            Api::Responses => format!(
                "{endpoint}openai/responses?api-version={}",
                encode_component(&d.responses_api_version)
            ),
            Api::Info => format!("{endpoint}openai/deployments/{deployment}?api-version={version}"),
        },
        Shape::V1 => match api {
            Api::Chat => format!("{endpoint}openai/v1/chat/completions"),
            Api::Responses => format!("{endpoint}openai/v1/responses"),
            Api::Embeddings => format!("{endpoint}openai/v1/embeddings"),
            Api::Info => format!("{endpoint}openai/v1/models/{deployment}"),
        },
        Shape::Inference => match api {
            Api::Chat | Api::Responses => {
                format!("{endpoint}models/chat/completions?api-version={version}")
            }
            Api::Embeddings => format!("{endpoint}models/embeddings?api-version={version}"),
            Api::Info => format!("{endpoint}models/info?api-version={version}"),
        },
        Shape::Openai => {
            let root = if endpoint.ends_with("/v1/") {
                endpoint
            } else {
                format!("{endpoint}v1/")
            };
            match api {
                Api::Chat => format!("{root}chat/completions"),
                Api::Responses => format!("{root}responses"),
                Api::Embeddings => format!("{root}embeddings"),
                Api::Info => format!("{root}models/{deployment}"),
            }
        }
    }
}

/// Whether the request body names the deployment in `model`. Azure's classic routes carry it
/// in the URL instead (and `/info` is a GET without a body).
pub fn body_carries_model(d: &Deployment, api: Api) -> bool {
    match api {
        Api::Info => false,
        Api::Chat | Api::Embeddings => d.shape != Shape::Azure,
        Api::Responses => true,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{AuthConfig, Pricing, TokensParam};

    pub(crate) fn deployment(shape: Shape, endpoint: &str, name: &str) -> Deployment {
        Deployment {
            name: name.to_string(),
            deployment: name.to_string(),
            model: None,
            endpoint: endpoint.to_string(),
            shape,
            api_version: "2024-10-21".to_string(),
            responses_api_version: "2025-04-01-preview".to_string(),
            auth: AuthConfig::None,
            thinking: false,
            responses_only: false,
            max_tokens_param: TokensParam::MaxTokens,
            min_max_tokens: None,
            extra_parameters: None,
            pricing: Pricing::default(),
            tpm: None,
            rpm: None,
            tags: Default::default(),
            headers: Default::default(),
            retry_after_send: false,
        }
    }

    #[test]
    fn azure_classic_urls() {
        let d = deployment(Shape::Azure, "https://r.openai.azure.com/", "gpt-5.4");
        assert_eq!(
            request_url(&d, Api::Chat),
            "https://r.openai.azure.com/openai/deployments/gpt-5.4/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            request_url(&d, Api::Embeddings),
            "https://r.openai.azure.com/openai/deployments/gpt-5.4/embeddings?api-version=2024-10-21"
        );
        assert_eq!(
            request_url(&d, Api::Responses),
            "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview"
        );
        assert!(!body_carries_model(&d, Api::Chat));
        assert!(!body_carries_model(&d, Api::Embeddings));
        assert!(body_carries_model(&d, Api::Responses));
    }

    #[test]
    fn deployment_names_are_encoded() {
        let d = deployment(Shape::Azure, "https://r.openai.azure.com/", "a b/../x?y=1");
        assert_eq!(
            request_url(&d, Api::Chat),
            "https://r.openai.azure.com/openai/deployments/a%20b%2F..%2Fx%3Fy%3D1/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn v1_inference_openai_urls() {
        let d = deployment(Shape::V1, "https://r.openai.azure.com/", "Kimi-K2.6");
        assert_eq!(
            request_url(&d, Api::Chat),
            "https://r.openai.azure.com/openai/v1/chat/completions"
        );
        assert_eq!(
            request_url(&d, Api::Responses),
            "https://r.openai.azure.com/openai/v1/responses"
        );
        assert_eq!(
            request_url(&d, Api::Embeddings),
            "https://r.openai.azure.com/openai/v1/embeddings"
        );
        assert!(body_carries_model(&d, Api::Chat));

        let d = deployment(
            Shape::Inference,
            "https://r.services.ai.azure.com/",
            "DeepSeek-V3.2",
        );
        assert_eq!(
            request_url(&d, Api::Chat),
            "https://r.services.ai.azure.com/models/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(request_url(&d, Api::Responses), request_url(&d, Api::Chat));
        assert_eq!(
            request_url(&d, Api::Embeddings),
            "https://r.services.ai.azure.com/models/embeddings?api-version=2024-10-21"
        );
        assert_eq!(
            request_url(&d, Api::Info),
            "https://r.services.ai.azure.com/models/info?api-version=2024-10-21"
        );

        let d = deployment(Shape::Openai, "https://api.openai.com/", "gpt-5");
        assert_eq!(
            request_url(&d, Api::Chat),
            "https://api.openai.com/v1/chat/completions"
        );
        let d = deployment(Shape::Openai, "http://127.0.0.1:8000/v1/", "local");
        assert_eq!(
            request_url(&d, Api::Responses),
            "http://127.0.0.1:8000/v1/responses"
        );
        let d = deployment(Shape::Openai, "http://127.0.0.1:8000/v1", "local");
        assert_eq!(
            request_url(&d, Api::Embeddings),
            "http://127.0.0.1:8000/v1/embeddings"
        );
    }
}
