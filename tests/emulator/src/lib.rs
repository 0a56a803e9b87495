//! A local, deterministic Azure AI Foundry / Azure OpenAI for tests: the endpoint shapes,
//! credentials (keys, fake Entra and managed-identity tokens), deployments' quirks, Azure's
//! content-filter annotations, rate limits and injected faults, over loopback only. README.md
//! documents every endpoint, the deterministic rules and the fault vocabulary.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
//! let emulator = Emulator::start(EmulatorConfig::reference()).await?;
//! let url = format!("{}openai/deployments/gpt-5.4/chat/completions?api-version=2024-10-21", emulator.endpoint());
//! // POST {"messages":[{"role":"user","content":"hi"}]} with `api-key: DEFAULT_API_KEY`
//! // answers "gpt-5.4 heard: hi".
//! # let _ = (url, DEFAULT_API_KEY);
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod chat;
mod config;
mod control;
mod corpus;
mod embeddings;
mod entra;
mod errors;
mod faults;
mod inference;
mod json;
mod model;
mod otlp;
mod reply;
mod responses;
mod routes;
mod server;
mod sse;
mod state;
mod text;
mod tls;
mod vault;

pub use corpus::corpus_dir;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{DeploymentConfig, EmulatorConfig, DEFAULT_API_KEY};
pub use text::REASONING;

/// A running emulator. Serving stops on [`Emulator::shutdown`] or when it is dropped.
pub struct Emulator {
    http: SocketAddr,
    https: SocketAddr,
    ca_pem: String,
    shared: Arc<state::Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Binds 127.0.0.1 on two free ports (http and https) and serves on the current tokio
    /// runtime. Does IO (binds sockets); returns once both listen.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        Self::start_on(config, 0).await
    }

    /// Like [`Emulator::start`] with the http port chosen (0 = any); https takes any free port.
    pub async fn start_on(config: EmulatorConfig, port: u16) -> std::io::Result<Emulator> {
        let tls = tls::generate()?;
        let http = TcpListener::bind(("127.0.0.1", port)).await?;
        let https = TcpListener::bind(("127.0.0.1", 0)).await?;
        let (http_addr, https_addr) = (http.local_addr()?, https.local_addr()?);
        let shared = Arc::new(state::Shared::new(config));
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            server::spawn_http(http, shared.clone(), stopped.clone()),
            server::spawn_https(https, tls.acceptor, shared.clone(), stopped),
        ];
        Ok(Emulator {
            http: http_addr,
            https: https_addr,
            ca_pem: tls.ca_pem,
            shared,
            stop,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT/`, with the trailing slash of an Azure endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}/", self.http)
    }

    /// `https://127.0.0.1:PORT/`; `https://localhost:PORT/` works too (both are in the
    /// certificate). Trust [`Emulator::ca_pem`].
    pub fn https_endpoint(&self) -> String {
        format!("https://{}/", self.https)
    }

    /// The PEM of the CA that signed the https certificate.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Tokens issued so far by the fake Entra and managed-identity endpoints.
    pub fn token_requests(&self) -> u64 {
        self.shared.tokens.issued()
    }

    /// Requests that reached the fake Entra and managed-identity endpoints, whatever they were
    /// answered (a token, an error, an injected fault).
    pub fn token_endpoint_requests(&self) -> u64 {
        self.shared.tokens.requests()
    }

    /// Sets the Key Vault secret `name` to `value` as a new version (a rotation when it
    /// exists) and returns the version id. No IO.
    pub fn set_secret(&self, name: &str, value: &str) -> String {
        self.shared.vault.set(name, value)
    }

    /// While `secret` is Some, the model endpoints accept exactly that vault secret's current
    /// value as the API key (the configured `api_keys` no longer): rotating the secret makes
    /// them refuse the old key with 401. None goes back to `api_keys`.
    pub fn bind_api_key_to_secret(&self, secret: Option<&str>) {
        self.shared.vault.bind_api_key(secret);
    }

    /// Key Vault secret reads answered 200 so far.
    pub fn vault_reads(&self) -> u64 {
        self.shared.vault.reads()
    }

    /// Requests to the Key Vault's `/secrets/` paths, whatever they were answered
    /// (challenges, refusals and 404s included).
    pub fn vault_requests(&self) -> u64 {
        self.shared.vault.requests()
    }

    /// What the OTLP receiver (`POST /v1/traces`, `/v1/metrics`) was sent, as
    /// `GET /_emulator/otlp` answers it: `{"spans": [...], "metrics": [...], "requests": {...}}`.
    pub fn otlp(&self) -> serde_json::Value {
        self.shared.otlp.to_json()
    }

    /// Forgets what the OTLP receiver was sent.
    pub fn clear_otlp(&self) {
        self.shared.otlp.clear();
    }

    /// Stops accepting and drops every open connection.
    pub fn shutdown(self) {}
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}
