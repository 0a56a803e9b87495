//! The `foundry-emulator` binary other languages' suites start: one JSON line, then serving
//! until SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

#[test]
fn prints_its_endpoints_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("emu-bin-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("emulator.yaml");
    std::fs::write(
        &config,
        "deployments:\n  - name: only-one\n    thinking: true\nemulator:\n  api_keys: [k]\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_foundry-emulator"))
        .args(["--config", config.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    let endpoint = v["endpoint"].as_str().unwrap();
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with('/'));
    assert!(v["https_endpoint"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    let ca_file = v["ca_file"].as_str().unwrap().to_string();
    assert!(std::fs::read_to_string(&ca_file)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));

    // A raw HTTP/1.1 call, so this test needs no runtime.
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body = r#"{"model":"only-one","messages":[{"role":"user","content":"hi"}]}"#;
    let request = format!(
        "POST /openai/v1/chat/completions HTTP/1.1\r\nhost: {addr}\r\napi-key: k\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("only-one heard: hi"));

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut waited = Duration::ZERO;
    while child.try_wait().unwrap().is_none() {
        assert!(
            waited < Duration::from_secs(10),
            "the emulator did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    assert!(child.wait().unwrap().success());
    assert!(
        !std::path::Path::new(&ca_file).exists(),
        "the CA file is removed on exit"
    );
}

#[test]
fn rejects_a_bad_config() {
    let out = Command::new(env!("CARGO_BIN_EXE_foundry-emulator"))
        .args(["--config", "/nonexistent/emulator.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/emulator.yaml"));
}
