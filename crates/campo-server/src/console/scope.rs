//! What a records page reads of a project, once per request, already narrowed to what the
//! user's role may see (a psychologist: peer-group meetings and the answers given at them)
//! and to the review choice the report counts by.

use super::access::{access, Access, Area};
use super::overview::chosen_project;
use super::pages::query_value;
use super::pages::{not_allowed, not_found};
use super::request::ConsoleRequest;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::store::{DeviceInfo, Project, Review, StoredSubmission};
use axum::response::{IntoResponse, Response};
use campo_core::catalog::Catalog;
use campo_core::report::ReportInput;
use campo_core::{Activity, Meeting};
use campo_wire::ReviewState;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// Which submissions the report counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Every submission but the excluded ones (the default).
    AllButExcluded,
    /// Approved submissions only.
    ApprovedOnly,
}

impl Counting {
    pub fn parse(q: Option<&str>) -> Counting {
        match query_value(q, "count").as_deref() {
            Some("approved") => Counting::ApprovedOnly,
            _ => Counting::AllButExcluded,
        }
    }

    pub fn counts(self, state: ReviewState) -> bool {
        match self {
            Counting::AllButExcluded => state != ReviewState::Excluded,
            Counting::ApprovedOnly => state == ReviewState::Approved,
        }
    }
}

pub struct ProjectData {
    pub project: Project,
    /// How much of the area the user's role sees.
    pub share: Access,
    pub catalog: Arc<Catalog>,
    /// Current meetings, submissions and outreach the role may see.
    pub input: ReportInput,
    /// The same submissions with the device that sent each.
    pub stored: Vec<StoredSubmission>,
    /// Current reviews by submission (none: received).
    pub reviews: HashMap<Uuid, Review>,
    /// The project's tablets, for the filter by tablet.
    pub devices: Vec<DeviceInfo>,
    /// Each meeting's owning vault.
    pub meeting_vaults: HashMap<Uuid, Uuid>,
}

/// The start of every records page: the user's share of `area` (a role without one gets
/// the not-allowed page), the project asked for (or theirs; another's is not found) and the
/// data of it they may see.
pub async fn open_project(
    req: &ConsoleRequest,
    area: Area,
    here: &str,
) -> Result<ProjectData, Response> {
    let (state, who, lang) = (&req.state, &req.who, req.lang);
    let share = access(who.user.role, area);
    if !share.any() {
        return Err(not_allowed(who, lang, here));
    }
    let project = match chosen_project(state, who, req.q.as_deref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(not_found(who, lang, here)),
        Err(e) => return Err(e.into_response()),
    };
    ProjectData::load(state, project, share)
        .await
        .map_err(IntoResponse::into_response)
}

impl ProjectData {
    pub async fn load(
        state: &State,
        project: Project,
        share: Access,
    ) -> Result<ProjectData, ApiErr> {
        let store = state.store.as_ref();
        let catalog = state.catalogs.get(store, &project.id).await?;
        let mut input = store.report_input(&project.id).await?;
        let mut stored = store.submissions(&project.id).await?;
        let reviews = store
            .reviews(&project.id)
            .await?
            .into_iter()
            .map(|r| (r.submission_id, r))
            .collect();
        let devices = store.devices(Some(&project.id)).await?;
        let meeting_vaults = store
            .meeting_vaults(&project.id)
            .await?
            .into_iter()
            .collect();
        if share == Access::PeerGroups {
            input.meetings.retain(|m| m.activity == Activity::PeerGroup);
            input.outreach.clear();
            let seen: HashSet<Uuid> = input.meetings.iter().map(|m| m.id).collect();
            input.submissions.retain(|s| seen.contains(&s.meeting_id));
            stored.retain(|s| seen.contains(&s.submission.meeting_id));
        }
        Ok(ProjectData {
            project,
            share,
            catalog,
            input,
            stored,
            reviews,
            devices,
            meeting_vaults,
        })
    }

    /// Whether a correction (`replaces`) stands in for this submission: the pages show the
    /// correction in its place, as the report counts it.
    pub fn is_replaced(&self, submission: Uuid) -> bool {
        self.input
            .submissions
            .iter()
            .any(|s| s.replaces == Some(submission))
    }

    pub fn state_of(&self, submission: Uuid) -> ReviewState {
        self.reviews
            .get(&submission)
            .map_or(ReviewState::Received, |r| r.state)
    }

    pub fn meeting(&self, id: Uuid) -> Option<&Meeting> {
        self.input.meetings.iter().find(|m| m.id == id)
    }

    /// The report's input with only the submissions `counting` counts.
    pub fn counted(&self, input: &ReportInput, counting: Counting) -> ReportInput {
        ReportInput {
            submissions: input
                .submissions
                .iter()
                .filter(|s| counting.counts(self.state_of(s.id)))
                .cloned()
                .collect(),
            ..input.clone()
        }
    }
}
