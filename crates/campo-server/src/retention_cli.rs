//! `campo-server retention apply`: once a project's retention period after the pilot's end
//! is over, every carer's code it holds is forgotten (as `carers forget` does, one by one,
//! each with its audit line). Meant for a daily timer (deploy/campo-retention.timer): on
//! the days before, and for projects without a period or a pilot end, it changes nothing;
//! afterwards it forgets the codes that tablets still send in.

use crate::carers_cli::{forget, known_project};
use crate::cli::CliError;
use crate::store::carers::retention_day;
use crate::store::{StorageError, Store};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;

/// Who the audit log names for what retention forgets.
pub const RETENTION: &str = "retention";

#[derive(Subcommand, Debug)]
pub enum RetentionAction {
    /// Forget every carer of each project whose retention period after the pilot's end is
    /// over (`projects set-retention`, `projects set-targets --pilot-end`). Prints per
    /// project how many carers were forgotten.
    Apply {
        /// Only this project (default: every project).
        #[arg(long)]
        project: Option<String>,
        /// The day to judge on (YYYY-MM-DD); today (UTC) when not given.
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

pub async fn run(store: &dyn Store, action: RetentionAction) -> Result<(), CliError> {
    let RetentionAction::Apply { project, today } = action;
    let today = today.unwrap_or_else(|| Utc::now().date_naive());
    let projects = match project {
        Some(p) => {
            known_project(store, &p).await?;
            vec![p]
        }
        None => store.projects().await?.into_iter().map(|p| p.id).collect(),
    };
    for project in projects {
        println!("{}", apply(store, &project, today).await?);
    }
    Ok(())
}

/// Applies the project's retention on `today`; the line to print.
async fn apply(store: &dyn Store, project: &str, today: NaiveDate) -> Result<String, CliError> {
    let months = store.carer_settings(project).await?.retention_months;
    let pilot_end = store
        .project(project)
        .await?
        .and_then(|p| p.targets.pilot_end);
    let Some(months) = months else {
        return Ok(format!(
            "project {project}: no retention period; nothing forgotten"
        ));
    };
    let Some(day) = retention_day(pilot_end, Some(months)) else {
        return Ok(format!(
            "project {project}: retention {months} months, but the pilot has no end date; \
             nothing forgotten"
        ));
    };
    if today < day {
        return Ok(format!(
            "project {project}: carers are kept until {day}; nothing forgotten"
        ));
    }
    let mut forgotten = 0;
    for code in store.carer_codes(project).await? {
        match forget(store, project, &code, RETENTION).await {
            Ok(_) => forgotten += 1,
            // Forgotten meanwhile by someone else: nothing left to do for it.
            Err(CliError::Store(StorageError::NotFound(_))) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(format!(
        "project {project}: retention over since {day}; {forgotten} carers forgotten"
    ))
}
