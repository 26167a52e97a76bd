//! `campo-server serve`: open the database (running its migrations), make sure every
//! project holds the built-in instruments, and answer HTTP or HTTPS until SIGTERM or
//! Ctrl-C, finishing requests in flight.

use crate::catalog;
use crate::cli::CliError;
use crate::console::{legacy_admin, Console};
use crate::http::{router, AppState};
use crate::store::{self, DbTarget};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// How the office console is reached (`--public-url`, `--trusted-proxy`).
#[derive(Clone, Debug, Default)]
pub struct ConsoleOptions {
    pub public_url: Option<String>,
    pub trusted_proxies: Vec<IpAddr>,
}

pub async fn serve(
    target: &DbTarget,
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
    options: ConsoleOptions,
) -> Result<(), CliError> {
    let store = store::open(target).await?;
    for project in store.projects().await? {
        catalog::seed(store.as_ref(), &project.id).await?;
    }
    if legacy_admin::adopt(store.as_ref()).await? {
        tracing::info!("the admin password became the console account admin");
    }
    let has_users = !store.users().await?.is_empty();
    tracing::info!(db = %target, engine = store.engine(), "database open");
    let mut state = AppState::new(store);
    state.console = Console {
        secure: tls.is_some(),
        public_url: options.public_url.clone(),
        trusted_proxies: options.trusted_proxies,
        ..Console::default()
    };
    let state = Arc::new(state);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let shutdown = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    // The first line on stdout is the address: scripts and tests read it to find a port
    // chosen by the system.
    let scheme = if tls.is_some() { "https" } else { "http" };
    let console_url = options
        .public_url
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    let how = if has_users {
        "sign in with a console account".to_string()
    } else {
        "no account yet: `campo-server users add --name NAME --role admin` prints a link to set its password".to_string()
    };
    match tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
            println!("listening on https://{addr}");
            println!("office console: {console_url}/login ({how})");
            std::io::stdout().flush()?;
            axum_server::from_tcp_rustls(listener, config)
                .handle(handle)
                .serve(app)
                .await?;
        }
        None => {
            println!("listening on http://{addr}");
            println!("office console: {console_url}/login ({how})");
            std::io::stdout().flush()?;
            axum_server::from_tcp(listener)
                .handle(handle)
                .serve(app)
                .await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
