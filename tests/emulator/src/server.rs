//! Listeners and connections. Each connection is served by hyper's HTTP/1 server inside a task
//! that can drop it on demand (the `reset` fault) or at shutdown.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::reply::Reply;
use crate::routes::{self, Target};
use crate::sse::Body;
use crate::state::Shared;
use crate::{api, control, entra, vault};

/// A handle on the connection a request arrived on.
#[derive(Clone)]
pub struct Connection {
    kill: Arc<Notify>,
}

impl Connection {
    /// Drops the connection without answering (TCP close, no HTTP response).
    pub fn reset(&self) {
        self.kill.notify_one();
    }
}

pub fn spawn_http(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = shutdown.clone();
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stop.changed() => return,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve(
                TokioIo::new(stream),
                shared.clone(),
                shutdown.clone(),
            ));
        }
    })
}

pub fn spawn_https(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = shutdown.clone();
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stop.changed() => return,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            let (acceptor, shared, shutdown) = (acceptor.clone(), shared.clone(), shutdown.clone());
            tokio::spawn(async move {
                // A client that never finishes its handshake must not hold a task forever.
                let tls =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
                if let Ok(Ok(tls)) = tls {
                    serve(TokioIo::new(tls), shared, shutdown).await;
                }
            });
        }
    })
}

async fn serve<I>(io: I, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let conn = Connection {
        kill: Arc::new(Notify::new()),
    };
    let kill = conn.kill.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let (shared, conn) = (shared.clone(), conn.clone());
        async move {
            let answer = AssertUnwindSafe(handle(shared, conn, req))
                .catch_unwind()
                .await;
            // A bug must cost one request a 500, never the emulator.
            Ok::<_, Infallible>(answer.unwrap_or_else(|_| {
                api::plain(Reply::json(
                    500,
                    r#"{"error":{"code":"InternalServerError","message":"The server had an error while processing your request. Sorry about that!"}}"#,
                ))
            }))
        }
    });
    let http = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(io, service);
    tokio::select! {
        _ = http => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

async fn handle(shared: Arc<Shared>, conn: Connection, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let query = routes::parse_query(parts.uri.query());
    match routes::classify(&parts.method, parts.uri.path(), &query) {
        Target::Control(segs) => api::plain(control::handle(&shared, &parts.method, &segs, &bytes)),
        Target::Otlp(signal) => {
            let content_type = parts
                .headers
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            api::plain(shared.otlp.receive(signal, content_type, &bytes))
        }
        Target::EntraToken => {
            entra::serve(
                &shared,
                &conn,
                &parts,
                &query,
                &bytes,
                entra::Endpoint::Entra,
            )
            .await
        }
        Target::ManagedIdentity => {
            let endpoint = entra::Endpoint::ManagedIdentity;
            entra::serve(&shared, &conn, &parts, &query, &bytes, endpoint).await
        }
        Target::VaultSecret { name, version } => api::plain(vault::serve(
            &shared,
            &parts.headers,
            &query,
            &name,
            version.as_deref(),
        )),
        Target::Api(route) => api::serve(shared, conn, parts, query, Some(route), bytes).await,
        Target::NotFound => api::serve(shared, conn, parts, query, None, bytes).await,
    }
}
