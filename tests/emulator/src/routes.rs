//! Which endpoint a request is for. Paths are matched segment by segment, without forgiving
//! empty segments (`//openai/...`), so that a client's URL-building bug shows up as the 404 the
//! real service gives.

use hyper::Method;
use percent_encoding::percent_decode_str;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Chat,
    Responses,
    Embeddings,
    /// `GET /models/info` (Azure AI Model Inference).
    Info,
    /// `GET /v1/models`, `GET /openai/v1/models`.
    Models,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `/openai/deployments/{dep}/...?api-version=` and `/openai/responses?api-version=`.
    Azure,
    /// `/openai/v1/...`.
    AzureV1,
    /// `/models/...` (Azure AI Model Inference).
    Inference,
    /// `/v1/...` (OpenAI and compatible servers).
    OpenAi,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub api: Api,
    pub shape: Shape,
    /// The deployment named in the URL (classic Azure paths).
    pub deployment: Option<String>,
    pub api_version: Option<String>,
}

#[derive(Debug)]
pub enum Target {
    Api(Route),
    /// An unknown path, or a known one without its required `api-version`.
    NotFound,
    /// `POST /{tenant}/oauth2/v2.0/token`.
    EntraToken,
    /// `GET /msi/token`.
    ManagedIdentity,
    /// `GET /secrets/{name}[/{version}]` (Key Vault).
    VaultSecret {
        name: String,
        version: Option<String>,
    },
    /// `/_emulator/...`: the segments after it.
    Control(Vec<String>),
    /// `POST /v1/traces`, `POST /v1/metrics`: the OTLP/HTTP receiver.
    Otlp(crate::otlp::Signal),
}

pub fn classify(method: &Method, path: &str, query: &[(String, String)]) -> Target {
    let Some(rest) = path.strip_prefix('/') else {
        return Target::NotFound;
    };
    let segs: Vec<String> = rest
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let api_version = query
        .iter()
        .find(|(k, _)| k == "api-version")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let post = method == Method::POST;
    let get = method == Method::GET;
    let route = |api, shape, deployment: Option<&str>| {
        Target::Api(Route {
            api,
            shape,
            deployment: deployment.map(str::to_string),
            api_version: api_version.clone(),
        })
    };
    // Azure's classic paths exist only with an api-version: without one they are a 404.
    let versioned = |t: Target| {
        if api_version.is_some() {
            t
        } else {
            Target::NotFound
        }
    };

    match s.as_slice() {
        ["_emulator", tail @ ..] => Target::Control(tail.iter().map(|t| t.to_string()).collect()),
        ["msi", "token"] if get => Target::ManagedIdentity,
        ["v1", "traces"] if post => Target::Otlp(crate::otlp::Signal::Traces),
        ["v1", "metrics"] if post => Target::Otlp(crate::otlp::Signal::Metrics),
        [tenant, "oauth2", "v2.0", "token"] if post && !tenant.is_empty() => Target::EntraToken,
        ["secrets", name] if get && !name.is_empty() => Target::VaultSecret {
            name: name.to_string(),
            version: None,
        },
        // `/secrets/{name}/` is the current version too: the Azure SDKs call it so.
        ["secrets", name, version] if get && !name.is_empty() => Target::VaultSecret {
            name: name.to_string(),
            version: Some(version.to_string()).filter(|v| !v.is_empty()),
        },

        ["openai", "deployments", dep, "chat", "completions"] if post && !dep.is_empty() => {
            versioned(route(Api::Chat, Shape::Azure, Some(dep)))
        }
        ["openai", "deployments", dep, "embeddings"] if post && !dep.is_empty() => {
            versioned(route(Api::Embeddings, Shape::Azure, Some(dep)))
        }
        ["openai", "responses"] if post => versioned(route(Api::Responses, Shape::Azure, None)),

        ["openai", "v1", "chat", "completions"] if post => route(Api::Chat, Shape::AzureV1, None),
        ["openai", "v1", "responses"] if post => route(Api::Responses, Shape::AzureV1, None),
        ["openai", "v1", "embeddings"] if post => route(Api::Embeddings, Shape::AzureV1, None),
        ["openai", "v1", "models"] if get => route(Api::Models, Shape::AzureV1, None),

        ["models", "chat", "completions"] if post => route(Api::Chat, Shape::Inference, None),
        ["models", "embeddings"] if post => route(Api::Embeddings, Shape::Inference, None),
        ["models", "info"] if get => route(Api::Info, Shape::Inference, None),

        ["v1", "chat", "completions"] if post => route(Api::Chat, Shape::OpenAi, None),
        ["v1", "responses"] if post => route(Api::Responses, Shape::OpenAi, None),
        ["v1", "embeddings"] if post => route(Api::Embeddings, Shape::OpenAi, None),
        ["v1", "models"] if get => route(Api::Models, Shape::OpenAi, None),
        _ => Target::NotFound,
    }
}

pub fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(method: Method, path: &str, query: &str) -> Target {
        classify(&method, path, &parse_query(Some(query)))
    }

    #[test]
    fn classic_paths_need_api_version() {
        match t(
            Method::POST,
            "/openai/deployments/gpt-5.4/chat/completions",
            "api-version=2024-10-21",
        ) {
            Target::Api(r) => {
                assert_eq!((r.api, r.shape), (Api::Chat, Shape::Azure));
                assert_eq!(r.deployment.as_deref(), Some("gpt-5.4"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t(
                Method::POST,
                "/openai/deployments/gpt-5.4/chat/completions",
                ""
            ),
            Target::NotFound
        ));
        assert!(matches!(
            t(Method::POST, "//openai/v1/chat/completions", ""),
            Target::NotFound
        ));
        assert!(matches!(
            t(Method::GET, "/openai/v1/chat/completions", ""),
            Target::NotFound
        ));
    }

    #[test]
    fn other_targets() {
        assert!(matches!(
            t(Method::POST, "/my-tenant/oauth2/v2.0/token", ""),
            Target::EntraToken
        ));
        assert!(matches!(
            t(Method::GET, "/msi/token", "resource=x"),
            Target::ManagedIdentity
        ));
        assert!(
            matches!(t(Method::GET, "/_emulator/stats", ""), Target::Control(v) if v == ["stats"])
        );
        assert!(matches!(
            t(Method::GET, "/secrets/foundry-api-key", "api-version=7.5"),
            Target::VaultSecret { name, version: None } if name == "foundry-api-key"
        ));
        assert!(matches!(
            t(Method::GET, "/secrets/k/0a1b", ""),
            Target::VaultSecret { version: Some(v), .. } if v == "0a1b"
        ));
        assert!(matches!(
            t(Method::POST, "/secrets/k", ""),
            Target::NotFound
        ));
        assert!(matches!(t(Method::GET, "/models/info", ""), Target::Api(r) if r.api == Api::Info));
        match t(
            Method::POST,
            "/openai/deployments/Kimi%2DK2.6/embeddings",
            "api-version=1",
        ) {
            Target::Api(r) => assert_eq!(r.deployment.as_deref(), Some("Kimi-K2.6")),
            other => panic!("{other:?}"),
        }
    }
}
