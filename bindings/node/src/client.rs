//! `NativeClient`: the core's `Foundry` for JavaScript. The TS wrapper's `Foundry` holds one
//! and exposes it with the OpenAI SDK's names (`chat.completions.create`, ...).

use foundry_client::{ChatRequest, EmbeddingsRequest, Foundry, ResponsesRequest};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::de::DeserializeOwned;

use crate::cancel::{unless_cancelled, CancelToken};
use crate::errors::{caught, invalid_request, to_napi};
use crate::events::EventFunction;
use crate::options::{CatalogSource, NativeOptions};
use crate::results::{chat_json, embeddings_json, responses_json, smoke_json};
use crate::stream::NativeStream;

/// The client. Constructors do file IO at most (never network IO); every call returns a
/// Promise and runs on the addon's tokio runtime.
#[napi]
pub struct NativeClient {
    client: Foundry,
}

fn build(
    source: CatalogSource,
    options: Option<NativeOptions>,
    on_event: Option<EventFunction>,
) -> Result<NativeClient> {
    caught(|| {
        let options = options.unwrap_or_default();
        let catalog = source.load(&options).map_err(to_napi)?;
        let client = Foundry::new(catalog, options.client_options(on_event)).map_err(to_napi)?;
        Ok(NativeClient { client })
    })
}

fn parse<T: DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| invalid_request(what, e))
}

#[napi]
impl NativeClient {
    /// A client over a YAML/JSON catalog file (native or LiteLLM format). File IO only.
    #[napi(factory)]
    pub fn from_config(
        path: String,
        options: Option<NativeOptions>,
        #[napi(ts_arg_type = "((event: string) => void) | undefined | null")] on_event: Option<
            EventFunction,
        >,
    ) -> Result<Self> {
        build(CatalogSource::File(path), options, on_event)
    }

    /// A client over a catalog given as JSON text; `origin` names it in errors. No IO.
    #[napi(factory)]
    pub fn from_catalog(
        catalog: String,
        origin: String,
        options: Option<NativeOptions>,
        #[napi(ts_arg_type = "((event: string) => void) | undefined | null")] on_event: Option<
            EventFunction,
        >,
    ) -> Result<Self> {
        build(
            CatalogSource::Value {
                json: catalog,
                origin,
            },
            options,
            on_event,
        )
    }

    /// A client from `FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY` or the Azure SDK variable names
    /// (read from `options.env` when given). No IO.
    #[napi(factory)]
    pub fn from_env(
        options: Option<NativeOptions>,
        #[napi(ts_arg_type = "((event: string) => void) | undefined | null")] on_event: Option<
            EventFunction,
        >,
    ) -> Result<Self> {
        build(CatalogSource::Environment, options, on_event)
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

    /// A streamed chat completion; `cancel` (the stream's token) also stops it later.
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn chat_stream<'env>(
        &self,
        env: &'env Env,
        request: String,
        cancel: &CancelToken,
    ) -> Result<PromiseRaw<'env, NativeStream>> {
        let request: ChatRequest = parse("the chat request", &request)?;
        let client = self.client.clone();
        let watch = cancel.watch();
        env.spawn_future(unless_cancelled(Some(watch.clone()), async move {
            let stream = client.chat_stream(request).await.map_err(to_napi)?;
            Ok(NativeStream::new(stream, watch, true))
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
        cancel: &CancelToken,
    ) -> Result<PromiseRaw<'env, NativeStream>> {
        let request: ResponsesRequest = parse("the responses request", &request)?;
        let client = self.client.clone();
        let watch = cancel.watch();
        env.spawn_future(unless_cancelled(Some(watch.clone()), async move {
            let stream = client.responses_stream(request).await.map_err(to_napi)?;
            Ok(NativeStream::new(stream, watch, false))
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
