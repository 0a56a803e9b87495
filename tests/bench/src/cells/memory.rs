//! Cell 2: memory per 1,000 in-flight requests. Each measurement is a fresh child process
//! (`foundry-bench mem-child`) so the variants never share an allocator's state: it warms its
//! client up, reads VmRSS and the live heap, starts 1,000 calls against the 2 s mock, waits
//! until the mock holds all of them, reads both again, lets them finish and prints one JSON line.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{progress, Bench};
use crate::alloc;
use crate::machine::vm_rss_kib;
use crate::stats::PerVariant;
use crate::table::Row;
use crate::variants::{Clients, Variant};

pub const IN_FLIGHT: usize = 1000;
const DELAY_MS: u64 = 2000;

pub async fn run(b: &Bench) -> Result<Vec<Row>, String> {
    progress(&format!(
        "cell 2: memory per {IN_FLIGHT} in-flight calls, {} rounds x 1 child process per variant",
        b.settings.rounds
    ));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let (mut rss, mut heap) = (PerVariant::default(), PerVariant::default());
    let mut reached = Vec::new();
    for _ in 0..b.settings.rounds {
        for v in Variant::ALL {
            let out = Command::new(&exe)
                .args(["mem-child", "--variant", v.name(), "--endpoint"])
                .arg(b.server.endpoint())
                .arg("--port")
                .arg(b.server.port.to_string())
                .output()
                .map_err(|e| e.to_string())?;
            let line = String::from_utf8_lossy(&out.stdout);
            let m: Value = serde_json::from_str(line.trim()).map_err(|_| {
                format!(
                    "mem-child ({}) failed: {}{}",
                    v.name(),
                    line.trim(),
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
            let num = |k: &str| m[k].as_f64().unwrap_or(0.0);
            rss.push(v, (num("rss_during_kib") - num("rss_before_kib")) / 1024.0);
            heap.push(
                v,
                (num("heap_during") - num("heap_before")) / 1024.0 / 1024.0,
            );
            reached.push(m["in_flight_seen"].clone());
        }
    }
    if reached.iter().any(|r| r.as_u64() != Some(IN_FLIGHT as u64)) {
        progress(&format!(
            "cell 2: the mock did not always hold every call at once: {reached:?}"
        ));
    }
    let name = format!("memory, {IN_FLIGHT} in flight");
    Ok(vec![
        Row::compared("2", &name, "RSS delta", "MiB", &rss, false, Some(1.2)),
        Row::compared("2", &name, "live heap delta", "MiB", &heap, false, None),
    ])
}

/// The mock's count of calls waiting out their latency, over a bare socket (a client of its
/// own would allocate in the middle of the measurement).
async fn in_flight(port: u16) -> Option<usize> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(b"GET /_bench/inflight HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut answer = Vec::with_capacity(512);
    s.read_to_end(&mut answer).await.ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.rsplit("\r\n\r\n").next()?.trim().parse().ok()
}

/// `foundry-bench mem-child --variant V --endpoint URL --port P`.
pub fn child(variant: Variant, endpoint: &str, port: u16) -> Result<(), String> {
    alloc::set_counting(true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let clients = Arc::new(Clients::new(endpoint)?);
        let warm = clients.call("chat-1k", false)?;
        for _ in 0..3 {
            clients.chat(variant, &warm).await?;
        }
        let slow = Arc::new(clients.call(&format!("chat-1k-d{DELAY_MS}"), false)?);
        let rss_before = vm_rss_kib();
        let heap_before = alloc::snapshot().live;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..IN_FLIGHT {
            let (clients, slow) = (Arc::clone(&clients), Arc::clone(&slow));
            tasks.spawn(async move { clients.chat(variant, &slow).await });
        }
        let started = Instant::now();
        let mut seen = 0;
        while started.elapsed() < Duration::from_millis(DELAY_MS * 3 / 4) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            seen = in_flight(port).await.unwrap_or(0);
            if seen >= IN_FLIGHT {
                break;
            }
        }
        let rss_during = vm_rss_kib();
        let heap_during = alloc::snapshot().live;
        let mut ok = 0;
        while let Some(done) = tasks.join_next().await {
            ok += usize::from(matches!(done, Ok(Ok(_))));
        }
        println!(
            "{}",
            json!({
                "variant": variant.name(),
                "rss_before_kib": rss_before,
                "rss_during_kib": rss_during,
                "heap_before": heap_before,
                "heap_during": heap_during,
                "in_flight_seen": seen,
                "completed_ok": ok,
            })
        );
        Ok(())
    })
}
