//! `NativeClient`: the core's `Foundry` for JavaScript. The TS wrapper's `Foundry` holds one
//! and exposes it with the OpenAI SDK's names (`chat.completions.create`, ...).

use std::sync::Arc;

use foundry_client::{
    ChatRequest, EmbeddingsRequest, Foundry, ResponsesRequest, ScopeSpec, StreamHandle,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::de::DeserializeOwned;

use crate::cancel::{unless_cancelled, CancelToken};
use crate::errors::{caught, invalid_request, to_napi};
use crate::events::EventFunction;
use crate::options::{NativeCallOptions, NativeSettings, TokenFunction};
use crate::results::{chat_json, embeddings_json, responses_json, smoke_json};
use crate::stream::NativeStream;

/// The client. Constructing it does file IO at most (never network IO); every call returns a
/// Promise and runs on the addon's tokio runtime.
#[napi]
pub struct NativeClient {
    client: Foundry,
}

fn parse<T: DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| invalid_request(what, e))
}

#[napi]
impl NativeClient {
    /// `new Foundry({...})`: the settings converted into the core's `ClientSettings`, whose
    /// precedence and validation decide (`Foundry::from_settings`). File IO at most.
    #[napi(constructor)]
    pub fn new(
        settings: NativeSettings,
        #[napi(ts_arg_type = "((event: string) => void) | undefined | null")] on_event: Option<
            EventFunction,
        >,
        #[napi(ts_arg_type = "(() => Promise<string>) | undefined | null")] token_provider: Option<
            TokenFunction,
        >,
    ) -> Result<Self> {
        caught(|| {
            let settings = settings
                .into_settings(on_event, token_provider)
                .map_err(to_napi)?;
            let client = Foundry::from_settings(settings).map_err(to_napi)?;
            Ok(NativeClient { client })
        })
    }

    /// `withOptions({...})`: a client sharing this one's connections, tokens, budget and
    /// breakers, with other call settings (`Foundry::with_options`). No IO.
    #[napi]
    pub fn with_options(&self, options: NativeCallOptions) -> Result<NativeClient> {
        caught(|| {
            let overrides = options.into_overrides().map_err(to_napi)?;
            let client = self.client.with_options(overrides).map_err(to_napi)?;
            Ok(NativeClient { client })
        })
    }

    /// `scope(name, {...})`: a scoped handle (`Foundry::scope`). `options` is the spec as JSON
    /// with the core's snake_case keys, read by the core (`ScopeSpec::from_json`: its
    /// messages). Opens the ledger at most; no network IO.
    #[napi]
    pub fn scope(&self, name: String, options: String) -> Result<NativeClient> {
        caught(|| {
            let options: serde_json::Value = parse("the scope options", &options)?;
            let spec = ScopeSpec::from_json(&name, &options).map_err(to_napi)?;
            let client = self.client.scope(spec).map_err(to_napi)?;
            Ok(NativeClient { client })
        })
    }

    /// Revokes this scoped handle (`Foundry::revoke`): its later calls, and those of handles
    /// derived from it, reject with `revoked`. No IO.
    #[napi]
    pub fn revoke(&self) -> Result<()> {
        caught(|| self.client.revoke().map_err(to_napi))
    }

    /// The scope path this client's calls count for (`Foundry::scope_path`). No IO.
    #[napi(getter)]
    pub fn scope_path(&self) -> Option<String> {
        self.client.scope_path().map(str::to_string)
    }

    /// Each budget's spend in its current period (`Foundry::spend`) as a JSON array. Reads
    /// the ledger; no network IO.
    #[napi]
    pub fn spend(&self) -> Result<String> {
        caught(|| {
            let lines = self.client.spend().map_err(to_napi)?;
            serde_json::to_string(&lines).map_err(|e| invalid_request("the spend lines", e))
        })
    }

    /// Each local rate limit as it stands (`Foundry::limits`) as a JSON array. No IO.
    #[napi]
    pub fn limits(&self) -> Result<String> {
        caught(|| {
            serde_json::to_string(&self.client.limits())
                .map_err(|e| invalid_request("the limit lines", e))
        })
    }

    /// A chat completion; `request` is the OpenAI-style request as JSON. Resolves with
    /// `{result, view?}` JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn chat<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        let request: ChatRequest = parse("the chat request", &request)?;
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let r = client.chat(request).await.map_err(to_napi)?;
            Ok(chat_json(&r))
        }))
    }

    /// A streamed chat completion; `cancel` stops it while it opens (the stream's own
    /// `cancel()` after).
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn chat_stream<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, NativeStream>> {
        let request: ChatRequest = parse("the chat request", &request)?;
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let stream = client.chat_stream(request).await.map_err(to_napi)?;
            Ok(NativeStream::new(Arc::new(StreamHandle::new(stream)), true))
        }))
    }

    /// A Responses-API call. Resolves with `{result}` JSON (`result.raw` is the Responses
    /// object).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn responses<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        let request: ResponsesRequest = parse("the responses request", &request)?;
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let r = client.responses(request).await.map_err(to_napi)?;
            Ok(responses_json(&r))
        }))
    }

    /// A streamed Responses-API call; chunks carry the Responses events as `raw`.
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn responses_stream<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, NativeStream>> {
        let request: ResponsesRequest = parse("the responses request", &request)?;
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let stream = client.responses_stream(request).await.map_err(to_napi)?;
            Ok(NativeStream::new(
                Arc::new(StreamHandle::new(stream)),
                false,
            ))
        }))
    }

    /// Embeddings for one input or a batch. Resolves with `{result}` JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn embeddings<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        let request: EmbeddingsRequest = parse("the embeddings request", &request)?;
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let r = client.embeddings(request).await.map_err(to_napi)?;
            Ok(embeddings_json(&r))
        }))
    }

    /// The model-inference endpoint's `/info` for a deployment, as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn info<'env>(
        &self,
        env: &'env Env,
        model: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            let info = client.info(&model).await.map_err(to_napi)?;
            Ok(info.to_string())
        }))
    }

    /// Pings every deployment concurrently; resolves with a JSON array of outcomes (never
    /// rejects as a whole).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn smoke<'env>(
        &self,
        env: &'env Env,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'env, String>> {
        let client = self.client.clone();
        let cancel = cancel.map(CancelToken::watch);
        env.spawn_future(unless_cancelled(cancel, async move {
            Ok(smoke_json(&client.smoke().await))
        }))
    }

    /// Resolves when every settle this client started has reached the spend ledger
    /// (`Foundry::settled`): on a fleet's Redis store settles run as tasks, so a process about
    /// to exit awaits this for its books to be complete.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn settled<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let client = self.client.clone();
        env.spawn_future(unless_cancelled(None, async move {
            client.settled().await;
            Ok(())
        }))
    }

    /// The catalog's deployments (with what the client learned applied) as a JSON array.
    /// No IO.
    #[napi]
    pub fn deployments(&self) -> Result<String> {
        caught(|| {
            let list: Vec<serde_json::Value> = self
                .client
                .deployments()
                .iter()
                .map(|d| d.to_json())
                .collect();
            Ok(serde_json::Value::Array(list).to_string())
        })
    }
}
