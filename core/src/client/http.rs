//! The HTTP client every `Foundry` of the process shares. Building one reads and parses the
//! system's CA certificates (rustls' platform verifier on Linux: about 18M instructions, and
//! ten times that in a debug build), which made constructing a client cost milliseconds; and
//! one pool per process is what the OpenAI SDKs advise anyway. A client given its own CA
//! (`ca_pem`) shares with the clients given the same one.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crate::{Error, Result};

/// Distinct CAs whose clients are kept; past this a client with yet another CA gets its own
/// (a process that makes clients for ever-new CAs must not grow without bound).
const MAX_SHARED_CAS: usize = 16;

/// The clients of one process: a forked child must not use its parent's, whose pooled
/// connections belong to the parent's runtime (a call on one would never be answered).
#[derive(Default)]
struct Clients {
    pid: u32,
    by_ca: HashMap<Option<String>, reqwest::Client>,
}

/// The process's client for `ca_pem` (none: the system's roots only).
pub(crate) fn shared(ca_pem: Option<&str>) -> Result<reqwest::Client> {
    static CLIENTS: OnceLock<Mutex<Clients>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Mutex::default);
    let key = ca_pem.map(str::to_string);
    let pid = std::process::id();
    {
        let mut clients = clients.lock().unwrap_or_else(PoisonError::into_inner);
        if clients.pid != pid {
            // Forgotten, not dropped: dropping a pool of the parent's runtime is not safe here.
            std::mem::forget(std::mem::take(&mut clients.by_ca));
            clients.pid = pid;
        }
        if let Some(client) = clients.by_ca.get(&key) {
            return Ok(client.clone());
        }
    }
    // Built outside the lock: two threads may both build one; the first stored wins.
    let client = build(ca_pem)?;
    let mut clients = clients.lock().unwrap_or_else(PoisonError::into_inner);
    if clients.pid != pid
        || (clients.by_ca.len() >= MAX_SHARED_CAS && !clients.by_ca.contains_key(&key))
    {
        return Ok(client);
    }
    Ok(clients.by_ca.entry(key).or_insert(client).clone())
}

fn build(ca_pem: Option<&str>) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(90))
        // Never follow a redirect: the request's headers, the key among them, would reach
        // the other host. A 3xx becomes an error naming it (exchange.rs).
        .redirect(reqwest::redirect::Policy::none())
        // A connect that hangs fails on its own, as a retryable never-sent error, instead
        // of using up the attempt's timeout (after which a retry could double-bill).
        .connect_timeout(Duration::from_secs(10))
        .tcp_nodelay(true)
        .user_agent(concat!("foundry-client/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_pem {
        // reqwest takes any text as one certificate and fails only at the handshake: a bundle
        // with no certificate in it is refused here, naming the setting.
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| Error::config(format!("ca_pem is not a PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::config("ca_pem holds no PEM certificate")
                .with_hint("pass the CA's PEM text, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----"));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Answers every request on a connection with an empty 200, counting connections.
    async fn server() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if socket.write_all(answer).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (url, accepted)
    }

    #[tokio::test]
    async fn clients_with_the_same_trust_share_one_pool() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (url, accepted) = server().await;
        for _ in 0..3 {
            let client = shared(None).unwrap();
            assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
        }
        // Three clients, one kept-alive connection.
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_bad_ca_is_a_config_error() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let bad = shared(Some("not a certificate")).unwrap_err();
        assert!(
            bad.message.contains("ca_pem holds no PEM certificate"),
            "{bad:?}"
        );
    }
}
