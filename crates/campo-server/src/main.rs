use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = campo_server::cli::Cli::parse();
    match campo_server::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campo-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
