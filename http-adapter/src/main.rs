//! `agentmart`: the agentmart HTTP server and its operator commands.
//! Run `agentmart --help`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

mod server;

use server::args::{AdminCommand, Cli, Command, LogFormat};

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("AGENTMART_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

/// Panics go to the log (as JSON lines with `--log-format json`), with their
/// location and, inside a request, its span (request id, route). The router
/// answers a panicking request `500 internal` and keeps serving.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(location = location.as_deref().unwrap_or("unknown"), message, "panic");
    }));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    log_panics();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("agentmart: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => server::commands::serve(args).await,
            Command::Migrate(args) => server::commands::migrate(args).await,
            Command::Export(args) => server::transfer::export(args).await,
            Command::Import(args) => server::transfer::import(args).await,
            Command::Copy(args) => server::transfer::copy(args).await,
            Command::Admin { command: AdminCommand::Grant { email, force, store } } => {
                server::commands::admin_grant(email, force, store).await
            }
        }
    });
    // Connections cut short by the drain timeout, and blocking work still
    // running, must not hold the exit: the store is already flushed.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("agentmart: {err}");
            ExitCode::FAILURE
        }
    }
}
