//! The `campo-server` command line: serve, projects, enroll, devices, report, export,
//! backup, admin-password. `--db` is global: before or after the subcommand, or from
//! `CAMPO_DB`.

use crate::console::legacy_admin;
use crate::console::password::{password_problem, Passwords};
use crate::export::{self, Format as ExportFormat};
use crate::html::report_page;
use crate::store::{self, DbTarget, NewUser, Project, Role, StorageError, Store, DEFAULT_PROJECT};
use crate::{catalog, enroll_code, serve, users_cli};
use campo_core::report::{compute_as_of, render_csv, render_text, Targets};
use campo_core::Lang;
use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StorageError),
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
    /// The database: a SQLite file path (created if missing) or a postgres:// URL.
    #[arg(long, global = true, env = "CAMPO_DB", hide_env_values = true)]
    db: Option<String>,
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

/// `--project`, defaulting to the project every server starts with.
#[derive(Args, Debug, Clone)]
struct ProjectArg {
    /// The project (pilot); a single-pilot server needs no other than `default`.
    #[arg(long, default_value = DEFAULT_PROJECT)]
    project: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP API and the admin page.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The address people open the console at (e.g. https://campo.example.org): the
        /// base of one-time password links, and the only origin forms are accepted from.
        #[arg(long, env = "CAMPO_PUBLIC_URL")]
        public_url: Option<String>,
        /// A reverse proxy whose X-Forwarded-For names the client (repeat for several);
        /// from anyone else that header is ignored.
        #[arg(long = "trusted-proxy")]
        trusted_proxies: Vec<std::net::IpAddr>,
    },
    /// Add, list and set the targets of projects.
    Projects {
        #[command(subcommand)]
        action: ProjectsAction,
    },
    /// Add a project's own instruments (JSON, as in schemas/instruments) or list them.
    Instruments {
        #[command(subcommand)]
        action: InstrumentsAction,
    },
    /// Create a one-time enrollment code (valid 15 minutes) for a new device of a project.
    Enroll {
        #[command(flatten)]
        project: ProjectArg,
        /// Who or what the device is (e.g. "Tablet Valle 1").
        #[arg(long)]
        name: String,
        /// Print only {"code", "expires_at", "project"}.
        #[arg(long)]
        json: bool,
    },
    /// List or revoke devices.
    Devices {
        #[command(subcommand)]
        action: DevicesAction,
    },
    /// Print a project's assessment report over all its devices' data, against its targets.
    Report {
        #[command(flatten)]
        project: ProjectArg,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        #[arg(long, value_enum, default_value = "it")]
        lang: LangArg,
        /// The day the co-assessment plan and the signals are judged on (YYYY-MM-DD);
        /// today (UTC) when not given. Every other figure covers all the data.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Write one file per instrument of a project: one row per submission, one column per item.
    Export {
        #[command(flatten)]
        project: ProjectArg,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "it")]
        lang: LangArg,
    },
    /// Copy a SQLite database while the server runs (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Set the password of the console account `admin` (made if missing), read from
    /// standard input (one line). Kept from the releases before the console.
    AdminPassword {
        /// Accepted for scripts; the password is always read from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// The office console's accounts: add, list, disable, enable, reset.
    Users {
        #[command(subcommand)]
        action: users_cli::UsersAction,
    },
    // A carer's rights.
    /// A carer's rights: export everything held under a carer's code, or forget it.
    Carers {
        #[command(subcommand)]
        action: crate::carers_cli::CarersAction,
    },
    /// Forget the carers of projects whose retention period after the pilot's end is over
    /// (for a daily timer).
    Retention {
        #[command(subcommand)]
        action: crate::retention_cli::RetentionAction,
    },
}

