//! The `campo-server` command line: serve, enroll, devices, report, export, admin-password.

use crate::admin_password::hash_password;
use crate::export::{self, Format as ExportFormat};
use crate::html::report_page;
use crate::http::admin::PASSWORD_SETTING;
use crate::http::{router, AppState};
use crate::secret::{new_enroll_code, normalize_code, sha256_hex};
use crate::store::{sqlite::SqliteStore, Store};
use crate::{catalog, StoreError};
use campo_core::report::{compute, render_csv, render_text, Targets};
use campo_core::Lang;
use chrono::{Duration, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
    #[error("{0}")]
    Usage(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Parser, Debug)]
#[command(name = "campo-server", version, about = "Campo's central server")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    It,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::It => Lang::It,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP API and the admin page.
    Serve {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Create a one-time enrollment code (valid 15 minutes) for a new device.
    Enroll {
        #[arg(long)]
        db: PathBuf,
        /// Who or what the device is (e.g. "Tablet Valle 1").
        #[arg(long)]
        name: String,
        /// Print only {"code", "expires_at"}.
        #[arg(long)]
        json: bool,
    },
    /// List or revoke devices.
    Devices {
        #[command(subcommand)]
        action: DevicesAction,
    },
    /// Print the assessment report over all devices' data.
    Report {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        #[arg(long, value_enum, default_value = "it")]
        lang: LangArg,
    },
    /// Write one file per instrument: one row per submission, one column per item.
    Export {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "it")]
        lang: LangArg,
    },
    /// Set the /admin password, read from standard input (one line).
    AdminPassword {
        #[arg(long)]
        db: PathBuf,
        /// Accepted for scripts; the password is always read from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
enum DevicesAction {
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    Revoke {
        #[arg(long)]
        db: PathBuf,
        id: Uuid,
    },
}

fn open(db: &std::path::Path) -> Result<SqliteStore, CliError> {
    Ok(SqliteStore::open(db)?)
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            tls_cert,
            tls_key,
        } => serve(db, listen, tls_cert.zip(tls_key)),
        Command::Enroll { db, name, json } => enroll(&open(&db)?, &name, json),
        Command::Devices { action } => match action {
            DevicesAction::List { db, json } => {
                let devices = open(&db)?.devices()?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&devices).unwrap_or_default()
                    );
                } else {
                    for d in devices {
                        let state = d
                            .revoked_at
                            .map(|t| format!("revoked {}", t.to_rfc3339()))
                            .unwrap_or("active".into());
                        println!(
                            "{}  {}  ({})  {} records  {}",
                            d.id, d.name, d.device_name, d.records, state
                        );
                    }
                }
                Ok(())
            }
            DevicesAction::Revoke { db, id } => {
                if open(&db)?.revoke(id, Utc::now())? {
                    println!("device {id} revoked: its token is refused from its next request");
                    Ok(())
                } else {
                    Err(CliError::Usage(format!("no device with id {id}")))
                }
            }
        },
        Command::Report { db, format, lang } => {
            let store = open(&db)?;
            let catalog = catalog::load(&store)?;
            let report = compute(&store.report_input()?, &catalog, &Targets::default());
            let lang = Lang::from(lang);
            let out = match format {
                ReportFormat::Text => render_text(&report, lang),
                ReportFormat::Csv => render_csv(&report, lang),
                ReportFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default(),
                ReportFormat::Html => report_page(&report, lang),
            };
            print!("{out}");
            if !out.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        Command::Export {
            db,
            format,
            out,
            lang,
        } => {
            let store = open(&db)?;
            let catalog = catalog::load(&store)?;
            let tables = export::tables(
                &store.submissions()?,
                &store.report_input()?,
                &catalog,
                lang.into(),
            );
            for path in export::write(&tables, format, &out)? {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::AdminPassword { db, .. } => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password = line.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 10 {
                return Err(CliError::Usage(
                    "the admin password must be at least 10 characters".into(),
                ));
            }
            open(&db)?.set_setting(PASSWORD_SETTING, &hash_password(password))?;
            println!("admin password set");
            Ok(())
        }
    }
}

fn enroll(store: &dyn Store, name: &str, json: bool) -> Result<(), CliError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CliError::Usage("--name must not be empty".into()));
    }
    let code = new_enroll_code();
    let expires_at = Utc::now() + Duration::minutes(15);
    store.add_enroll_code(
        &sha256_hex(normalize_code(&code).as_bytes()),
        name,
        expires_at,
    )?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "code": code, "expires_at": expires_at })
        );
        return Ok(());
    }
    println!("Enrollment code for {name}: {code}");
    println!(
        "Valid until {} (one use).",
        expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Ok(qr) = qrcode::QrCode::new(code.as_bytes()) {
        let art = qr
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build();
        println!("{art}");
    }
    Ok(())
}

fn serve(db: PathBuf, listen: SocketAddr, tls: Option<(PathBuf, PathBuf)>) -> Result<(), CliError> {
    let store = SqliteStore::open(&db)?;
    let catalog = catalog::seed_and_load(&store)?;
    let state = Arc::new(AppState::new(Arc::new(store), catalog));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        let shutdown = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        match tls {
            Some((cert, key)) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let config =
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
                println!("listening on https://{addr}");
                std::io::stdout().flush()?;
                axum_server::from_tcp_rustls(listener, config)
                    .handle(handle)
                    .serve(app)
                    .await
            }
            None => {
                println!("listening on http://{addr}");
                std::io::stdout().flush()?;
                axum_server::from_tcp(listener)
                    .handle(handle)
                    .serve(app)
                    .await
            }
        }
    })?;
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
