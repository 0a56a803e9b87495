//! The Rust peers of issue 14, pointed at the same mock with the same call as the core and
//! bare reqwest: async-openai 0.43 (typed structs, unknown fields skipped) and liter-llm 2.4.4
//! (its Azure provider), each configured as its documentation shows for Azure with an API key.
//!
//! Both send the request the core sends (`messages`, `max_tokens`), built once from the same
//! JSON and cloned per call as the core's request is, and both read the answer's text.

use std::collections::HashMap;

use async_openai::config::AzureConfig;
use async_openai::types::chat::CreateChatCompletionRequest;
use liter_llm::{ChatCompletionRequest, ClientConfigBuilder, DefaultClient, LlmClient};
use serde_json::Value;

use crate::mock::API_KEY;

const API_VERSION: &str = "2024-10-21";

/// One client of each peer per deployment: async-openai's Azure configuration names the
/// deployment, liter-llm's client is built for one model hint (`azure/DEPLOYMENT`).
pub struct Peers {
    openai: HashMap<String, async_openai::Client<AzureConfig>>,
    liter: HashMap<String, DefaultClient>,
}

/// What each peer sends, built once per prepared call.
pub struct PeerRequests {
    openai: CreateChatCompletionRequest,
    liter: ChatCompletionRequest,
}

impl Peers {
    /// `http` is the client bare reqwest uses (configured like the core's): async-openai takes
    /// it as is; liter-llm builds its own from its configuration, as its users get it.
    pub fn new(
        endpoint: &str,
        deployments: &[String],
        http: &reqwest::Client,
    ) -> Result<Peers, String> {
        let base = endpoint.trim_end_matches('/');
        let mut openai = HashMap::new();
        let mut liter = HashMap::new();
        for name in deployments.iter().filter(|n| n.starts_with("chat-")) {
            let config = AzureConfig::new()
                .with_api_base(base)
                .with_api_version(API_VERSION)
                .with_deployment_id(name.as_str())
                .with_api_key(API_KEY);
            let client = async_openai::Client::with_config(config).with_http_client(http.clone());
            openai.insert(name.clone(), client);
            // Its defaults otherwise (timeout, retries), as a user gets them.
            let config = ClientConfigBuilder::new(API_KEY).base_url(base).build();
            let client = DefaultClient::new(config, Some(&format!("azure/{name}")))
                .map_err(|e| format!("liter-llm client for {name}: {e}"))?;
            liter.insert(name.clone(), client);
        }
        Ok(Peers { openai, liter })
    }

    pub async fn async_openai(&self, deployment: &str, r: &PeerRequests) -> Result<String, String> {
        let client = self
            .openai
            .get(deployment)
            .ok_or_else(|| format!("no async-openai client for {deployment}"))?;
        let answer = client
            .chat()
            .create(r.openai.clone())
            .await
            .map_err(|e| format!("async-openai: {e}"))?;
        Ok(answer
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .unwrap_or_default())
    }

    pub async fn liter_llm(&self, deployment: &str, r: &PeerRequests) -> Result<String, String> {
        let client = self
            .liter
            .get(deployment)
            .ok_or_else(|| format!("no liter-llm client for {deployment}"))?;
        let answer = client
            .chat(r.liter.clone())
            .await
            .map_err(|e| format!("liter-llm: {e}"))?;
        Ok(answer
            .choices
            .first()
            .and_then(|c| c.message.content.as_ref())
            .and_then(|c| c.as_text())
            .unwrap_or_default())
    }
}

impl PeerRequests {
    /// From the core's wire body for `deployment` (`messages`, `max_tokens`): the same call.
    pub fn new(deployment: &str, wire_body: &Value) -> Result<PeerRequests, String> {
        let mut openai_body = wire_body.clone();
        openai_body["model"] = Value::from(deployment);
        let openai = serde_json::from_value(openai_body)
            .map_err(|e| format!("async-openai request from the core's body: {e}"))?;
        let mut liter_body = wire_body.clone();
        liter_body["model"] = Value::from(format!("azure/{deployment}"));
        let liter = serde_json::from_value(liter_body)
            .map_err(|e| format!("liter-llm request from the core's body: {e}"))?;
        Ok(PeerRequests { openai, liter })
    }
}

#[cfg(test)]
mod tests {
    use super::PeerRequests;
    use serde_json::json;

    #[test]
    fn peers_send_the_cores_body() {
        let body = json!({
            "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
            "max_tokens": 200
        });
        let r = PeerRequests::new("chat-1k", &body).unwrap();
        let openai = serde_json::to_value(&r.openai).unwrap();
        assert_eq!(openai["messages"], body["messages"]);
        assert_eq!(openai["max_tokens"], 200);
        let liter = serde_json::to_value(&r.liter).unwrap();
        assert_eq!(liter["model"], "azure/chat-1k");
        assert_eq!(liter["max_tokens"], 200);
        assert_eq!(liter["messages"][1]["content"], "u");
        assert!(PeerRequests::new("chat-1k", &json!({"messages": 5})).is_err());
    }
}
