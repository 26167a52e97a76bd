//! `campo-server serve`: open the database (running its migrations), make sure every
//! project holds the built-in instruments, and answer HTTP or HTTPS until SIGTERM or
//! Ctrl-C, finishing requests in flight.

use crate::catalog;
use crate::cli::CliError;
use crate::http::{router, AppState};
use crate::store::{self, DbTarget};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub async fn serve(
    target: &DbTarget,
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
) -> Result<(), CliError> {
    let store = store::open(target).await?;
    for project in store.projects().await? {
        catalog::seed(store.as_ref(), &project.id).await?;
    }
    tracing::info!(db = %target, engine = store.engine(), "database open");
    let state = Arc::new(AppState::new(store));
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
    match tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
            println!("listening on https://{addr}");
            std::io::stdout().flush()?;
            axum_server::from_tcp_rustls(listener, config)
                .handle(handle)
                .serve(app)
                .await?;
        }
        None => {
            println!("listening on http://{addr}");
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
