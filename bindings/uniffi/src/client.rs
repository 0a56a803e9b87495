//! `NativeClient`: the core's `Foundry` behind UniFFI. Constructing one does file IO at most;
//! every call is a Kotlin `suspend fun` awaiting the core on tokio, and cancelling the coroutine
//! drops the Rust future, which aborts its HTTP request.

use std::sync::Arc;

use foundry_client::{Foundry, StreamHandle};

use crate::errors::{caught, FoundryError};
use crate::events::EventListener;
use crate::requests::{ChatRequest, EmbeddingsRequest, ResponsesRequest};
use crate::results::{ChatResult, DeploymentInfo, EmbeddingsResult, SmokeResult};
use crate::runtime::run;
use crate::settings::{CallOverrides, ClientSettings, TokenSource};
use crate::stream::NativeStream;

/// The client (Kotlin: wrapped by `Foundry`). Thread-safe; share one per process.
#[derive(uniffi::Object)]
pub struct NativeClient {
    client: Foundry,
}

impl NativeClient {
    pub(crate) fn wrap(client: Foundry) -> Self {
        NativeClient { client }
    }

    /// The core's client (the governance methods live in `governance.rs`).
    pub(crate) fn core(&self) -> &Foundry {
        &self.client
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeClient {
    /// A client from `settings` by the core's one precedence rule and validation
    /// (`Foundry::from_settings`). File IO and environment reads at most; no network IO.
    #[uniffi::constructor]
    pub fn new(
        settings: ClientSettings,
        listener: Option<Arc<dyn EventListener>>,
        token_source: Option<Arc<dyn TokenSource>>,
    ) -> Result<Arc<Self>, FoundryError> {
        caught(|| {
            let client = Foundry::from_settings(settings.into_core(listener, token_source))?;
            Ok(Arc::new(NativeClient::wrap(client)))
        })
    }

    /// A client sharing this one's connections, tokens, budget and breakers, with other call
    /// settings (`Foundry::with_options`). No IO.
    pub fn with_options(&self, overrides: CallOverrides) -> Result<Arc<Self>, FoundryError> {
        caught(|| {
            Ok(Arc::new(NativeClient::wrap(
                self.client.with_options(overrides.into())?,
            )))
        })
    }

    /// A chat completion. Network IO; never blocks the calling thread.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResult, FoundryError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(ChatResult::from(&client.chat(request).await?)) }).await
    }

    /// A Responses-API call, normalized like chat. Network IO.
    pub async fn responses(&self, request: ResponsesRequest) -> Result<ChatResult, FoundryError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(ChatResult::from(&client.responses(request).await?)) }).await
    }

    /// Embeddings. Network IO.
    pub async fn embeddings(
        &self,
        request: EmbeddingsRequest,
    ) -> Result<EmbeddingsResult, FoundryError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move { Ok(EmbeddingsResult::from(&client.embeddings(request).await?)) }).await
    }

    /// Opens a streamed chat completion (the answer's headers have arrived). Network IO.
    pub async fn open_chat_stream(
        &self,
        request: ChatRequest,
    ) -> Result<Arc<NativeStream>, FoundryError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move {
            let stream = client.chat_stream(request).await?;
            Ok(Arc::new(NativeStream::new(StreamHandle::new(stream))))
        })
        .await
    }

    /// Opens a streamed Responses-API call. Network IO.
    pub async fn open_responses_stream(
        &self,
        request: ResponsesRequest,
    ) -> Result<Arc<NativeStream>, FoundryError> {
        let (client, request) = (self.client.clone(), request.to_core()?);
        run(async move {
            let stream = client.responses_stream(request).await?;
            Ok(Arc::new(NativeStream::new(StreamHandle::new(stream))))
        })
        .await
    }

    /// Pings every deployment concurrently; each reports its own outcome (fails only if the
    /// IO runtime cannot start). Network IO.
    pub async fn smoke(&self) -> Result<Vec<SmokeResult>, FoundryError> {
        let client = self.client.clone();
        run(async move { Ok(client.smoke().await.iter().map(SmokeResult::from).collect()) }).await
    }

    /// Returns when every settle this client started has reached the spend ledger
    /// (`Foundry::settled`): on a fleet's Redis store settles run as tasks, so a process about
    /// to exit awaits this for its books to be complete.
    pub async fn settled(&self) -> Result<(), FoundryError> {
        let client = self.client.clone();
        run(async move {
            client.settled().await;
            Ok(())
        })
        .await
    }

    /// The model-inference endpoint's `/info` for a deployment, as JSON text. Network IO.
    pub async fn info(&self, model: String) -> Result<String, FoundryError> {
        let client = self.client.clone();
        run(async move { Ok(client.info(&model).await?.to_string()) }).await
    }

    /// The catalog's deployments, with what the client learned applied. No IO.
    pub fn deployments(&self) -> Result<Vec<DeploymentInfo>, FoundryError> {
        caught(|| {
            Ok(self
                .client
                .deployments()
                .iter()
                .map(DeploymentInfo::from)
                .collect())
        })
    }
}