#[derive(Subcommand, Debug)]
enum InstrumentsAction {
    /// Add the instrument in a JSON file; tablets of the project get it at their next sync.
    Add {
        #[command(flatten)]
        project: ProjectArg,
        #[arg(long)]
        file: PathBuf,
    },
    /// The project's instruments, built-in ones included, unpublished ones marked.
    List {
        #[command(flatten)]
        project: ProjectArg,
    },
    /// Convert an XLSForm spreadsheet (.xlsx) to Campo's instrument JSON, printed to
    /// standard output; every problem is named with its sheet, row and column. Needs no
    /// database.
    Convert { form: PathBuf },
    /// Convert an XLSForm and add it to the project's catalog, unpublished unless
    /// --publish. An id already held needs a greater version.
    Import {
        #[command(flatten)]
        project: ProjectArg,
        form: PathBuf,
        /// Publish at once: the project's tablets get it at their next sync.
        #[arg(long)]
        publish: bool,
    },
    /// Publish a held version: the project's tablets get it at their next sync.
    Publish {
        #[command(flatten)]
        project: ProjectArg,
        id: String,
        #[arg(long)]
        version: u32,
    },
    /// Retire a published version: the project's tablets stop offering it at their next
    /// sync; what was collected with it still counts.
    Retire {
        #[command(flatten)]
        project: ProjectArg,
        id: String,
        #[arg(long)]
        version: u32,
    },
    /// Write an instrument of the project as an XLSForm spreadsheet (.xlsx), for ODK,
    /// KoboToolbox or SurveyCTO.
    ToXlsform {
        #[command(flatten)]
        project: ProjectArg,
        id: String,
        /// The version to write (default: the latest held).
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ProjectsAction {
    /// Add a project, with the pilot's instruments and default targets.
    Add {
        /// Its id: a-z, 0-9 and '-' (e.g. "valle-alta").
        id: String,
        /// A name for people (default: the id).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        targets: TargetArgs,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change some of a project's targets; the others keep their value.
    SetTargets {
        id: String,
        #[command(flatten)]
        targets: TargetArgs,
    },
    // A carer's rights: set-information-sheet, set-retention.
    #[command(flatten)]
    CarerSettings(crate::carer_settings_cli::CarerSettingsAction),
}

/// Each target the coordinator may set; an absent flag keeps the current value.
#[derive(Args, Debug, Clone, Default)]
struct TargetArgs {
    /// Family carers eligible in the area.
    #[arg(long)]
    eligible_carers: Option<u32>,
    /// Share of them to reach, 0..1 (e.g. 0.3333).
    #[arg(long)]
    reach_fraction: Option<f64>,
    /// First day of the pilot (YYYY-MM-DD), with --pilot-end.
    #[arg(long)]
    pilot_start: Option<NaiveDate>,
    /// Last day of the pilot (YYYY-MM-DD), with --pilot-start.
    #[arg(long)]
    pilot_end: Option<NaiveDate>,
    /// Months the cadence is counted over (instead of the pilot's dates).
    #[arg(long)]
    pilot_months: Option<u32>,
    #[arg(long)]
    courses_per_month: Option<u32>,
    #[arg(long)]
    peer_meetings_per_month: Option<u32>,
    /// Satisfaction (%) must be above this.
    #[arg(long)]
    satisfaction_min: Option<f64>,
    /// Mean post-quiz score (%) must be above this.
    #[arg(long)]
    understanding_min: Option<f64>,
}

impl TargetArgs {
    fn apply(&self, t: &mut Targets) {
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { t.$f = v; })* };
        }
        set!(
            eligible_carers,
            reach_fraction,
            courses_per_month,
            peer_meetings_per_month,
            satisfaction_min,
            understanding_min
        );
        if self.pilot_months.is_some() {
            t.pilot_months = self.pilot_months;
        }
        if self.pilot_start.is_some() {
            t.pilot_start = self.pilot_start;
        }
        if self.pilot_end.is_some() {
            t.pilot_end = self.pilot_end;
        }
    }
}

