//! foundry-bench: the core against bare reqwest + serde_json on a loopback mock (issue 6).
//!
//! ```text
//! foundry-bench [run] [--rounds N] [--quick] [--only CELLS] [--no-table] [--out DIR]
//! foundry-bench report [--out DIR] [--markdown]                          the combined table
//! foundry-bench serve                                                    the mock (internal)
//! foundry-bench mem-child --variant V --endpoint URL --port P            cell 2's child (internal)
//! foundry-bench profile --variant V [--deployment D] [--seconds S]       one variant, for perf
//! foundry-bench count --what W --calls N                                  fixed work, for callgrind
//! ```
//!
//! Benchmarks print; they never assert. `tests/bench/run.sh` is the one command.

mod alloc;
mod bodies;
mod cells;
mod count;
mod machine;
mod mock;
mod peers;
mod report;
mod stats;
mod table;
mod variants;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Map};

use cells::{progress, Bench, Settings};
use mock::MockServer;
use variants::{Clients, Variant};

#[global_allocator]
static GLOBAL: alloc::CountingAlloc = alloc::CountingAlloc;

const MIN_ROUNDS: usize = 5;

struct Args {
    command: String,
    rounds: usize,
    quick: bool,
    no_table: bool,
    markdown: bool,
    out: PathBuf,
    variant: Option<Variant>,
    endpoint: String,
    port: u16,
    seconds: f64,
    deployment: String,
    /// `--only 1,2,3,8,1b,g,q,r`: run just these cells (for re-runs and profiling).
    only: Option<Vec<String>>,
    /// `count`: what to repeat (`call-core`, `call-reqwest`, `decision`, ...: `count::WHATS`)
    /// and how often.
    what: String,
    calls: usize,
}

fn default_out() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        command: "run".into(),
        rounds: 7,
        quick: false,
        no_table: false,
        markdown: false,
        out: default_out(),
        variant: None,
        endpoint: String::new(),
        port: 0,
        seconds: 10.0,
        deployment: "chat-1k".into(),
        only: None,
        what: "decision".into(),
        calls: 1_000,
    };
    let mut it = std::env::args().skip(1);
    let mut first = true;
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "run" | "report" | "serve" | "mem-child" | "profile" | "count" if first => {
                args.command = a.clone()
            }
            "--rounds" => {
                let n: usize = value("--rounds")?
                    .parse()
                    .map_err(|_| "--rounds takes a number")?;
                args.rounds = n.max(MIN_ROUNDS);
            }
            "--quick" => args.quick = true,
            "--no-table" => args.no_table = true,
            "--markdown" => args.markdown = true,
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--variant" => {
                let v = value("--variant")?;
                args.variant = Some(Variant::parse(&v).ok_or(format!("unknown variant {v}"))?);
            }
            "--endpoint" => args.endpoint = value("--endpoint")?,
            "--deployment" => args.deployment = value("--deployment")?,
            "--only" => {
                args.only = Some(
                    value("--only")?
                        .split(',')
                        .map(|c| c.trim().to_string())
                        .collect(),
                );
            }
            "--what" => args.what = value("--what")?,
            "--calls" => {
                args.calls = value("--calls")?
                    .parse()
                    .map_err(|_| "--calls takes a number")?;
            }
            "--seconds" => {
                args.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds takes a number")?;
            }
            "--port" => {
                args.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port takes a number")?
            }
            "-h" | "--help" => {
                println!(
                    "foundry-bench [run] [--rounds N (>= {MIN_ROUNDS})] [--quick] [--only 1,1b,2,3,8,g,q] [--no-table] [--out DIR]\n\
                     foundry-bench report [--out DIR] [--markdown]\n\
                     foundry-bench profile --variant core|reqwest|async-openai|liter-llm [--deployment chat-1k|chat-100k|stream-1000|..] [--seconds S]   (under perf record)\n\
                     foundry-bench count --what call-core|call-reqwest|call-async-openai|call-liter-llm|call-governed|call-sqlite|call-ungoverned|decision[-sqlite]|parse-core|parse-value|parse-async-openai|stream-core|stream-reqwest|first-token-core|first-token-reqwest --calls N   (under callgrind: instructions = difference of two N / difference of N; tests/bench/callgrind.sh)\n\
                     tests/bench/run.sh runs everything; tests/bench/README.md explains the method."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
        first = false;
    }
    Ok(args)
}

