//! The fleet scenario of `fleet.rs` with a process of each language on one Redis budget: a
//! Python process (the wheel the Python suite installed), a Node process (the addon and
//! package the Node suite built), a JVM process (the jar the Kotlin suite built, through
//! tests/consumers/kotlin) and a Rust `foundry fleet-worker`, all started at once on the same
//! catalog, each making its calls concurrently. They must admit exactly floor(cap / cost)
//! calls between them, refuse every other call with their language's typed budget error, and
//! leave books in Redis that match what they answered; once the cap is spent, each language's
//! calls are refused with its typed error.
//!
//! It needs the bindings built, so `cargo test --workspace` leaves it out (`test = false` in
//! Cargo.toml): scripts/test.sh runs it last, as `cargo test -p foundry-cli --test
//! fleet_mixed`, after every binding's script. Missing artifacts fail it with the script that
//! builds them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod fleet_support;
use fleet_support::{calls_of, count, fleet, no_errors, spend, summary, wait_all, worker, Setup};

/// Calls each process makes at once.
const CALLS: u32 = 200;
/// The cap pays for 700 of the 800 calls: whatever the interleaving (a JVM starts last), every
/// process answers at least 700 - 3 x 200 = 100 calls, and 100 calls in all are refused.
const CAP_USD: f64 = 0.7;
/// Calls each process makes once the cap is spent: all refused, so every language's typed
/// budget error is seen whichever processes the first round's refusals fell to.
const CALLS_AFTER: u32 = 20;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `path`, or a failure naming the script that makes it.
fn built(path: PathBuf, script: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/{script} first (scripts/test.sh runs this test after it)",
        path.display()
    );
    path
}

/// A worker of another language: `program args.. CONFIG MODEL CALLS`, printing the same JSON
/// summary as `foundry fleet-worker` (its fields `answered`, `refused`, `errors`).
fn foreign(program: &Path, args: &[&str], catalog: &Path, calls: u32) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .args([
            &catalog.display().to_string(),
            "gpt-4o-mini",
            &calls.to_string(),
        ])
        .env_remove("FOUNDRY_ENDPOINT")
        .env_remove("FOUNDRY_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn python(catalog: &Path, calls: u32) -> Command {
    let interpreter = built(root().join(".venv-python/bin/python"), "test_python.sh");
    let script = root().join("tests/fleet/worker.py");
    foreign(
        &interpreter,
        &[&script.display().to_string()],
        catalog,
        calls,
    )
}

fn node(catalog: &Path, calls: u32) -> Command {
    built(root().join("node/dist/index.js"), "test_node.sh");
    let script = root().join("tests/fleet/worker.mjs");
    foreign(
        Path::new("node"),
        &[&script.display().to_string()],
        catalog,
        calls,
    )
}

/// The consumer's FleetWorker on this checkout's jar (kotlin/target: `mvn install` copies the
/// same file into the shared local repository, where another checkout's build may since have
/// replaced it) and the consumer's other dependencies. JNA loads the library out of the jar,
/// as a user's service would: the test's LD_LIBRARY_PATH (cargo's target dirs) is dropped.
fn kotlin(catalog: &Path, calls: u32) -> Command {
    let consumer = root().join("tests/consumers/kotlin/target");
    let classes = built(
        consumer.join("classes/FleetWorkerKt.class"),
        "test_kotlin.sh",
    );
    let jar = built(
        root().join("kotlin/target/foundry-client-0.1.0.jar"),
        "test_kotlin.sh",
    );
    let dependencies = built(consumer.join("runtime-classpath.txt"), "test_kotlin.sh");
    let dependencies = std::fs::read_to_string(dependencies).expect("the classpath file");
    let mut classpath = vec![
        classes.parent().expect("classes dir").display().to_string(),
        jar.display().to_string(),
    ];
    classpath.extend(
        dependencies
            .trim()
            .split(':')
            .filter(|entry| !entry.contains("/foundryclient/foundry-client/"))
            .map(str::to_string),
    );
    let mut cmd = foreign(
        Path::new("java"),
        &["-cp", &classpath.join(":"), "FleetWorkerKt"],
        catalog,
        calls,
    );
    cmd.env_remove("LD_LIBRARY_PATH");
    cmd
}

/// One process of each language, started at once with `calls` calls each; their summaries in
/// the order python, node, kotlin, rust, each with no error but the typed budget refusals.
async fn run_mixed(catalog: &Path, calls: u32) -> Vec<Value> {
    let mut commands = [
        python(catalog, calls),
        node(catalog, calls),
        kotlin(catalog, calls),
        worker(catalog, calls, 0.0),
    ];
    let children = commands
        .iter_mut()
        .map(|c| {
            c.spawn()
                .unwrap_or_else(|e| panic!("{c:?} does not start: {e}"))
        })
        .collect();
    let mut summaries: Vec<Value> = wait_all(children).await.iter().map(summary).collect();
    for s in &mut summaries {
        // The Rust worker's answer times are for the rate test; they only clutter messages.
        s.as_object_mut().map(|s| s.remove("answered_at_ms"));
    }
    println!("mixed fleet, {calls} calls each: {summaries:?}");
    let languages: Vec<&str> = summaries
        .iter()
        .map(|s| s["language"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(languages, ["python", "node", "kotlin", "rust"]);
    // Every call was answered or refused with the typed budget error (a worker counts a
    // refusal only when it is its language's budget error class; anything else is an error).
    no_errors(&summaries);
    for s in &summaries {
        let answered = s["answered"].as_u64().expect("answered");
        let refused = s["refused"].as_u64().expect("refused");
        assert_eq!(answered + refused, u64::from(calls), "{s}");
    }
    summaries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_node_kotlin_and_rust_processes_share_one_budget() {
    let f = fleet().await;
    let catalog = f.catalog(
        "mixed",
        &Setup {
            prefix: "mixed",
            cap_usd: CAP_USD,
            ..Setup::default()
        },
    );
    let summaries = run_mixed(&catalog, CALLS).await;
    for s in &summaries {
        assert!(
            s["answered"].as_u64() >= Some(100),
            "each process answers its share: {s}"
        );
    }
    let answered = count(&summaries, "answered");
    assert_eq!(
        answered,
        calls_of(CAP_USD),
        "exactly floor(cap / cost) admitted across the languages: {summaries:?}"
    );
    assert_eq!(
        count(&summaries, "refused"),
        4 * u64::from(CALLS) - answered
    );
    // The books in Redis: every answered call settled (each process awaited its settles
    // before it exited), nothing left held, the cap never passed.
    let (spent, reserved) = spend(&catalog).await;
    assert_eq!(calls_of(spent), answered, "every answered call is booked");
    assert!(spent <= CAP_USD + 1e-9, "settled {spent} over the cap");
    assert_eq!(reserved, 0.0, "nothing is left held");
    // The cap is spent: every language's calls are refused with its typed budget error, and
    // the books do not move.
    let after = run_mixed(&catalog, CALLS_AFTER).await;
    for s in &after {
        assert_eq!(s["refused"].as_u64(), Some(u64::from(CALLS_AFTER)), "{s}");
    }
    assert_eq!(
        spend(&catalog).await,
        (spent, 0.0),
        "refused calls book nothing"
    );
}
