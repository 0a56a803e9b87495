//! `NativeClient`: the core's `Foundry` behind UniFFI. Constructors do file IO at most; every
//! call is a Kotlin `suspend fun` awaiting the core on tokio, and cancelling the coroutine
//! drops the Rust future, which aborts its HTTP request.

use std::sync::Arc;

use foundry_client::Foundry;

use crate::catalog::{CatalogSource, CatalogSpec, ClientSettings};
use crate::errors::NativeError;
use crate::events::EventListener;
use crate::requests::{ChatRequest, EmbeddingsRequest, ResponsesRequest};
use crate::results::{ChatResult, DeploymentInfo, EmbeddingsResult, SmokeResult};
use crate::runtime::run;
use crate::stream::NativeStream;

/// The client (Kotlin: wrapped by `Foundry`). Thread-safe; share one per process.
#[derive(uniffi::Object)]
pub struct NativeClient {
    client: Foundry,
}

fn build(
    source: CatalogSource,
    settings: ClientSettings,
    listener: Option<Arc<dyn EventListener>>,
) -> Result<Arc<NativeClient>, NativeError> {
    let catalog = settings.load(source)?;
    let client = Foundry::new(catalog, settings.options(listener))?;
    Ok(Arc::new(NativeClient { client }))
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A client over a YAML or JSON catalog file (native or LiteLLM format). File IO only.
    #[uniffi::constructor]
    pub fn from_config(
        path: String,
        settings: ClientSettings,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, NativeError> {
        build(CatalogSource::File(path), settings, listener)
    }

    /// A client over catalog text (YAML or JSON); `origin` names it in errors. No IO.
    #[uniffi::constructor]
    pub fn from_catalog_text(
        text: String,
        origin: String,
        settings: ClientSettings,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, NativeError> {
        build(CatalogSource::Text { text, origin }, settings, listener)
    }

    /// A client over a catalog built in code. No IO.
    #[uniffi::constructor]
    pub fn from_spec(
        spec: CatalogSpec,
        settings: ClientSettings,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, NativeError> {
        build(CatalogSource::Value(spec.to_json()?), settings, listener)
    }

    /// A client from `FOUNDRY_ENDPOINT` / `FOUNDRY_API_KEY` or the Azure SDK names; without a
    /// key, Entra ID (managed identity first on AKS) is used. No IO.
    #[uniffi::constructor]
    pub fn from_environment(
        settings: ClientSettings,
        listener: Option<Arc<dyn EventListener>>,
    ) -> Result<Arc<Self>, NativeError> {
        build(CatalogSource::Environment, settings, listener)
    }

    /// A chat completion. Network IO; never blocks the calling thread.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResult, NativeError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(ChatResult::from(&client.chat(request).await?)) }).await
    }

    /// A Responses-API call, normalized like chat. Network IO.
    pub async fn responses(&self, request: ResponsesRequest) -> Result<ChatResult, NativeError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(ChatResult::from(&client.responses(request).await?)) }).await
    }

    /// Embeddings. Network IO.
    pub async fn embeddings(
        &self,
        request: EmbeddingsRequest,
    ) -> Result<EmbeddingsResult, NativeError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(EmbeddingsResult::from(&client.embeddings(request).await?)) }).await
    }

    /// Opens a streamed chat completion (the answer's headers have arrived). Network IO.
    pub async fn open_chat_stream(
        &self,
        request: ChatRequest,
    ) -> Result<Arc<NativeStream>, NativeError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move {
            Ok(Arc::new(NativeStream::new(
                client.chat_stream(request).await?,
            )))
        })
        .await
    }

    /// Opens a streamed Responses-API call. Network IO.
    pub async fn open_responses_stream(
        &self,
        request: ResponsesRequest,
    ) -> Result<Arc<NativeStream>, NativeError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move {
            let stream = client.responses_stream(request).await?;
            Ok(Arc::new(NativeStream::new(stream)))
        })
        .await
    }

    /// Pings every deployment concurrently; each reports its own outcome (fails only if the
    /// IO runtime cannot start). Network IO.
    pub async fn smoke(&self) -> Result<Vec<SmokeResult>, NativeError> {
        let client = self.client.clone();
        run(async move { Ok(client.smoke().await.iter().map(SmokeResult::from).collect()) }).await
    }

    /// The model-inference endpoint's `/info` for a deployment, as JSON text. Network IO.
    pub async fn info(&self, model: String) -> Result<String, NativeError> {
        let client = self.client.clone();
        run(async move { Ok(client.info(&model).await?.to_string()) }).await
    }

    /// The catalog's deployments, with what the client learned applied. No IO.
    pub fn deployments(&self) -> Vec<DeploymentInfo> {
        self.client
            .deployments()
            .iter()
            .map(DeploymentInfo::from)
            .collect()
    }
}
