//! `foundry`: the command-line face of foundry-client.

mod chat;
mod demo;
mod demo_budget;
mod demo_burst;
mod demo_doctor;
mod doctor;
mod fleet_worker;
mod limits;
mod output;
mod smoke;
mod spend;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "foundry",
    version,
    about = "Call Azure AI Foundry deployments: demo, smoke, doctor, chat, deployments, spend, limits, emulate"
)]
struct Cli {
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Walk through the reference estate against an in-process emulator (no account, no network).
    Demo,
    /// Ping every deployment of a catalog; exit non-zero if any failed.
    Smoke {
        /// Catalog file (YAML/JSON, native or LiteLLM); the environment when omitted.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Send one prompt; streams the answer by default.
    Chat {
        /// Deployment or route alias.
        #[arg(long, short)]
        model: String,
        prompt: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Wait for the whole answer instead of streaming.
        #[arg(long)]
        no_stream: bool,
        #[arg(long)]
        max_tokens: Option<u64>,
        /// A system message.
        #[arg(long)]
        system: Option<String>,
    },
    /// Check every deployment as the usage guide's troubleshooting table does (DNS, TLS, auth,
    /// role, deployment, API, thinking budget, quota) and print each fix; non-zero on a failure.
    Doctor {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Each budget's spend in its current period, from the catalog's ledger.
    Spend {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// The catalog's local rate limits: each limited scope and paced deployment.
    Limits {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// List the catalog's deployments and routes.
    Deployments {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// One process of a fleet test: CALLS calls at once through a catalog, then a JSON summary.
    #[command(hide = true)]
    FleetWorker {
        #[arg(long, short)]
        config: PathBuf,
        #[arg(long, short)]
        model: String,
        #[arg(long)]
        calls: u32,
        /// Spread the calls over this many seconds (0: all at once).
        #[arg(long, default_value_t = 0.0)]
        over_secs: f64,
        #[arg(long, default_value_t = 1)]
        max_tokens: u64,
    },
    /// Serve the emulator until interrupted.
    Emulate {
        /// Catalog to emulate; the five reference deployments when omitted.
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long, short, default_value_t = 8089)]
        port: u16,
    },
}

fn load(config: Option<&PathBuf>) -> foundry_client::Result<foundry_client::Foundry> {
    match config {
        Some(path) => foundry_client::Foundry::from_config(path),
        None => {
            let default = PathBuf::from("foundry.yaml");
            if default.exists() && std::env::var_os("FOUNDRY_ENDPOINT").is_some() {
                foundry_client::Foundry::from_config(default)
            } else {
                foundry_client::Foundry::from_env()
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("foundry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = output::Output::new(cli.json);
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo => demo::run(&out).await,
            Command::Smoke { config } => smoke::run(&out, load(config.as_ref())?).await,
            Command::Chat {
                model,
                prompt,
                config,
                no_stream,
                max_tokens,
                system,
            } => {
                let client = load(config.as_ref())?;
                chat::run(
                    &out,
                    &client,
                    chat::Args {
                        model,
                        prompt,
                        stream: !no_stream,
                        max_tokens,
                        system,
                    },
                )
                .await
            }
            Command::Doctor { config } => doctor::run(&out, &load(config.as_ref())?).await,
            Command::Spend { config } => spend::run(&out, &load(config.as_ref())?),
            Command::Limits { config } => limits::run(&out, &load(config.as_ref())?),
            Command::Deployments { config } => {
                smoke::list(&out, &load(config.as_ref())?);
                Ok(true)
            }
            Command::Emulate { config, port } => emulate(config, port).await,
            Command::FleetWorker {
                config,
                model,
                calls,
                over_secs,
                max_tokens,
            } => {
                fleet_worker::run(fleet_worker::Args {
                    config: &config,
                    model,
                    calls,
                    over_secs,
                    max_tokens,
                })
                .await
            }
        }
    });
    // The calls' spans and metrics leave before the process does (a no-op unless OTEL_* ask
    // for export).
    foundry_client::telemetry::flush();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

async fn emulate(config: Option<PathBuf>, port: u16) -> foundry_client::Result<bool> {
    let config = match &config {
        Some(path) => foundry_emulator::EmulatorConfig::from_path(path)
            .map_err(|e| foundry_client::Error::config(format!("{}: {e}", path.display())))?,
        None => foundry_emulator::EmulatorConfig::reference(),
    };
    let emulator = foundry_emulator::Emulator::start_on(config, port)
        .await
        .map_err(|e| {
            foundry_client::Error::config(format!("cannot listen on port {port}: {e}"))
                .with_hint("pick a free port with --port")
        })?;
    println!(
        "foundry emulator on {} (https {})",
        emulator.endpoint(),
        emulator.https_endpoint()
    );
    println!("  export FOUNDRY_ENDPOINT={}", emulator.endpoint());
    println!(
        "  export FOUNDRY_API_KEY={}",
        foundry_emulator::DEFAULT_API_KEY
    );
    println!("Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown();
    Ok(true)
}
