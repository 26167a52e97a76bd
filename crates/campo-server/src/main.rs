use clap::Parser;

fn main() -> std::process::ExitCode {
    // One line per event on stderr; RUST_LOG narrows or widens it (default: info). No
    // event carries an answer, a name or a token: only ids, counts and outcomes.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = campo_server::cli::Cli::parse();
    match campo_server::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campo-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
