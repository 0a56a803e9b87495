//! One budget across a fleet: several `foundry fleet-worker` processes (each a client with
//! the Redis ledger) call the emulator at once against one Redis server the test starts.
//! The shared pieces (and why a cap admits exactly floor(cap / cost) calls) are in
//! `fleet_support/`; `fleet_mixed.rs` runs the same scenario with a process of each language.

use std::process::Child;
use std::time::{Duration, Instant};

use foundry_emulator::DEFAULT_API_KEY;
use serde_json::Value;

mod fleet_support;
use fleet_support::{
    calls_of, count, fleet, no_errors, run_workers, spend, summary, wait_all, worker, Setup,
};

/// A plain HTTP/1.1 POST to the emulator (loopback, no TLS): its status line and headers.
fn post(endpoint: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let address = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("emulator");
    let request = format!(
        "POST /{path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// A loopback webhook receiver: answers 200 to every POST and keeps the bodies.
fn webhook_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_ok() {
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    kept.lock().expect("bodies").push(v);
                }
            }
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, bodies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_one_budget_admit_exactly_what_the_cap_allows() {
    let f = fleet().await;
    let (hook, alerts) = webhook_receiver();
    let store = format!(", alert_webhook: '{hook}'");
    // (processes, calls each, cap): the cap pays for fewer calls than are made.
    for (processes, calls, cap_usd) in [(1, 1_000, 0.642), (4, 250, 0.6), (16, 250, 2.5)] {
        let prefix = format!("p{processes}");
        let catalog = f.catalog(
            &prefix,
            &Setup {
                prefix: &prefix,
                cap_usd,
                store: &store,
                ..Setup::default()
            },
        );
        let alerted = alerts.lock().expect("alerts").len();
        let summaries = run_workers(&catalog, processes, calls).await;
        no_errors(&summaries);
        let answered = count(&summaries, "answered");
        let refused = count(&summaries, "refused");
        let allowed = calls_of(cap_usd);
        assert_eq!(
            answered, allowed,
            "{processes} processes: exactly floor(cap / cost) admitted: {summaries:?}"
        );
        assert_eq!(answered + refused, u64::from(processes * calls));
        let (spent, reserved) = spend(&catalog).await;
        assert_eq!(calls_of(spent), answered, "every answered call is booked");
        assert!(spent <= cap_usd + 1e-9, "settled {spent} over the cap");
        assert_eq!(reserved, 0.0, "nothing is left held");
        // The 50 % alert: once for the whole fleet, POSTed by the process that crossed it
        // (before it exited: a worker waits for its background steps).
        let alerts = alerts.lock().expect("alerts");
        assert_eq!(
            alerts.len(),
            alerted + 1,
            "{processes} processes: {alerts:?}"
        );
        let alert = &alerts[alerted];
        assert_eq!(alert["type"], "budget_alert");
        assert_eq!(alert["scope"], "fleet");
        assert_eq!(alert["threshold"], 0.5);
        assert!(
            alert["spent_usd"].as_f64().unwrap() >= cap_usd / 2.0,
            "{alert}"
        );
    }
    // Two reservations' worth per call: reserve and settle are one round trip each, counted
    // on the server (the bench prints the per-call figures).
    let stats = f.redis.command(&["INFO", "commandstats"]);
    assert!(stats.contains("cmdstat_evalsha"), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_frees_its_reservations_within_the_lease() {
    let f = fleet().await;
    // The hung process: every call waits far past its deadline, holding its reservation.
    let hung = f.catalog(
        "hung",
        &Setup {
            prefix: "kill",
            extra_headers: ", x-emulator-fault: delay-ms=60000",
            store: ", lease_secs: 2",
            defaults: "  timeout_secs: 5\n  deadline_secs: 5\n",
            ..Setup::default()
        },
    );
    let healthy = f.catalog(
        "healthy",
        &Setup {
            prefix: "kill",
            store: ", lease_secs: 2",
            ..Setup::default()
        },
    );
    let mut victim = worker(&hung, 50, 0.0).spawn().expect("starts");
    let waited = Instant::now();
    loop {
        let (_, reserved) = spend(&hung).await;
        if calls_of(reserved) == 50 {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the hung calls never all reserved ({reserved})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    victim.kill().expect("SIGKILL");
    let killed = Instant::now();
    let _ = victim.wait();
    let summaries = run_workers(&healthy, 1, 200).await;
    no_errors(&summaries);
    assert_eq!(count(&summaries, "answered"), 200, "{summaries:?}");
    // Lease: the call's deadline (5 s) plus lease_secs (2 s), dated from the reservation.
    let lease = Duration::from_secs(7);
    loop {
        let (spent, reserved) = spend(&healthy).await;
        assert_eq!(
            calls_of(spent),
            200,
            "every settled record of the other process"
        );
        if reserved == 0.0 {
            break;
        }
        assert!(
            killed.elapsed() < lease + Duration::from_secs(5),
            "the dead process still holds ${reserved} past its lease"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_loses_no_settled_record_and_calls_in_the_outage_fail_closed() {
    let mut f = fleet().await;
    let catalog = f.catalog(
        "restart",
        &Setup {
            prefix: "restart",
            cap_usd: 100.0,
            store: ", lease_secs: 1",
            defaults: "  timeout_secs: 5\n  deadline_secs: 5\n",
            ..Setup::default()
        },
    );
    let child = worker(&catalog, 600, 6.0).spawn().expect("starts");
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    f.redis.kill();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    f.redis.restart();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("ends"))
        .await
        .expect("joined");
    let s = summary(&out);
    let answered = s["answered"].as_u64().unwrap();
    let failed = s["errors"]["store_unavailable"].as_u64().unwrap_or(0);
    assert_eq!(
        answered + failed,
        600,
        "every call was answered or refused by the outage: {s}"
    );
    assert!(failed > 0, "some calls ran into the outage: {s}");
    assert!(answered > 0, "{s}");
    let message = s["first_error"].as_str().unwrap_or("");
    assert!(
        message.contains(&format!("127.0.0.1:{}", f.redis.port))
            && message.contains("on_unreachable"),
        "the refusal names the server and the opt-in mode: {message}"
    );
    let (spent, _) = spend(&catalog).await;
    assert_eq!(
        calls_of(spent),
        answered,
        "every answered call is on the books: {s}"
    );
    // A reservation the server made as it was killed, whose answer never came back, is held
    // by nobody: its lease (the 5 s deadline plus 1 s) frees it.
    let ended = Instant::now();
    while spend(&catalog).await.1 > 0.0 {
        assert!(
            ended.elapsed() < Duration::from_secs(6 + 5),
            "a reservation outlived its lease"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// 600 requests a minute on one deployment, for the whole fleet.
const FLEET_RPM: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_hold_one_deployment_limit_and_the_service_answers_no_429() {
    let f = fleet().await;
    // The emulator enforces the same quota: 600 requests in each of its minutes. (Not its
    // 10 s sub-windows: at full saturation a fixed 10 s window edge is met within a slot's
    // width, 39 ms, and arrival jitter on a loaded test machine passes that; the README says
    // to keep a fleet limit about 1 % under a quota counted over 10 s windows.)
    let scenario = serde_json::json!({"limits": {"gpt-4o-mini": {
        "rpm": FLEET_RPM, "tpm": 10_000_000
    }}});
    let registered = post(
        &f.emulator.endpoint(),
        "_emulator/scenarios/fleet-rate",
        &scenario.to_string(),
    );
    assert!(registered.starts_with("HTTP/1.1 2"), "{registered}");
    let text = format!(
        "defaults:\n  endpoint: {endpoint}\n  auth: {{type: api_key, key: {DEFAULT_API_KEY}}}\n  \
         headers: {{x-emulator-scenario: fleet-rate}}\n  retry: {{max_retries: 0}}\n  \
         timeout_secs: 3\n  deadline_secs: 3\n\
         deployments:\n  - name: gpt-4o-mini\n    pricing: {{input: 0, output: 1000}}\n    \
         rpm: {FLEET_RPM}\n\
         governance:\n  scope: fleet\n  rate_limits: true\n  \
         store: {{type: redis, url: '{url}', prefix: rate}}\n  \
         budgets:\n    - {{scope: fleet, window: day, hard_usd: 1000}}\n",
        endpoint = f.emulator.endpoint(),
        url = f.redis.url(),
    );
    let catalog = f.dir.join("rate.yaml");
    std::fs::write(&catalog, text).expect("catalog");
    // Each process offers 320 calls over 70 s: together about twice the limit, all along.
    let children: Vec<Child> = (0..4)
        .map(|_| worker(&catalog, 320, 70.0).spawn().expect("worker starts"))
        .collect();
    let started_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let summaries: Vec<Value> = wait_all(children).await.iter().map(summary).collect();
    let mut times: Vec<u64> = summaries
        .iter()
        .flat_map(|s| s["answered_at_ms"].as_array().expect("times").clone())
        .map(|t| t.as_u64().expect("ms"))
        .collect();
    times.sort_unstable();
    // One steady minute, after every process has started offering: within ±1 % of the limit.
    let from = started_ms + 5_000;
    let in_minute = times
        .iter()
        .filter(|t| (from..from + 60_000).contains(*t))
        .count() as f64;
    println!("fleet rate: {in_minute} calls answered in one minute, limit {FLEET_RPM}");
    assert_eq!(count(&summaries, "service_429"), 0, "{summaries:?}");
    for s in &summaries {
        // Calls the fleet's limit could not admit before their deadline fail at once with a
        // local rate_limit error; nothing else fails, except that a call booked ahead (which
        // keeps half its deadline for the request) may still pass its deadline when the
        // machine is loaded by the other fleet tests running beside this one (seen once in
        // four runs on 2 cores): at most 1 % of a process's calls.
        let errors = s["errors"].as_object().expect("errors");
        let other: u64 = errors
            .iter()
            .filter(|(k, _)| *k != "rate_limit" && *k != "timeout")
            .map(|(_, v)| v.as_u64().unwrap_or(0))
            .sum();
        assert_eq!(other, 0, "{}", s["errors"]);
        let late = errors.get("timeout").and_then(Value::as_u64).unwrap_or(0);
        assert!(
            late <= 3,
            "{late} of 320 calls passed their deadline: {}",
            s["errors"]
        );
    }
    let rpm = FLEET_RPM as f64;
    assert!(
        (in_minute - rpm).abs() <= rpm * 0.01,
        "{in_minute} calls in a minute against a fleet limit of {rpm}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_store_down_local_mode_counts_limit_over_fleet_size_and_says_so() {
    let mut f = fleet().await;
    let setup = |prefix| Setup {
        prefix,
        cap_usd: 0.1,
        store: ", on_unreachable: local, fleet_size: 2",
        ..Setup::default()
    };
    f.redis.kill();
    // The store is down from the start: this process may spend half of the cap ($0.05).
    let down = f.catalog("local-down", &setup("local"));
    let summaries = run_workers(&down, 1, 100).await;
    no_errors(&summaries);
    assert_eq!(count(&summaries, "answered"), 50, "{summaries:?}");
    assert_eq!(count(&summaries, "refused"), 50);
    assert_eq!(
        summaries[0]["store_events"],
        serde_json::json!([{"state": "unreachable", "mode": "local", "fleet_size": 2}]),
        "one event for the outage"
    );
    // The store comes back while a process is calling: one event each way, no call fails.
    let back = f.catalog("local-back", &setup("back"));
    let child = worker(&back, 40, 4.0).spawn().expect("starts");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    f.redis.restart();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("ends"))
        .await
        .expect("joined");
    let s = summary(&out);
    assert_eq!(s["errors"], serde_json::json!({}), "{s}");
    assert_eq!(s["answered"], 40, "{s}");
    let states: Vec<&str> = s["store_events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(states, ["unreachable", "reachable"], "{s}");
}
