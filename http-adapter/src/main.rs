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

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
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
            Command::Admin { command: AdminCommand::Grant { email, store } } => {
                server::commands::admin_grant(email, store).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("agentmart: {err}");
            ExitCode::FAILURE
        }
    }
}
