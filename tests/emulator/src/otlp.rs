//! An OTLP/HTTP receiver (`POST /v1/traces`, `POST /v1/metrics`, protobuf or JSON bodies) that
//! keeps what it was sent, flattened for tests: `GET /_emulator/otlp` lists the spans (ids in
//! hex, parentage, kind, attributes) and the metrics' data points; `DELETE` clears them.
//! The client's OpenTelemetry export is pointed here with `OTEL_EXPORTER_OTLP_ENDPOINT`.

use std::sync::Mutex;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use prost::Message;
use serde_json::{json, Map, Value};

use crate::reply::Reply;

/// Which signal a body carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Traces,
    Metrics,
}

/// What the receiver was sent, in arrival order.
#[derive(Default)]
pub struct OtlpStore {
    received: Mutex<Received>,
}

#[derive(Default)]
struct Received {
    spans: Vec<Value>,
    metrics: Vec<Value>,
    /// Export requests by encoding (`protobuf`, `json`), to show which one the exporter used.
    requests: Map<String, Value>,
}

impl OtlpStore {
    /// Decodes and keeps one export request; the answer OTLP/HTTP expects (an empty success
    /// in the request's encoding), or a 400 naming what could not be read.
    pub fn receive(&self, signal: Signal, content_type: Option<&str>, body: &[u8]) -> Reply {
        let json = content_type.is_some_and(|c| c.starts_with("application/json"));
        let decoded = match (signal, json) {
            (Signal::Traces, false) => ExportTraceServiceRequest::decode(body)
                .map(|r| spans(&r))
                .map_err(|e| e.to_string()),
            (Signal::Traces, true) => serde_json::from_slice::<ExportTraceServiceRequest>(body)
                .map(|r| spans(&r))
                .map_err(|e| e.to_string()),
            (Signal::Metrics, false) => ExportMetricsServiceRequest::decode(body)
                .map(|r| metrics(&r))
                .map_err(|e| e.to_string()),
            (Signal::Metrics, true) => serde_json::from_slice::<ExportMetricsServiceRequest>(body)
                .map(|r| metrics(&r))
                .map_err(|e| e.to_string()),
        };
        let items = match decoded {
            Ok(items) => items,
            Err(e) => {
                let message = format!("the OTLP body could not be decoded: {e}");
                return Reply::json(400, json!({"code": 3, "message": message}).to_string());
            }
        };
        let mut received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        let encoding = if json { "json" } else { "protobuf" };
        let count = received.requests.entry(encoding).or_insert(json!(0));
        *count = json!(count.as_u64().unwrap_or(0) + 1);
        match signal {
            Signal::Traces => received.spans.extend(items),
            Signal::Metrics => received.metrics.extend(items),
        }
        if json {
            Reply::json(200, "{}")
        } else {
            Reply::bytes(200, "application/x-protobuf", Vec::new())
        }
    }

    /// `{"spans": [...], "metrics": [...], "requests": {"protobuf": n, "json": n}}`.
    pub fn to_json(&self) -> Value {
        let received = self.received.lock().unwrap_or_else(|p| p.into_inner());
        json!({
            "spans": received.spans,
            "metrics": received.metrics,
            "requests": received.requests,
        })
    }

    pub fn clear(&self) {
        *self.received.lock().unwrap_or_else(|p| p.into_inner()) = Received::default();
    }
}

fn spans(request: &ExportTraceServiceRequest) -> Vec<Value> {
    let mut out = Vec::new();
    for resource_spans in &request.resource_spans {
        let resource = resource_spans
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        for scope_spans in &resource_spans.scope_spans {
            let scope = scope_spans.scope.as_ref().map(|s| s.name.clone());
            for span in &scope_spans.spans {
                let status = span.status.as_ref();
                out.push(json!({
                    "trace_id": hex(&span.trace_id),
                    "span_id": hex(&span.span_id),
                    "parent_span_id": Some(hex(&span.parent_span_id)).filter(|p| !p.is_empty()),
                    "trace_state": span.trace_state,
                    "name": span.name,
                    "kind": span_kind(span.kind),
                    "start_unix_nano": span.start_time_unix_nano,
                    "end_unix_nano": span.end_time_unix_nano,
                    "attributes": attributes(&span.attributes),
                    "duplicate_attributes": duplicates(&span.attributes),
                    "status": status.map(|s| json!({"code": s.code, "message": s.message})),
                    "scope": scope,
                    "resource": resource,
                }));
            }
        }
    }
    out
}

fn span_kind(kind: i32) -> &'static str {
    match kind {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "unspecified",
    }
}