/// Client on core 1 and mock on core 0 when there are two cores and `taskset`.
fn pin() -> (Option<usize>, String) {
    if machine::nproc() < 2 {
        return (None, "not pinned (one core)".into());
    }
    if !machine::has_taskset() {
        return (None, "not pinned (no taskset)".into());
    }
    if machine::pin_self(1) {
        (Some(0), "mock on core 0, client on core 1 (taskset)".into())
    } else {
        (None, "not pinned (taskset refused)".into())
    }
}

fn run(args: &Args) -> Result<(), String> {
    let date = machine::utc_now();
    let load_at_start = machine::loadavg();
    // Before pinning: pinning narrows what available_parallelism reports.
    let described = machine::describe();
    let (server_core, pinning) = pin();
    progress(&format!("load at start {load_at_start}; {pinning}"));
    let server =
        MockServer::start(server_core).map_err(|e| format!("cannot start the mock: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let settings = Settings {
        rounds: args.rounds,
        quick: args.quick,
    };
    let (rows, extra) = runtime.block_on(async {
        let clients = Arc::new(Clients::new(&server.endpoint())?);
        let mut b = Bench {
            clients,
            server,
            settings,
            extra: Map::new(),
        };
        let wants = |cell: &str| {
            args.only
                .as_ref()
                .is_none_or(|o| o.iter().any(|c| c == cell))
        };
        let mut rows = Vec::new();
        if wants("1") {
            rows.extend(cells::latency::run(&b).await?);
            rows.extend(cells::throughput::run(&mut b).await?);
        }
        if wants("2") {
            rows.extend(cells::memory::run(&b).await?);
        }
        if wants("8") {
            rows.extend(cells::growth::run(&b).await?);
        }
        if wants("3") || wants("8") {
            rows.extend(cells::streaming::run(&b).await?);
        }
        if wants("1b") {
            rows.extend(cells::breakdown::run(&b)?);
        }
        if wants("g") {
            rows.extend(cells::governance::run(&b).await?);
        }
        if wants("q") {
            rows.extend(cells::quota::run(&b).await?);
        }
        if wants("r") {
            rows.extend(cells::fleet::run(&b).await?);
        }
        Ok::<_, String>((rows, b.extra))
    })?;
    let results = json!({
        "date": date,
        "machine": described,
        "load_at_start": load_at_start,
        "load_at_end": machine::loadavg(),
        "pinning": pinning,
        "settings": {"rounds": args.rounds, "quick": args.quick},
        "method": "variants interleaved per round (core, reqwest); value = median of round values, spread = min–max of round values; ratio = cost relative to reqwest",
        "rows": rows,
        "extra": extra,
    });
    std::fs::create_dir_all(&args.out).map_err(|e| e.to_string())?;
    let path = args.out.join("rust.json");
    let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    progress(&format!("wrote {}", path.display()));
    if !args.no_table {
        report::report(&args.out, args.markdown)?;
    }
    Ok(())
}

fn profile(args: &Args) -> Result<(), String> {
    let variant = args.variant.ok_or("profile needs --variant core|reqwest")?;
    let (server_core, pinning) = pin();
    progress(&pinning);
    let server =
        MockServer::start(server_core).map_err(|e| format!("cannot start the mock: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let b = Bench {
            clients: Arc::new(Clients::new(&server.endpoint())?),
            server,
            settings: Settings {
                rounds: MIN_ROUNDS,
                quick: false,
            },
            extra: Map::new(),
        };
        cells::throughput::profile(&b, variant, &args.deployment, args.seconds).await
    })
}

fn main() {
    let outcome = parse_args().and_then(|args| match args.command.as_str() {
        "serve" => mock::serve().map_err(|e| e.to_string()),
        "mem-child" => match args.variant {
            Some(v) => cells::memory::child(v, &args.endpoint, args.port),
            None => Err("mem-child needs --variant".into()),
        },
        "report" => report::report(&args.out, args.markdown),
        "profile" => profile(&args),
        "count" => count::count(&args.what, args.calls),
        _ => run(&args),
    });
    if let Err(e) = outcome {
        eprintln!("foundry-bench: {e}");
        std::process::exit(1);
    }
}
