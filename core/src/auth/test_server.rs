//! A tiny loopback HTTP server for the auth unit tests: answers every request with the
//! response its handler builds, counts requests and keeps what they looked like.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub(crate) struct SeenRequest {
    /// Method, path and query, e.g. `GET /msi/token?api-version=...`.
    pub line: String,
    /// Lower-cased header lines, `name: value`.
    pub headers: Vec<String>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}: ", name.to_ascii_lowercase());
        self.headers.iter().find_map(|h| h.strip_prefix(&prefix))
    }
}

type Handler = dyn Fn(usize, &SeenRequest) -> (u16, String) + Send + Sync;

pub(crate) struct TestServer {
    pub base: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl TestServer {
    /// Serves on 127.0.0.1; `handler` gets the 1-based request number. Every answer is
    /// delayed a little so that concurrent callers really overlap with a pending fetch.
    pub async fn start(
        handler: impl Fn(usize, &SeenRequest) -> (u16, String) + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}/", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let Some(request) = read_head(&mut socket).await else {
                        return;
                    };
                    let n = {
                        let mut log = log.lock().expect("log");
                        log.push(request.clone());
                        log.len()
                    };
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let (status, body) = handler(n, &request);
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        TestServer { base, seen }
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("log").clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().expect("log").len()
    }
}

async fn read_head(socket: &mut tokio::net::TcpStream) -> Option<SeenRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let first = lines.next()?;
    let line = first
        .rsplit_once(' ')
        .map(|(l, _)| l)
        .unwrap_or(first)
        .to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .map(|l| match l.split_once(':') {
            Some((name, value)) => {
                format!("{}: {}", name.trim().to_ascii_lowercase(), value.trim())
            }
            None => l.to_ascii_lowercase(),
        })
        .collect();
    Some(SeenRequest { line, headers })
}

/// An App Service managed identity answer that lives `ttl_secs`.
pub(crate) fn msi_token(value: &str, ttl_secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    serde_json::json!({
        "access_token": value,
        "expires_on": (now + ttl_secs).to_string(),
        "resource": "https://cognitiveservices.azure.com",
        "token_type": "Bearer",
    })
    .to_string()
}
