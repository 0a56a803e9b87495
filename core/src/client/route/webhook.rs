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
