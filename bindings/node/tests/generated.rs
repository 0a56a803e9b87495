//! The generator of `node/src/generated/`: the TypeScript declarations of the core's result
//! and deployment-listing shapes (ts-rs, the core's `ts` feature) and the list of error kinds
//! with their docs (`ErrorKind::ALL`, `ErrorKind::doc()`). A test: it fails when a committed
//! file differs from what the Rust types give; `FOUNDRY_UPDATE_GENERATED=1` rewrites them.

use foundry_client::config::{
    CredentialKind, DeploymentListing, ExtraParameters, Pricing, Shape, TokensParam,
};
use foundry_client::events::{
    AttemptEvent, BudgetAlertEvent, CircuitEvent, CircuitState, Event, PolicyEvent, ResultEvent,
    RetryRefusedEvent, SpendAction, SpendEvent, StoreEvent,
};
use foundry_client::{
    Api, Attempt, CategoryResult, Cause, ChatChunk, ChatResult, ContentFilterReport, Embedding,
    EmbeddingsResult, ErrorDetails, ErrorKind, LimitLine, SpendLine, ToolCall, ToolCallDelta,
    Usage,
};
use ts_rs::TS;

const HEADER: &str =
    "// Generated from the Rust types by bindings/node/tests/generated.rs: do not edit. \
                      Regenerate with FOUNDRY_UPDATE_GENERATED=1 scripts/test_node.sh.\n";

fn declaration<T: TS>() -> String {
    let docs = T::docs().unwrap_or_default();
    format!("\n{docs}export {}\n", T::decl())
}

/// The normalized shapes (snake_case, as every language's conformance runner compares them),
/// the governance reports and the events (`node/src/events.ts` camelCases their keys).
fn shapes() -> String {
    let mut out = String::from(HEADER);
    for decl in [
        declaration::<serde_json::Value>(),
        declaration::<Api>(),
        declaration::<Usage>(),
        declaration::<CategoryResult>(),
        declaration::<ContentFilterReport>(),
        declaration::<ToolCall>(),
        declaration::<ToolCallDelta>(),
        declaration::<Attempt>(),
        declaration::<ChatResult>(),
        declaration::<ChatChunk>(),
        declaration::<Embedding>(),
        declaration::<EmbeddingsResult>(),
        declaration::<ErrorKind>(),
        declaration::<Cause>(),
        declaration::<ErrorDetails>(),
        declaration::<Shape>(),
        declaration::<TokensParam>(),
        declaration::<ExtraParameters>(),
        declaration::<CredentialKind>(),
        declaration::<Pricing>(),
        declaration::<DeploymentListing>(),
        declaration::<SpendLine>(),
        declaration::<LimitLine>(),
        declaration::<AttemptEvent>(),
        declaration::<ResultEvent>(),
        declaration::<CircuitState>(),
        declaration::<CircuitEvent>(),
        declaration::<RetryRefusedEvent>(),
        declaration::<SpendAction>(),
        declaration::<SpendEvent>(),
        declaration::<BudgetAlertEvent>(),
        declaration::<StoreEvent>(),
        declaration::<PolicyEvent>(),
        declaration::<Event>(),
    ] {
        out.push_str(&decl);
    }
    out
}

/// The core's error kinds: the union `CLASSES` must cover (tsc fails when one is missing).
fn error_kinds() -> String {
    let mut out = String::from(HEADER);
    out.push_str("\n/** The core's error kinds (`ErrorKind::ALL`), each with its doc. */\nexport const ERROR_KIND_DOCS = {\n");
    for kind in ErrorKind::ALL {
        out.push_str(&format!("  {}: {:?},\n", kind.as_str(), kind.doc()));
    }
    out.push_str("} as const;\n\n/** One of the core's error kinds. */\nexport type ErrorKindName = keyof typeof ERROR_KIND_DOCS;\n");
    out
}

#[test]
fn node_src_generated_is_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node/src/generated");
    let update = std::env::var_os("FOUNDRY_UPDATE_GENERATED").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, text) in [("shapes.ts", shapes()), ("error-kinds.ts", error_kinds())] {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).expect("node/src/generated");
            std::fs::write(&path, &text).expect("write a generated file");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "node/src/generated/{stale:?} differ from the Rust types: run FOUNDRY_UPDATE_GENERATED=1 scripts/test_node.sh and commit them"
    );
}
