//! Whether the process exports, read from the standard `OTEL_*` variables the way the
//! OpenTelemetry SDK specification reads them: each signal is exported when its exporter is
//! `otlp` (the default) and an OTLP endpoint is set, and nothing is when the SDK is disabled.
//! An endpoint is required (the spec's default, localhost:4318, is not assumed): a library must
//! not start sending telemetry because a variable is missing.

/// What to export, and why not when nothing is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportPlan {
    pub traces: bool,
    pub metrics: bool,
    /// A setting that asked for export in a way this build cannot honour, said once as a
    /// warning (for example `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`).
    pub refused: Option<String>,
}

impl ExportPlan {
    pub fn any(&self) -> bool {
        self.traces || self.metrics
    }

    /// The plan for the environment `var` reads.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> ExportPlan {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let off = ExportPlan {
            traces: false,
            metrics: false,
            refused: None,
        };
        if set("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return off;
        }
        let any_endpoint = set("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
        let mut refused = None;
        let mut signal = |exporter: &str, endpoint: &str, protocol: &str| {
            let wanted = match set(exporter) {
                None => true,
                Some(v) => {
                    let names: Vec<String> =
                        v.split(',').map(|s| s.trim().to_lowercase()).collect();
                    if names.iter().any(|n| n == "none") {
                        return false;
                    }
                    if !names.iter().any(|n| n == "otlp") {
                        refused = Some(format!(
                            "{exporter}={v}: foundry-client exports over OTLP only; set it to otlp (or none)"
                        ));
                        return false;
                    }
                    true
                }
            };
            if !wanted || !(any_endpoint || set(endpoint).is_some()) {
                return false;
            }
            let protocol = set(protocol).or_else(|| set("OTEL_EXPORTER_OTLP_PROTOCOL"));
            match protocol.as_deref() {
                None | Some("http/protobuf") | Some("http/json") => true,
                Some(other) => {
                    refused = Some(format!(
                        "OTEL_EXPORTER_OTLP_PROTOCOL={other}: foundry-client exports OTLP over HTTP only; use http/protobuf (the default) or http/json"
                    ));
                    false
                }
            }
        };
        let traces = signal(
            "OTEL_TRACES_EXPORTER",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        );
        let metrics = signal(
            "OTEL_METRICS_EXPORTER",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        );
        ExportPlan {
            traces,
            metrics,
            refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(vars: &[(&str, &str)]) -> ExportPlan {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ExportPlan::from_env(&move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn an_endpoint_is_needed() {
        assert!(!plan(&[]).any());
        assert!(!plan(&[("OTEL_TRACES_EXPORTER", "otlp")]).any());
        let p = plan(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]);
        assert!(p.traces && p.metrics && p.refused.is_none());
        let p = plan(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://h/v1/traces")]);
        assert!(p.traces && !p.metrics);
    }

    #[test]
    fn none_disabled_and_unsupported() {
        let e = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let p = plan(&[e, ("OTEL_METRICS_EXPORTER", "none")]);
        assert!(p.traces && !p.metrics);
        assert!(!plan(&[e, ("OTEL_SDK_DISABLED", "TRUE")]).any());
        assert!(plan(&[e, ("OTEL_SDK_DISABLED", "false")]).any());
        let p = plan(&[e, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        assert!(!p.any());
        assert!(p.refused.unwrap().contains("http/protobuf"));
        assert!(plan(&[e, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).any());
        let p = plan(&[e, ("OTEL_TRACES_EXPORTER", "zipkin")]);
        assert!(!p.traces && p.metrics && p.refused.is_some());
        // The per-signal protocol wins over the general one.
        let p = plan(&[
            e,
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ]);
        assert!(p.traces && !p.metrics);
    }
}
