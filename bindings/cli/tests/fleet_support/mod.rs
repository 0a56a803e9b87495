//! What the fleet tests share: one redis-server and one emulator per test, a catalog of one
//! budget on that Redis store, `foundry fleet-worker` processes, their JSON summaries, and the
//! fleet budget's books as `foundry spend` reads them from Redis.
//!
//! Every call costs exactly what it reserves (input is free, `max_tokens: 1` and the emulator
//! answers one token when the answer is cut at the bound), so the number of calls a cap admits
//! is exactly `floor(cap / cost)`, whatever the interleaving.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use foundry_emulator::{Emulator, EmulatorConfig, DEFAULT_API_KEY};
use serde_json::Value;

#[path = "../../../../core/tests/support/redis_server.rs"]
mod redis_server;
pub use redis_server::RedisServer;

/// $1,000 per million output tokens: one token, $0.001, 1,000,000 n$.
pub const COST_USD: f64 = 0.001;

pub struct Fleet {
    pub redis: RedisServer,
    pub emulator: Emulator,
    pub dir: PathBuf,
}

pub async fn fleet() -> Fleet {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/conformance/emulator.yaml"
    );
    let config = EmulatorConfig::from_path(Path::new(path)).expect("emulator.yaml");
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let redis = RedisServer::start();
    let dir = redis.dir.join("catalogs");
    std::fs::create_dir_all(&dir).expect("catalog dir");
    Fleet {
        redis,
        emulator,
        dir,
    }
}

/// Catalog settings a test varies.
pub struct Setup<'a> {
    pub prefix: &'a str,
    pub cap_usd: f64,
    pub extra_headers: &'a str,
    pub store: &'a str,
    pub defaults: &'a str,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            prefix: "fleet",
            cap_usd: 1.0,
            extra_headers: "",
            store: "",
            defaults: "",
        }
    }
}

impl Fleet {
    pub fn catalog(&self, name: &str, s: &Setup<'_>) -> PathBuf {
        let text = format!(
            "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
             headers: {{x-emulator-scenario: fleet-{name}{headers}}}\n  retry: {{max_retries: 0}}\n{defaults}\
             deployments:\n  - name: gpt-4o-mini\n    pricing: {{input: 0, output: 1000}}\n\
             governance:\n  scope: fleet\n  store: {{type: redis, url: '{url}', prefix: {prefix}{store}}}\n  \
             budgets:\n    - {{scope: fleet, window: day, hard_usd: {cap}, soft: [0.5]}}\n",
            endpoint = self.emulator.endpoint(),
            headers = s.extra_headers,
            defaults = s.defaults,
            url = self.redis.url(),
            prefix = s.prefix,
            store = s.store,
            cap = s.cap_usd,
        );
        let path = self.dir.join(format!("{name}.yaml"));
        std::fs::write(&path, text).expect("catalog written");
        path
    }
}

pub fn worker(catalog: &Path, calls: u32, over_secs: f64) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foundry"));
    cmd.args([
        "fleet-worker",
        "--config",
        &catalog.display().to_string(),
        "--model",
        "gpt-4o-mini",
        "--calls",
        &calls.to_string(),
        "--over-secs",
        &over_secs.to_string(),
    ])
    .env_remove("FOUNDRY_ENDPOINT")
    .env_remove("FOUNDRY_API_KEY")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

pub fn summary(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "worker failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Starts `processes` workers at once and waits for all of them (off the runtime, which
/// keeps serving the emulator).
pub async fn run_workers(catalog: &Path, processes: u32, calls: u32) -> Vec<Value> {
    let children: Vec<Child> = (0..processes)
        .map(|_| worker(catalog, calls, 0.0).spawn().expect("worker starts"))
        .collect();
    wait_all(children).await.iter().map(summary).collect()
}

/// Waits for every child and collects its output, off the runtime (which keeps serving the
/// emulator meanwhile).
pub async fn wait_all(children: Vec<Child>) -> Vec<Output> {
    tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("worker ends"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("joined")
}

/// `foundry spend --json`: the fleet budget's (spent, reserved) in dollars.
pub async fn spend(catalog: &Path) -> (f64, f64) {
    let catalog = catalog.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_foundry"))
            .args([
                "spend",
                "--json",
                "--config",
                &catalog.display().to_string(),
            ])
            .output()
            .expect("spend runs")
    })
    .await
    .expect("joined");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let line = &v["budgets"][0];
    (
        line["spent_usd"].as_f64().expect("spent"),
        line["reserved_usd"].as_f64().expect("reserved"),
    )
}

pub fn count(summaries: &[Value], key: &str) -> u64 {
    summaries.iter().map(|s| s[key].as_u64().unwrap_or(0)).sum()
}

pub fn no_errors(summaries: &[Value]) {
    for s in summaries {
        assert_eq!(s["errors"], serde_json::json!({}), "{s}");
    }
}

pub fn calls_of(usd: f64) -> u64 {
    (usd / COST_USD).round() as u64
}