#[derive(Subcommand, Debug)]
enum DevicesAction {
    List {
        /// Only this project's devices (default: every project's).
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Revoke {
        id: Uuid,
    },
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    // Converting a spreadsheet reads a file and prints JSON: no database involved.
    if let Command::Instruments {
        action: InstrumentsAction::Convert { form },
    } = &cli.command
    {
        let converted = crate::instruments_cli::convert(form)?;
        for line in &converted.untranslated {
            eprintln!("{line}");
        }
        let json = serde_json::to_string_pretty(&converted.instrument)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        println!("{json}");
        return Ok(());
    }
    let target = DbTarget::parse(cli.db.as_deref().ok_or_else(|| {
        CliError::Usage(
            "no database: give --db PATH_OR_URL (a SQLite file or postgres://...) or set CAMPO_DB"
                .into(),
        )
    })?)
    .map_err(CliError::Usage)?;
    let runtime = tokio::runtime::Runtime::new()?;
    if let Command::Serve {
        listen,
        tls_cert,
        tls_key,
        public_url,
        trusted_proxies,
    } = cli.command
    {
        let public_url = public_url.map(|u| check_public_url(&u)).transpose()?;
        return runtime.block_on(serve::serve(
            &target,
            listen,
            tls_cert.zip(tls_key),
            serve::ConsoleOptions {
                public_url,
                trusted_proxies,
            },
        ));
    }
    runtime.block_on(async move {
        let store = store::open(&target).await?;
        command(store, cli.command).await
    })
}

async fn known_project(store: &dyn Store, id: &str) -> Result<Project, CliError> {
    store.project(id).await?.ok_or_else(|| {
        CliError::Usage(format!(
            "no project {id:?}; see `campo-server projects list`"
        ))
    })
}

async fn command(store: Arc<dyn Store>, command: Command) -> Result<(), CliError> {
    let store = store.as_ref();
    match command {
        Command::Serve { .. } => unreachable!("handled in run"),
        Command::Projects { action } => projects(store, action).await,
        Command::Instruments { action } => match action {
            InstrumentsAction::Add { project, file } => {
                known_project(store, &project.project).await?;
                println!(
                    "{}",
                    crate::instruments_cli::add(store, &project.project, &file).await?
                );
                Ok(())
            }
            InstrumentsAction::Convert { .. } => unreachable!("handled in run"),
            InstrumentsAction::Import {
                project,
                form,
                publish,
            } => {
                known_project(store, &project.project).await?;
                let (done, untranslated) =
                    crate::instruments_cli::import(store, &project.project, &form, publish).await?;
                for line in untranslated {
                    eprintln!("{line}");
                }
                println!("{done}");
                Ok(())
            }
            InstrumentsAction::Publish {
                project,
                id,
                version,
            } => {
                known_project(store, &project.project).await?;
                println!(
                    "{}",
                    crate::instruments_cli::publish(store, &project.project, &id, version).await?
                );
                Ok(())
            }
            InstrumentsAction::Retire {
                project,
                id,
                version,
            } => {
                known_project(store, &project.project).await?;
                println!(
                    "{}",
                    crate::instruments_cli::retire(store, &project.project, &id, version).await?
                );
                Ok(())
            }
            InstrumentsAction::ToXlsform {
                project,
                id,
                version,
                out,
            } => {
                known_project(store, &project.project).await?;
                println!(
                    "{}",
                    crate::instruments_cli::to_xlsform(store, &project.project, &id, version, &out)
                        .await?
                );
                Ok(())
            }
            InstrumentsAction::List { project } => {
                known_project(store, &project.project).await?;
                for line in crate::instruments_cli::list(store, &project.project).await? {
                    println!("{line}");
                }
                Ok(())
            }
        },
        Command::Enroll {
            project,
            name,
            json,
        } => enroll(store, &project.project, &name, json).await,
        Command::Devices { action } => match action {
            DevicesAction::List { project, json } => {
                if let Some(p) = &project {
                    known_project(store, p).await?;
                }
                let devices = store.devices(project.as_deref()).await?;
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
                            "{}  [{}]  {}  ({})  vault {}  {} records  {}",
                            d.id, d.project, d.name, d.device_name, d.vault_id, d.records, state
                        );
                    }
                }
                Ok(())
            }
            DevicesAction::Revoke { id } => {
                if store.revoke(id, Utc::now()).await? {
                    println!("device {id} revoked: its token is refused from its next request");
                    Ok(())
                } else {
                    Err(CliError::Usage(format!("no device with id {id}")))
                }
            }
        },
        Command::Report {
            project,
            format,
            lang,
            as_of,
        } => {
            let project = known_project(store, &project.project).await?;
            let catalog = catalog::load(store, &project.id).await?;
            let report = compute_as_of(
                &store.report_input(&project.id).await?,
                &catalog,
                &project.targets,
                as_of.unwrap_or_else(|| Utc::now().date_naive()),
            );
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
            project,
            format,
            out,
            lang,
        } => {
            let project = known_project(store, &project.project).await?;
            let catalog = catalog::load(store, &project.id).await?;
            let tables = export::tables(
                &store.submissions(&project.id).await?,
                &store.report_input(&project.id).await?,
                &catalog,
                lang.into(),
            );
            for path in export::write(&tables, format, &out)? {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Backup { out } => {
            store.backup(&out).await?;
            println!("backup written to {}", out.display());
            Ok(())
        }
        Command::AdminPassword { .. } => {
            let password = read_new_password()?;
            let hash = Arc::new(Passwords::default()).hash(&password).await;
            match store.user_by_name(legacy_admin::ADMIN).await? {
                Some(admin) => {
                    store.set_password_hash(admin.id, &hash).await?;
                }
                None => {
                    store
                        .add_user(
                            &NewUser {
                                name: legacy_admin::ADMIN.into(),
                                role: Role::Admin,
                                project: None,
                                password_hash: Some(hash),
                            },
                            Utc::now(),
                        )
                        .await?;
                }
            }
            println!("the console account admin has its new password");
            Ok(())
        }
        Command::Users { action } => users_cli::run(store, action).await,
        // A carer's rights.
        Command::Carers { action } => crate::carers_cli::run(store, action).await,
        Command::Retention { action } => crate::retention_cli::run(store, action).await,
    }
}

