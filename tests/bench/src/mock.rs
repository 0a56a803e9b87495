//! The minimal mock: hyper on one thread serving pre-serialized Azure answers, so the server
//! costs as little as possible and the same for every client variant.
//!
//! `POST /openai/deployments/{key}[-d{ms}]/chat/completions` answers the body or stream named
//! by `key` (`chat-1k`, `chat-10k`, `chat-100k`, `stream-10`, `stream-100`, `stream-1000`)
//! after `ms` milliseconds (the simulated model latency). The `api-key` header must be
//! `bench-key`. `GET /_bench/inflight` answers how many requests are waiting out their latency.
//! The parent runs it as a child process (`foundry-bench serve`) pinned to core 0; it exits when
//! its stdin closes, so it never outlives the bench.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use crate::bodies::{chat_body, stream_events, stream_key, CHAT_SIZES, STREAM_EVENTS};

pub const API_KEY: &str = "bench-key";

type Body = BoxBody<Bytes, Infallible>;

struct Answers {
    chat: HashMap<String, Bytes>,
    streams: HashMap<String, Arc<[Bytes]>>,
    inflight: AtomicUsize,
}

impl Answers {
    fn build() -> Answers {
        let chat = CHAT_SIZES
            .iter()
            .map(|(key, size, _)| (key.to_string(), chat_body(*size).0))
            .collect();
        let streams = STREAM_EVENTS
            .iter()
            .map(|n| (stream_key(*n), Arc::from(stream_events(*n).0)))
            .collect();
        Answers {
            chat,
            streams,
            inflight: AtomicUsize::new(0),
        }
    }
}

/// `chat-1k-d50` -> (`chat-1k`, 50 ms).
fn split_delay(deployment: &str) -> (&str, u64) {
    if let Some((key, ms)) = deployment.rsplit_once("-d") {
        if let Ok(ms) = ms.parse() {
            return (key, ms);
        }
    }
    (deployment, 0)
}

fn full(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Full::new(body).boxed());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Headers Azure sends on every answer (corpus/*.headers.txt), so both clients read the same.
fn azure_headers(r: &mut Response<Body>) {
    let h = r.headers_mut();
    h.insert(
        "apim-request-id",
        HeaderValue::from_static("fa33c375-090a-4440-bbfc-6a08022518a4"),
    );
    h.insert(
        "x-request-id",
        HeaderValue::from_static("378d112d-13e0-454f-89a2-792eee32bac9"),
    );
    h.insert("x-ms-region", HeaderValue::from_static("East US"));
    h.insert("x-ms-rai-invoked", HeaderValue::from_static("true"));
    h.insert(
        "x-ratelimit-remaining-requests",
        HeaderValue::from_static("290"),
    );
    h.insert(
        "x-ratelimit-remaining-tokens",
        HeaderValue::from_static("26822"),
    );
}

/// Decrements the in-flight count however the request ends (the client may hang up).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn handle(
    req: Request<Incoming>,
    answers: Arc<Answers>,
) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_string();
    if path == "/_bench/inflight" {
        let n = answers.inflight.load(Ordering::Relaxed);
        return Ok(full(
            StatusCode::OK,
            "text/plain",
            Bytes::from(n.to_string()),
        ));
    }
    let authorized = req
        .headers()
        .get("api-key")
        .is_some_and(|k| k.as_bytes() == API_KEY.as_bytes());
    // Read the whole request body, as a real service does, before answering.
    let _ = req.into_body().collect().await;
    let Some(deployment) = path
        .strip_prefix("/openai/deployments/")
        .and_then(|rest| rest.strip_suffix("/chat/completions"))
    else {
        return Ok(full(
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"not found"),
        ));
    };
    if !authorized {
        return Ok(full(
            StatusCode::UNAUTHORIZED,
            "application/json",
            Bytes::from_static(br#"{"error":{"code":"401","message":"Access denied"}}"#),
        ));
    }
    let (key, delay_ms) = split_delay(deployment);
    if delay_ms > 0 {
        answers.inflight.fetch_add(1, Ordering::Relaxed);
        let _guard = InFlight(&answers.inflight);
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    let mut response = if let Some(body) = answers.chat.get(key) {
        full(StatusCode::OK, "application/json", body.clone())
    } else if let Some(events) = answers.streams.get(key) {
        let frames = (0..events.len()).map({
            let events = Arc::clone(events);
            move |i| Ok::<_, Infallible>(Frame::data(events[i].clone()))
        });
        let mut r = Response::new(BodyExt::boxed(StreamBody::new(futures_util::stream::iter(
            frames,
        ))));
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        r
    } else {
        return Ok(full(
            StatusCode::NOT_FOUND,
            "application/json",
            Bytes::from_static(
                br#"{"error":{"code":"DeploymentNotFound","message":"no such deployment"}}"#,
            ),
        ));
    };
    azure_headers(&mut response);
    Ok(response)
}

/// `foundry-bench serve`: binds a free loopback port, prints `{"port":P}`, serves until stdin
/// closes.
pub fn serve() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{{\"port\":{}}}", listener.local_addr()?.port());
        let answers = Arc::new(Answers::build());
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let answers = Arc::clone(&answers);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req| handle(req, Arc::clone(&answers)));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// The mock running as a child process. Dropping it ends the child.
pub struct MockServer {
    child: Child,
    pub port: u16,
}

impl MockServer {
    pub fn start(pin_core: Option<usize>) -> std::io::Result<MockServer> {
        let exe = std::env::current_exe()?;
        let mut command = match pin_core {
            Some(core) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(core.to_string()).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let mut child = command
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        let port = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok());
        match port {
            Some(port) => Ok(MockServer { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(std::io::Error::other(format!(
                    "the mock server did not report its port (said {line:?})"
                )))
            }
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// CPU time the server has used, in nanoseconds: `/proc/PID/schedstat` of its main
    /// thread, which runs the whole single-threaded server (`taskset` execs the program in
    /// place, so the child's pid is the server's).
    pub fn cpu_ns(&self) -> Option<u64> {
        crate::machine::schedstat_ns(&format!("/proc/{}/schedstat", self.child.id()))
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::split_delay;

    #[test]
    fn delay_suffix_is_split_off() {
        assert_eq!(split_delay("chat-1k-d50"), ("chat-1k", 50));
        assert_eq!(split_delay("stream-100"), ("stream-100", 0));
        assert_eq!(split_delay("chat-1k"), ("chat-1k", 0));
    }
}