fn metrics(request: &ExportMetricsServiceRequest) -> Vec<Value> {
    let mut out = Vec::new();
    for resource_metrics in &request.resource_metrics {
        let resource = resource_metrics
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        for scope_metrics in &resource_metrics.scope_metrics {
            for m in &scope_metrics.metrics {
                let (kind, points) = match &m.data {
                    Some(metric::Data::Histogram(h)) => (
                        "histogram",
                        h.data_points
                            .iter()
                            .map(|p| {
                                json!({
                                    "attributes": attributes(&p.attributes),
                                    "count": p.count,
                                    "sum": p.sum,
                                    "bounds": p.explicit_bounds,
                                })
                            })
                            .collect::<Vec<_>>(),
                    ),
                    Some(metric::Data::Sum(s)) => ("sum", number_points(&s.data_points)),
                    Some(metric::Data::Gauge(g)) => ("gauge", number_points(&g.data_points)),
                    Some(_) => ("other", Vec::new()),
                    None => ("empty", Vec::new()),
                };
                out.push(json!({
                    "name": m.name,
                    "unit": m.unit,
                    "kind": kind,
                    "points": points,
                    "resource": resource,
                }));
            }
        }
    }
    out
}

fn number_points(
    points: &[opentelemetry_proto::tonic::metrics::v1::NumberDataPoint],
) -> Vec<Value> {
    points
        .iter()
        .map(|p| {
            let value = match p.value {
                Some(number_data_point::Value::AsDouble(d)) => json!(d),
                Some(number_data_point::Value::AsInt(i)) => json!(i),
                None => Value::Null,
            };
            json!({"attributes": attributes(&p.attributes), "value": value})
        })
        .collect()
}

fn attributes(kvs: &[KeyValue]) -> Map<String, Value> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, any)))
        .collect()
}

/// Keys set more than once on one span (OTLP allows it; a backend keeps one of them).
fn duplicates(kvs: &[KeyValue]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut twice: Vec<String> = kvs
        .iter()
        .filter(|kv| !seen.insert(kv.key.as_str()))
        .map(|kv| kv.key.clone())
        .collect();
    twice.dedup();
    twice
}

fn any(v: &AnyValue) -> Value {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => json!(s),
        Some(any_value::Value::BoolValue(b)) => json!(b),
        Some(any_value::Value::IntValue(i)) => json!(i),
        Some(any_value::Value::DoubleValue(d)) => json!(d),
        Some(any_value::Value::ArrayValue(a)) => Value::Array(a.values.iter().map(any).collect()),
        Some(any_value::Value::KvlistValue(l)) => Value::Object(attributes(&l.values)),
        Some(any_value::Value::BytesValue(b)) => json!(hex(b)),
        Some(_) | None => Value::Null,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_protobuf_and_json_spans() {
        let store = OtlpStore::default();
        let json_body = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
            "scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c",
            "spanId":"b7ad6b7169203331","parentSpanId":"00f067aa0ba902b7","name":"chat gpt","kind":3,
            "startTimeUnixNano":"1","endTimeUnixNano":"2",
            "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}}]}]}]}]}"#;
        let reply = store.receive(Signal::Traces, Some("application/json"), json_body);
        assert_eq!(reply.status, 200);
        let request: ExportTraceServiceRequest = serde_json::from_slice(json_body).unwrap();
        let reply = store.receive(
            Signal::Traces,
            Some("application/x-protobuf"),
            &request.encode_to_vec(),
        );
        assert_eq!(reply.status, 200);
        let got = store.to_json();
        assert_eq!(got["requests"], json!({"json": 1, "protobuf": 1}));
        for span in got["spans"].as_array().unwrap() {
            assert_eq!(span["trace_id"], "0af7651916cd43dd8448eb211c80319c");
            assert_eq!(span["parent_span_id"], "00f067aa0ba902b7");
            assert_eq!(span["kind"], "client");
            assert_eq!(span["attributes"]["gen_ai.usage.input_tokens"], 12);
            assert_eq!(span["resource"]["service.name"], "svc");
            assert_eq!(span["duplicate_attributes"], json!([]));
        }
        let key = |k: &str| KeyValue {
            key: k.to_string(),
            ..KeyValue::default()
        };
        assert_eq!(duplicates(&[key("a"), key("b"), key("a")]), ["a"]);
        assert_eq!(
            store.receive(Signal::Metrics, None, b"\xff\xff").status,
            400
        );
        store.clear();
        assert_eq!(store.to_json()["spans"], json!([]));
    }
}
