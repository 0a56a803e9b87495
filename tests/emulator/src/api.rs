//! The model-call pipeline every endpoint shape shares: count and log the request, check the
//! credential, apply the fault or scenario step, dispatch, then add the headers Azure sends on
//! every answer (errors included) and deliver the body.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Response, StatusCode};
use serde_json::{Map, Value};

use crate::config::DeploymentConfig;
use crate::errors;
use crate::faults::Fault;
use crate::json::{j, obj};
use crate::reply::{Payload, Reply};
use crate::routes::{Api, Route, Shape};
use crate::server::Connection;
use crate::sse::{self, Body, Plan};
use crate::state::{Admission, Completion, LogEntry, Quota, Shared};
use crate::{auth, chat, embeddings, inference, responses};

/// One model call in flight.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub scenario: String,
    pub request_id: String,
    pub route: Route,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    /// The parsed body; `Err` when it is not JSON (an empty body included).
    pub body: Result<Value, ()>,
    pub fault: Fault,
    pub deployment: Option<DeploymentConfig>,
    pub quota: Option<Quota>,
}

impl Ctx {
    /// The version Azure's messages quote (v1 paths have none).
    pub fn api_version(&self) -> String {
        self.route
            .api_version
            .clone()
            .unwrap_or_else(|| "v1".to_string())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The JSON object body, or the 400 the service gives for anything else.
    pub fn object(&self) -> Result<Map<String, Value>, Reply> {
        match &self.body {
            Ok(Value::Object(m)) => Ok(m.clone()),
            Ok(other) => Err(errors::invalid_request(
                &format!("{other} is not of type 'object'"),
                None,
                None,
            )),
            Err(()) => Err(errors::malformed_json()),
        }
    }

    /// The deployment the call is for: from the URL on classic paths, else the body's `model`.
    pub fn resolve(&mut self, body: &Map<String, Value>) -> Result<DeploymentConfig, Reply> {
        let config = &self.shared.config;
        let found = match &self.route.deployment {
            Some(name) => config
                .deployment(name)
                .cloned()
                .ok_or_else(errors::deployment_not_found)?,
            None => {
                let header_model = self
                    .header("x-ms-model-mesh-model-name")
                    .map(str::to_string);
                let name = match body.get("model") {
                    Some(Value::String(s)) => s.clone(),
                    None | Some(Value::Null) => match (self.route.shape, header_model) {
                        (Shape::Inference, Some(h)) => h,
                        (Shape::Inference, None) => {
                            return Err(Reply::json(
                                400,
                                r#"{"error":{"code":"no_model_name","message":"No model specified in request. Please provide a model name in the request body or as a x-ms-model-mesh-model-name header."}}"#,
                            ))
                        }
                        _ => return Err(errors::missing_model()),
                    },
                    Some(other) => return Err(errors::invalid_type("model", "a string", other)),
                };
                config
                    .deployment(&name)
                    .cloned()
                    .ok_or_else(|| errors::unknown_model(&name))?
            }
        };
        self.deployment = Some(found.clone());
        Ok(found)
    }

    /// Charges the request to its deployment's rate window, or answers the 429.
    pub fn admit(&mut self, tokens: u64) -> Result<(), Reply> {
        let Some(d) = &self.deployment else {
            return Ok(());
        };
        match self.shared.admit(&self.scenario, d, tokens) {
            Admission::Allowed(q) => {
                self.quota = Some(q);
                Ok(())
            }
            Admission::Limited {
                quota,
                retry_after_ms,
                tokens,
            } => {
                self.quota = Some(quota);
                let secs = retry_after_ms.div_ceil(1000);
                let op = errors::operation_name(self.route.api);
                Err(
                    errors::rate_limited(op, &self.api_version(), tokens, secs, j("429"))
                        .header("retry-after-ms", retry_after_ms.to_string())
                        .header("x-ms-retry-after-ms", retry_after_ms.to_string())
                        .header("retry-after", secs.to_string()),
                )
            }
        }
    }
}

/// Reads an optional token budget (`max_tokens`, `max_output_tokens`, ...): an integer >= `min`.
pub fn budget(body: &Map<String, Value>, param: &str, min: u64) -> Result<Option<u64>, Reply> {
    match body.get(param) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(x), _) if x >= min => Ok(Some(x)),
            (Some(_), _) | (None, Some(_)) => Err(errors::below_minimum(param, min, v)),
            _ => Err(errors::invalid_type(param, "an integer", v)),
        },
        Some(v) => Err(errors::invalid_type(param, "an integer", v)),
    }
}

