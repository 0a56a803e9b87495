//! The process's export pipeline: a tracer and the GenAI instruments over OTLP/HTTP, set up
//! once per process from the `OTEL_*` variables, lazily (the first client built, or the first
//! call of a forked child), and never shared with the application's own OpenTelemetry globals.
//!
//! A pipeline is leaked, not dropped: calls read it through a pointer with no lock (a forked
//! child must not wait on a lock its parent's threads held), and a forked child forgets its
//! parent's, whose export threads do not exist in the child, and builds its own.

use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::InstrumentationScope;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use super::settings::ExportPlan;

/// What a call records into.
pub(crate) struct Pipeline {
    pub tracer: Option<SdkTracer>,
    pub instruments: Option<Instruments>,
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

/// The GenAI client metrics (semantic conventions) and the client's own.
pub(crate) struct Instruments {
    /// `gen_ai.client.operation.duration`, seconds.
    pub duration: Histogram<f64>,
    /// `gen_ai.client.token.usage`, by `gen_ai.token.type`.
    pub tokens: Histogram<u64>,
    /// `foundry.client.cost`, USD billed per Azure's price list for the catalog.
    pub cost: Counter<f64>,
    /// `foundry.client.retries`: attempts after the first (retries, re-sends and fallbacks).
    pub retries: Counter<u64>,
}

const UNSET: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNSET);
static CURRENT: AtomicPtr<Pipeline> = AtomicPtr::new(std::ptr::null_mut());
/// Serializes set-up only; calls never take it.
static SETUP: Mutex<()> = Mutex::new(());

/// The pipeline, when the process exports; sets it up on first use. One atomic load when
/// export is off.
#[inline]
pub(crate) fn current() -> Option<&'static Pipeline> {
    match STATE.load(Ordering::Acquire) {
        OFF => None,
        ON => {
            let p = CURRENT.load(Ordering::Acquire);
            // SAFETY: a non-null CURRENT points to a leaked (never freed) Pipeline.
            unsafe { p.as_ref() }
        }
        _ => set_up(),
    }
}

/// The pipeline if it is already set up (never sets it up: an exiting process that made no
/// client must not start exporting).
pub(crate) fn existing() -> Option<&'static Pipeline> {
    if STATE.load(Ordering::Acquire) != ON {
        return None;
    }
    // SAFETY: a non-null CURRENT points to a leaked (never freed) Pipeline.
    unsafe { CURRENT.load(Ordering::Acquire).as_ref() }
}

/// Reads the environment and builds the pipeline if it asks for export. Cold: once per process.
#[cold]
fn set_up() -> Option<&'static Pipeline> {
    let _guard = SETUP.lock().unwrap_or_else(PoisonError::into_inner);
    if STATE.load(Ordering::Acquire) != UNSET {
        drop(_guard);
        return current();
    }
    watch_forks();
    let plan = ExportPlan::from_env(&|name| std::env::var(name).ok());
    if let Some(refused) = &plan.refused {
        tracing::warn!(target: "foundry_client", "OpenTelemetry export is off for a signal: {refused}");
    }
    let pipeline = plan.any().then(|| build(&plan)).flatten();
    match pipeline {
        Some(p) => {
            CURRENT.store(Box::into_raw(Box::new(p)), Ordering::Release);
            STATE.store(ON, Ordering::Release);
        }
        None => STATE.store(OFF, Ordering::Release),
    }
    drop(_guard);
    current()
}

