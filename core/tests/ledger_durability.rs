//! A settled record survives `kill -9`: a child process settles charges on the embedded ledger
//! and reports each one after `settle` returns; the parent kills it mid-stream with SIGKILL and
//! finds every reported charge in the file.
//!
//! One test plays both parts: run with `FOUNDRY_LEDGER_CHILD` set, it is the writer.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use foundry_client::govern::{
    Durability, Hold, InProcessLedger, Line, Nanos, SqliteLedger, Window,
};

const CHILD: &str = "FOUNDRY_LEDGER_CHILD";

fn line() -> Line {
    Line {
        scope: "team".into(),
        period: Window::Total.period(SystemTime::now()),
        cap: None,
        soft: std::sync::Arc::from([]),
    }
}

fn write_until_killed(path: &str) -> ! {
    let ledger = SqliteLedger::open(path.as_ref(), Durability::Normal).expect("opens");
    let hold = Hold {
        lines: vec![line()],
        amount: Nanos(5),
        lease: Duration::from_secs(60),
        ..Hold::default()
    };
    let mut out = std::io::stdout().lock();
    for n in 1u64.. {
        let id = ledger
            .reserve_now(&hold, SystemTime::now())
            .expect("reserves");
        ledger
            .settle_now(id, Nanos(3), SystemTime::now())
            .expect("settles");
        writeln!(out, "settled {n}").expect("parent reads");
        out.flush().expect("parent reads");
    }
    unreachable!("the parent kills this process")
}

#[test]
fn kill_9_loses_no_settled_record() {
    if let Ok(path) = std::env::var(CHILD) {
        write_until_killed(&path);
    }
    let dir = std::env::temp_dir().join(format!("foundry-kill9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("ledger.sqlite");
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "kill_9_loses_no_settled_record",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("piped");
    let mut acknowledged = 0u64;
    for text in BufReader::new(stdout).lines() {
        let text = text.expect("child output");
        if let Some(n) = text.strip_prefix("settled ") {
            acknowledged = n.parse().expect("a count");
            if acknowledged == 300 {
                child.kill().expect("SIGKILL");
                break;
            }
        }
    }
    child.wait().expect("reaped");
    assert_eq!(acknowledged, 300, "the child wrote its charges");
    let ledger = SqliteLedger::open(&path, Durability::Normal).expect("reopens");
    let settled = ledger
        .balance_now("team", &line().period, SystemTime::now())
        .expect("balance")
        .settled;
    // Every reported settle is in the file (the child may have committed more meanwhile,
    // never fewer), and every charge is whole.
    assert_eq!(settled.0 % 3, 0, "a torn charge: {settled:?}");
    let charges = settled.0 / 3;
    assert!(
        charges >= acknowledged,
        "{charges} charges on file, {acknowledged} reported"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