pub fn flag(body: &Map<String, Value>, param: &str) -> Result<bool, Reply> {
    match body.get(param) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(errors::invalid_type(param, "a boolean", v)),
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Serves one model call (or an unknown path, which is logged too).
pub async fn serve(
    shared: Arc<Shared>,
    conn: Connection,
    parts: hyper::http::request::Parts,
    query: Vec<(String, String)>,
    route: Option<Route>,
    bytes: Bytes,
) -> Response<Body> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let scenario = header("x-emulator-scenario")
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string();
    let body: Result<Value, ()> = serde_json::from_slice(&bytes).map_err(|_| ());
    let named = route
        .as_ref()
        .and_then(|r| r.deployment.clone())
        .or_else(|| {
            body.as_ref()
                .ok()
                .and_then(|b| b.get("model")?.as_str().map(str::to_string))
        })
        .or_else(|| header("x-ms-model-mesh-model-name").map(str::to_string))
        .or_else(|| {
            let info = route.as_ref().is_some_and(|r| r.api == Api::Info);
            let model = query
                .iter()
                .find(|(k, _)| k == "model")
                .map(|(_, v)| v.clone());
            model.filter(|_| info)
        });

    let entry = LogEntry {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: query.clone(),
        deployment: named.clone(),
        status: 0,
        body: body.clone().ok(),
        headers: redacted(&parts.headers),
        aborted: false,
    };
    let (n, entry) = shared.begin(&scenario, entry);
    // Dropped unfinished (the client hung up mid-way) marks the entry aborted.
    let completion = Completion::new(entry);
    let request_id = format!("req-{scenario}-{n}");

    let Some(route) = route else {
        let ctx_headers = common_headers(&request_id, &parts.headers, None, None);
        return deliver(
            errors::resource_not_found(),
            ctx_headers,
            &Fault::default(),
            completion,
            conn,
        )
        .await;
    };
    let mut ctx = Ctx {
        shared: shared.clone(),
        scenario,
        request_id,
        route,
        headers: parts.headers,
        query,
        body,
        fault: Fault::default(),
        deployment: None,
        quota: None,
    };
    let reply = dispatch(&mut ctx, named.as_deref()).await;
    let d = ctx.deployment.as_ref();
    let quota = ctx
        .quota
        .or_else(|| d.map(|d| shared.peek(&ctx.scenario, d)));
    let headers = common_headers(&ctx.request_id, &ctx.headers, d, quota);
    deliver(reply, headers, &ctx.fault, completion, conn).await
}

async fn dispatch(ctx: &mut Ctx, named: Option<&str>) -> Reply {
    // Known early so that even a 401 or a fault carries the deployment's headers.
    ctx.deployment = named.and_then(|n| ctx.shared.config.deployment(n).cloned());
    if let Err(r) = auth::check(&ctx.shared, &ctx.headers, ctx.route.api, ctx.route.shape) {
        return r;
    }
    let header_fault = match ctx.header("x-emulator-fault").map(Fault::parse) {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return bad_fault(&e),
        None => None,
    };
    // The script advances on every call to its deployment; an explicit header wins over it.
    let step = named.and_then(|d| ctx.shared.next_step(&ctx.scenario, d));
    ctx.fault = header_fault.or(step).unwrap_or_default();
    if ctx.fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(ctx.fault.delay_ms)).await;
    }
    if ctx.fault.is_terminal() {
        return ctx
            .fault
            .reply(errors::operation_name(ctx.route.api), &ctx.api_version());
    }
    match ctx.route.api {
        Api::Chat => chat::serve(ctx),
        Api::Responses => responses::serve(ctx),
        Api::Embeddings => embeddings::serve(ctx),
        Api::Info => inference::info(ctx),
        Api::Models => inference::models(ctx),
    }
}

fn bad_fault(e: &str) -> Reply {
    let message = format!("x-emulator-fault: {e}");
    let body = obj([(
        "error",
        obj([("code", j("EmulatorBadFault")), ("message", j(message))]),
    )]);
    Reply::json(400, body.compact())
}

/// Request headers for the log: lowercased, credentials replaced but their presence kept.
fn redacted(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.as_str().to_string();
        let value = match name.as_str() {
            "api-key" | "authorization" => "<redacted>".to_string(),
            _ => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => {
                slot.1.push_str(", ");
                slot.1.push_str(&value);
            }
            None => out.push((name, value)),
        }
    }
    out
}