fn build(plan: &ExportPlan) -> Option<Pipeline> {
    // The exporter's blocking HTTP client uses rustls without a default provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resource = Resource::builder().build();
    let scope = InstrumentationScope::builder("foundry-client")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url("https://opentelemetry.io/schemas/1.37.0")
        .build();
    let mut failed = Vec::new();
    let tracer_provider = plan
        .traces
        .then(|| {
            opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(protocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
                .build()
        })
        .and_then(|built| built.map_err(|e| failed.push(format!("traces: {e}"))).ok())
        .map(|exporter| {
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource.clone())
                .build()
        });
    let meter_provider = plan
        .metrics
        .then(|| {
            opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_protocol(protocol("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"))
                .build()
        })
        .and_then(|built| built.map_err(|e| failed.push(format!("metrics: {e}"))).ok())
        .map(|exporter| {
            SdkMeterProvider::builder()
                .with_periodic_exporter(exporter)
                .with_resource(resource)
                .build()
        });
    for failure in failed {
        tracing::warn!(target: "foundry_client", "OpenTelemetry export could not start: {failure}");
    }
    let tracer = tracer_provider
        .as_ref()
        .map(|p| p.tracer_with_scope(scope.clone()));
    let instruments = meter_provider
        .as_ref()
        .map(|p| Instruments::new(&p.meter_with_scope(scope)));
    (tracer.is_some() || instruments.is_some()).then_some(Pipeline {
        tracer,
        instruments,
        tracer_provider,
        meter_provider,
    })
}

/// The signal's OTLP encoding: http/protobuf unless `http/json` is asked for (the spec's
/// default; the exporter's own default is JSON when both encodings are compiled in).
fn protocol(signal_var: &str) -> Protocol {
    let asked = std::env::var(signal_var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").ok());
    match asked.as_deref().map(str::trim) {
        Some("http/json") => Protocol::HttpJson,
        _ => Protocol::HttpBinary,
    }
}

impl Instruments {
    fn new(meter: &opentelemetry::metrics::Meter) -> Instruments {
        Instruments {
            // The bucket boundaries the GenAI conventions advise for each.
            duration: meter
                .f64_histogram("gen_ai.client.operation.duration")
                .with_unit("s")
                .with_description("GenAI operation duration")
                .with_boundaries(vec![
                    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                    40.96, 81.92,
                ])
                .build(),
            tokens: meter
                .u64_histogram("gen_ai.client.token.usage")
                .with_unit("{token}")
                .with_description("Measures number of input and output tokens used")
                .with_boundaries(vec![
                    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0,
                    1048576.0, 4194304.0, 16777216.0, 67108864.0,
                ])
                .build(),
            cost: meter
                .f64_counter("foundry.client.cost")
                .with_unit("USD")
                .with_description("What the calls cost, by the catalog's prices")
                .build(),
            retries: meter
                .u64_counter("foundry.client.retries")
                .with_unit("{attempt}")
                .with_description("Attempts after a call's first: retries, re-sends and fallbacks")
                .build(),
        }
    }
}

/// Exports everything recorded so far; false when `within` passed first (the export goes on
/// in the background) or an exporter failed.
pub(crate) fn flush(within: Duration) -> bool {
    let Some(pipeline) = existing() else {
        return true;
    };
    let (done, wait) = std::sync::mpsc::channel();
    // On its own thread, so the deadline holds however the exporter blocks.
    let spawned = std::thread::Builder::new()
        .name("foundry-otel-flush".into())
        .spawn(move || {
            let traces = pipeline
                .tracer_provider
                .as_ref()
                .is_none_or(|p| p.force_flush().is_ok());
            let metrics = pipeline
                .meter_provider
                .as_ref()
                .is_none_or(|p| p.force_flush().is_ok());
            let _ = done.send(traces && metrics);
        });
    spawned.is_ok() && wait.recv_timeout(within).unwrap_or(false)
}

/// After `fork()`, the child forgets the parent's pipeline (its batch threads were not
/// copied) and sets up its own on first use.
fn watch_forks() {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    #[cfg(unix)]
    REGISTERED.call_once(|| {
        extern "C" fn in_child() {
            // Only atomics here: the child may hold copies of locks taken in the parent.
            CURRENT.store(std::ptr::null_mut(), Ordering::Release);
            STATE.store(UNSET, Ordering::Release);
        }
        // SAFETY: registers a handler that only stores to atomics.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
    #[cfg(not(unix))]
    REGISTERED.call_once(|| {});
}
