//! `campo-server carers export|forget CODE`: a carer's right of access (everything the
//! project holds under their code, as JSON) and right to be forgotten (the code taken out
//! of everything, the figures kept).
//!
//! Nothing here prints or logs the code: `forget` prints counts, and an error names the
//! project, never the code. `export` prints the carer's data itself, which is its purpose.
//! Each forgetting and each export writes an audit line with counts only.

use crate::cli::CliError;
use crate::store::{ErasureSummary, NewAudit, StorageError, Store, DEFAULT_PROJECT};
use chrono::Utc;
use clap::Subcommand;

/// Who the audit log names for what the command line does.
pub const COMMAND_LINE: &str = "command line";

#[derive(Subcommand, Debug)]
pub enum CarersAction {
    /// Print, as JSON, everything the project holds under a carer's code: consent
    /// histories, attendances, questionnaires with their reviews (docs/server.md).
    Export {
        /// The carer's code, as on the tablet's roster.
        code: String,
        #[arg(long, default_value = DEFAULT_PROJECT)]
        project: String,
    },
    /// Forget a carer's code: out of every record, revision, review comment and stored
    /// answer of the project (the figures keep their totals); tablets are told at their
    /// next sync. Prints counts only.
    Forget {
        code: String,
        #[arg(long, default_value = DEFAULT_PROJECT)]
        project: String,
    },
}

/// The project, or a usage error naming how to find one.
pub(crate) async fn known_project(store: &dyn Store, project: &str) -> Result<(), CliError> {
    match store.project(project).await? {
        Some(_) => Ok(()),
        None => Err(CliError::Usage(format!(
            "no project {project:?}; see `campo-server projects list`"
        ))),
    }
}

pub async fn run(store: &dyn Store, action: CarersAction) -> Result<(), CliError> {
    match action {
        CarersAction::Export { code, project } => {
            known_project(store, &project).await?;
            let export = store.carer_export(&project, &code, Utc::now()).await?;
            let json = serde_json::to_string_pretty(&export)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            audit(
                store,
                COMMAND_LINE,
                "carer_exported",
                &project,
                None,
                format!(
                    "consent records {}, attendances {}, submissions {}",
                    export.consent.len(),
                    export.attendances.len(),
                    export.submissions.len()
                ),
            )
            .await?;
            println!("{json}");
            Ok(())
        }
        CarersAction::Forget { code, project } => {
            known_project(store, &project).await?;
            let summary = forget(store, &project, &code, COMMAND_LINE).await?;
            println!(
                "carer forgotten in project {project}: {}; erasure {} (tablets are told at their next sync)",
                summary.counts(),
                summary.seq
            );
            Ok(())
        }
    }
}

/// Forgets `code` in `project` and writes the audit line (`actor`: who asked). The line
/// and the answer hold counts and the erasure's number, never the code.
pub async fn forget(
    store: &dyn Store,
    project: &str,
    code: &str,
    actor: &str,
) -> Result<ErasureSummary, CliError> {
    let summary = store.forget_carer(project, code, Utc::now()).await?;
    audit(
        store,
        actor,
        "carer_forgotten",
        project,
        Some(format!("erasure {}", summary.seq)),
        summary.counts(),
    )
    .await?;
    Ok(summary)
}

async fn audit(
    store: &dyn Store,
    actor: &str,
    action: &str,
    project: &str,
    target: Option<String>,
    detail: String,
) -> Result<(), CliError> {
    store
        .add_audit(&NewAudit {
            at: Utc::now(),
            actor: Some(actor.into()),
            address: None,
            action: action.into(),
            project: Some(project.into()),
            target,
            detail: Some(detail),
        })
        .await
        .map_err(|e: StorageError| {
            CliError::Usage(format!("done, but the audit log could not be written: {e}"))
        })
}