/// The headers Azure puts on every answer (corpus/*.headers.txt), with deterministic ids.
fn common_headers(
    request_id: &str,
    req: &HeaderMap,
    d: Option<&DeploymentConfig>,
    quota: Option<Quota>,
) -> Vec<(String, String)> {
    let client_id = req
        .get("x-ms-client-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Not-Set")
        .to_string();
    let mut h = vec![
        ("apim-request-id".to_string(), request_id.to_string()),
        ("x-request-id".to_string(), request_id.to_string()),
        ("x-ms-client-request-id".to_string(), client_id),
        ("x-ms-region".to_string(), "Emulator".to_string()),
        ("x-ms-rai-invoked".to_string(), "true".to_string()),
        ("x-content-type-options".to_string(), "nosniff".to_string()),
    ];
    if let Some(d) = d {
        h.push(("x-ms-deployment-name".to_string(), d.name.clone()));
    }
    if let Some(q) = quota {
        h.push((
            "x-ratelimit-limit-requests".to_string(),
            q.limit_requests.to_string(),
        ));
        h.push((
            "x-ratelimit-limit-tokens".to_string(),
            q.limit_tokens.to_string(),
        ));
        h.push((
            "x-ratelimit-remaining-requests".to_string(),
            q.remaining_requests.to_string(),
        ));
        h.push((
            "x-ratelimit-remaining-tokens".to_string(),
            q.remaining_tokens.to_string(),
        ));
    }
    h
}

/// Builds the HTTP answer: status, headers, and the body shaped by the stream faults.
async fn deliver(
    reply: Reply,
    mut headers: Vec<(String, String)>,
    fault: &Fault,
    mut completion: Completion,
    conn: Connection,
) -> Response<Body> {
    completion.update(|e| e.status = reply.status);
    if fault.truncate || fault.cut {
        // The answer ends early and the server hangs up, as a dying backend does.
        headers.push(("connection".to_string(), "close".to_string()));
    }
    let body = match reply.payload {
        Payload::Reset => {
            // Not the client's doing: the entry is complete, with status 0.
            completion.finish();
            conn.reset();
            return std::future::pending::<Response<Body>>().await;
        }
        Payload::Bytes(_) if reply.status == 200 && fault.huge_body.is_some() => {
            sse::huge(fault.huge_body.unwrap_or(0), completion)
        }
        Payload::Bytes(b) if reply.status == 200 && fault.invalid_utf8 => {
            completion.finish();
            sse::full(sse::break_utf8(&b))
        }
        Payload::Bytes(b) if fault.truncate || fault.cut => {
            let half = b.slice(..b.len() / 2);
            let plan = Plan {
                cut: fault.cut,
                ..Plan::default()
            };
            sse::paced(vec![half], plan, completion)
        }
        Payload::Bytes(b) => {
            completion.finish();
            sse::full(b)
        }
        Payload::Events(mut events) => {
            headers.push(("x-accel-buffering".to_string(), "no".to_string()));
            headers.push(("cache-control".to_string(), "no-cache".to_string()));
            if fault.invalid_utf8 {
                if let Some(ev) = events.iter_mut().find(|e| has_content(e)) {
                    *ev = sse::break_utf8(ev);
                }
            }
            let half = events.len() / 2;
            let stop_after = match fault.stall_after {
                Some(n) => Some(n),
                None => (fault.truncate || fault.cut || fault.stream_error)
                    .then(|| fault.stop_after.unwrap_or(half)),
            };
            let plan = Plan {
                delay: Duration::from_millis(fault.chunk_delay_ms),
                // An endless stream replays its first content event after all but the last
                // two (the finish and the terminator), so it never ends.
                stop_after: match fault.endless {
                    true => Some(events.len().saturating_sub(2)),
                    false => stop_after,
                },
                repeat: fault
                    .endless
                    .then(|| events.iter().position(has_content).unwrap_or(0)),
                error_event: fault.stream_error.then(|| sse::data(STREAM_ERROR)),
                cut: fault.cut,
                stall: fault.stall_after.is_some(),
                keepalive: (fault.keepalive_ms > 0)
                    .then(|| Duration::from_millis(fault.keepalive_ms)),
            };
            sse::paced(events, plan, completion)
        }
    };
    build(
        reply.status,
        &reply.content_type,
        headers,
        reply.headers,
        fault,
        body,
    )
}

/// True for a stream event that carries answer text (chat `content` or a Responses delta).
fn has_content(event: &Bytes) -> bool {
    sse::text_start(event).is_some()
}

/// What Azure writes into a stream when the backend fails mid-answer.
const STREAM_ERROR: &str = r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#;

fn build(
    status: u16,
    content_type: &str,
    common: Vec<(String, String)>,
    specific: Vec<(String, String)>,
    fault: &Fault,
    body: Body,
) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    };
    put("content-type", content_type);
    for (n, v) in common.iter().chain(&specific).chain(&fault.headers) {
        put(n, v);
    }
    resp
}

/// A plain answer for the endpoints outside the model pipeline (control, Entra, MSI).
pub fn plain(reply: Reply) -> Response<Body> {
    let body = match reply.payload {
        Payload::Bytes(b) => b,
        _ => Bytes::new(),
    };
    build(
        reply.status,
        &reply.content_type,
        Vec::new(),
        reply.headers,
        &Fault::default(),
        sse::full(body),
    )
}
