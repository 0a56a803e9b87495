//! `foundry-emulator [--config FILE] [--port PORT]`: serves until SIGTERM or SIGINT. Prints one
//! line of JSON on start, which other languages' test suites read:
//! `{"endpoint":"http://127.0.0.1:P/","https_endpoint":"https://127.0.0.1:Q/","ca_file":"..."}`.

use std::path::PathBuf;
use std::process::ExitCode;

use foundry_emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: foundry-emulator [--config FILE] [--port PORT]

Serves a local, deterministic Azure AI Foundry on 127.0.0.1 (http on PORT, 0 = any; https on
another free port) until SIGTERM or SIGINT. Without --config it serves the five reference
deployments and accepts the key emulator-key-0000. Prints one JSON line with the endpoints and
the path of the CA certificate to trust for https.";

fn parse_args() -> Result<(Option<PathBuf>, u16), String> {
    let mut config = None;
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--config" | "-c" => config = Some(PathBuf::from(value("--config")?)),
            "--port" | "-p" => {
                let v = value("--port")?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: `{v}` is not a port number"))?;
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((config, port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (config_path, port) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("foundry-emulator: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let config = match config_path {
        Some(p) => match EmulatorConfig::from_path(&p) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("foundry-emulator: {e}");
                return ExitCode::from(2);
            }
        },
        None => EmulatorConfig::reference(),
    };
    let emulator = match Emulator::start_on(config, port).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("foundry-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ca_file =
        std::env::temp_dir().join(format!("foundry-emulator-{}-ca.pem", std::process::id()));
    if let Err(e) = std::fs::write(&ca_file, emulator.ca_pem()) {
        eprintln!("foundry-emulator: cannot write {}: {e}", ca_file.display());
        return ExitCode::FAILURE;
    }
    let line = serde_json::json!({
        "endpoint": emulator.endpoint(),
        "https_endpoint": emulator.https_endpoint(),
        "ca_file": ca_file.display().to_string(),
    });
    println!("{line}");
    use std::io::Write;
    let _ = std::io::stdout().flush();

    wait_for_signal().await;
    emulator.shutdown();
    let _ = std::fs::remove_file(&ca_file);
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