async fn projects(store: &dyn Store, action: ProjectsAction) -> Result<(), CliError> {
    match action {
        ProjectsAction::Add { id, name, targets } => {
            let mut t = Targets::default();
            targets.apply(&mut t);
            let name = name.unwrap_or_else(|| id.clone());
            if name.trim().is_empty() || name.chars().count() > 200 {
                return Err(CliError::Usage("--name must be 1 to 200 characters".into()));
            }
            store
                .add_project(&Project {
                    id: id.clone(),
                    name: name.trim().to_string(),
                    targets: t,
                    created_at: Utc::now(),
                })
                .await?;
            let added = catalog::seed(store, &id).await?;
            println!("project {id} added with {added} instruments");
            Ok(())
        }
        ProjectsAction::List { json } => {
            let projects = store.projects().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&projects).unwrap_or_default()
                );
            } else {
                for p in projects {
                    let t = &p.targets;
                    let months = match (t.pilot_start, t.pilot_end, t.pilot_months) {
                        (_, _, Some(m)) => format!("{m} months"),
                        (Some(s), Some(e), None) => format!("{s} to {e}"),
                        _ => "months of the meetings".into(),
                    };
                    println!(
                        "{}  {}  eligible {}  reach {:.0}%  {}  courses/month {}  peer/month {}  satisfaction > {}%  understanding > {}%",
                        p.id,
                        p.name,
                        t.eligible_carers,
                        t.reach_fraction * 100.0,
                        months,
                        t.courses_per_month,
                        t.peer_meetings_per_month,
                        t.satisfaction_min,
                        t.understanding_min
                    );
                }
            }
            Ok(())
        }
        ProjectsAction::SetTargets { id, targets } => {
            let mut t = known_project(store, &id).await?.targets;
            targets.apply(&mut t);
            store.set_targets(&id, &t).await?;
            println!("targets of {id} set");
            Ok(())
        }
        // A carer's rights.
        ProjectsAction::CarerSettings(action) => {
            crate::carer_settings_cli::run(store, action).await
        }
    }
}

/// A new password, one line on standard input, as long as the console asks.
pub(crate) fn read_new_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    match password_problem(&password) {
        Some("password_too_short") => Err(CliError::Usage(format!(
            "the password must be at least {} characters",
            crate::console::password::MIN_PASSWORD
        ))),
        Some(_) => Err(CliError::Usage(format!(
            "the password may be at most {} characters",
            crate::console::password::MAX_PASSWORD
        ))),
        None => Ok(password),
    }
}

/// `--public-url`: an http(s) URL without query or fragment, kept without a trailing slash.
pub(crate) fn check_public_url(url: &str) -> Result<String, CliError> {
    let url = url.trim().trim_end_matches('/');
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(['?', '#', ' '])
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(url.to_string())
    } else {
        Err(CliError::Usage(format!(
            "--public-url must be an http:// or https:// address without query, got {url:?}"
        )))
    }
}

async fn enroll(store: &dyn Store, project: &str, name: &str, json: bool) -> Result<(), CliError> {
    known_project(store, project).await?;
    let issued = enroll_code::issue(store, project, name, Utc::now())
        .await
        .map_err(|e| match e {
            StorageError::Invalid(why) => CliError::Usage(format!("--name {why}")),
            e => e.into(),
        })?;
    let (code, expires_at) = (issued.code, issued.expires_at);
    if json {
        println!(
            "{}",
            serde_json::json!({ "code": code, "expires_at": expires_at, "project": project })
        );
        return Ok(());
    }
    println!(
        "Enrollment code for {name} (project {project}): {code}",
        name = name.trim()
    );
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
