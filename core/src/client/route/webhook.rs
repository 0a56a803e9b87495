//! Budget alerts POSTed to `governance.store.alert_webhook`: the alert's JSON (the
//! `budget_alert` event), sent by a task of its own, never on a call's path. The sender tries a
//! few times with backoff and a timeout each, then gives up with a warning: an alert is a
//! notice, and the event callback has it already.

use std::sync::Arc;
use std::time::Duration;

use crate::events::BudgetAlertEvent;
use crate::govern::governor::Background;

/// Attempts per alert, and the wait before the first retry (doubled each time).
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// One attempt's limit.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where alerts are POSTed, with the client's HTTP connections.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    url: String,
    http: reqwest::Client,
    background: Arc<Background>,
}

impl Webhook {
    pub fn new(url: String, http: reqwest::Client, background: Arc<Background>) -> Webhook {
        Webhook {
            url,
            http,
            background,
        }
    }

    /// Sends `alert` from a task (counted with the ledger's background steps, so a process
    /// waiting for its books to settle waits for its alerts too).
    pub fn send(&self, alert: &BudgetAlertEvent) {
        let mut body = serde_json::json!({ "type": "budget_alert" });
        if let (Some(map), Ok(serde_json::Value::Object(fields))) =
            (body.as_object_mut(), serde_json::to_value(alert))
        {
            map.extend(fields);
        }
        let (url, http) = (self.url.clone(), self.http.clone());
        self.background.spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            for attempt in 1..=ATTEMPTS {
                let sent = http
                    .post(&url)
                    .timeout(TIMEOUT)
                    .json(&body)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status);
                match sent {
                    Ok(_) => return,
                    Err(e) if attempt == ATTEMPTS => {
                        tracing::warn!(
                            "the budget alert webhook did not take the alert after {ATTEMPTS} \
                             attempts: {}",
                            e.without_url()
                        );
                    }
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A receiver that answers 503 to the first POST and 200 to the next ones, keeping the
    /// bodies it answered 200 to.
    async fn flaky_receiver() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let kept: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let bodies = Arc::clone(&kept);
        tokio::spawn(async move {
            for n in 0.. {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // The whole request: headers, then content-length bytes of body.
                let body = loop {
                    let read = socket.read(&mut buf).await.unwrap_or(0);
                    if read == 0 {
                        break String::new();
                    }
                    request.extend_from_slice(&buf[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break body.to_string();
                        }
                    }
                };
                let status = if n == 0 {
                    "503 Service Unavailable"
                } else {
                    "200 OK"
                };
                if n > 0 {
                    bodies.lock().unwrap().push(body);
                }
                let answer =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        (url, kept)
    }

    #[tokio::test]
    async fn an_alert_is_posted_again_after_a_failure_and_counted_until_sent() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (url, bodies) = flaky_receiver().await;
        let background: Arc<Background> = Arc::default();
        let webhook = Webhook::new(url, reqwest::Client::new(), Arc::clone(&background));
        webhook.send(&BudgetAlertEvent {
            scope: "acme".into(),
            period: "day:2026-12-07@UTC".into(),
            threshold: 0.8,
            spent_usd: 8.5,
            cap_usd: 10.0,
        });
        background.idle().await;
        let bodies = bodies.lock().unwrap();
        assert_eq!(bodies.len(), 1, "one alert, delivered by the retry");
        let v: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(v["type"], "budget_alert");
        assert_eq!(v["scope"], "acme");
        assert_eq!(v["threshold"], 0.8);
    }
}
