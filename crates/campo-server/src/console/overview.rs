//! `/`: the project's report with its charts and targets, filtered by period, activity,
//! place, facilitator and tablet, with the month-by-month trend of attendance and
//! satisfaction.
//! A psychologist sees the peer groups and the project's totals; everyone sees only their
//! own project (admins choose one).

use super::access::{access, in_project, Access, Area};
use super::labels::t;
use super::pages::{frame, not_allowed, query_value, trusted};
use super::request::ConsoleRequest;
use super::scope::{Counting, ProjectData};
use super::session::SignedIn;
use crate::html::report_fragment_of;
use crate::http::error::ApiErr;
use crate::http::State;
use crate::store::{DeviceInfo, Project, Role};
use axum::response::{IntoResponse, Response};
use campo_core::report::{compute_as_of, label, ReportInput};
use campo_core::{Activity, Lang, Meeting};
use chrono::{NaiveDate, Utc};
use maud::{html, Markup};
use std::collections::HashSet;
use uuid::Uuid;

/// What the overview is narrowed to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub activity: Option<Activity>,
    pub place: Option<String>,
    pub facilitator: Option<String>,
    /// A tablet: its vault's meetings (a vault enrolled again has several devices).
    pub device: Option<Uuid>,
    /// The meetings of the tablet's vault, once [`Filters::for_project`] has looked.
    pub device_meetings: Option<HashSet<Uuid>>,
}

impl Filters {
    pub fn parse(q: Option<&str>) -> Filters {
        let date = |k| query_value(q, k).and_then(|v| v.parse::<NaiveDate>().ok());
        let text = |k| {
            query_value(q, k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty() && v.len() <= 200)
        };
        Filters {
            from: date("from"),
            to: date("to"),
            activity: query_value(q, "activity")
                .and_then(|a| Activity::ALL.into_iter().find(|x| x.code() == a)),
            place: text("place"),
            facilitator: text("facilitator"),
            device: query_value(q, "device").and_then(|d| d.parse().ok()),
            device_meetings: None,
        }
    }

    /// The filters of `q` with the chosen tablet's meetings found in `data` (a device of
    /// another project keeps nothing).
    pub fn for_project(q: Option<&str>, data: &ProjectData) -> Filters {
        let mut f = Filters::parse(q);
        if let Some(device) = f.device {
            let vault = data
                .devices
                .iter()
                .find(|d| d.id == device)
                .map(|d| d.vault_id);
            f.device_meetings = Some(
                data.meeting_vaults
                    .iter()
                    .filter(|(_, v)| Some(**v) == vault)
                    .map(|(m, _)| *m)
                    .collect(),
            );
        }
        f
    }

    fn keeps(&self, m: &Meeting) -> bool {
        self.from.is_none_or(|d| m.date >= d)
            && self.to.is_none_or(|d| m.date <= d)
            && self.activity.is_none_or(|a| m.activity == a)
            && self
                .place
                .as_ref()
                .is_none_or(|p| m.place.eq_ignore_ascii_case(p))
            && self
                .facilitator
                .as_ref()
                .is_none_or(|f| m.facilitator.eq_ignore_ascii_case(f))
            && self
                .device_meetings
                .as_ref()
                .is_none_or(|ids| ids.contains(&m.id))
    }

    /// The meetings kept and the submissions made at them. Outreach counters follow the
    /// period only (they belong to no meeting, nor to a tablet's report).
    pub fn apply(&self, input: &ReportInput) -> ReportInput {
        let meetings: Vec<Meeting> = input
            .meetings
            .iter()
            .filter(|m| self.keeps(m))
            .cloned()
            .collect();
        let ids: HashSet<_> = meetings.iter().map(|m| m.id).collect();
        let month = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m").to_string());
        let (from, to) = (month(self.from), month(self.to));
        ReportInput {
            submissions: input
                .submissions
                .iter()
                .filter(|s| ids.contains(&s.meeting_id))
                .cloned()
                .collect(),
            outreach: input
                .outreach
                .iter()
                .filter(|o| {
                    from.as_ref().is_none_or(|f| &o.period >= f)
                        && to.as_ref().is_none_or(|t| &o.period <= t)
                })
                .cloned()
                .collect(),
            meetings,
        }
    }
}

/// The project the page is about: the one asked for when the user may see it, else the
/// user's own (an admin without a choice gets the first project).
pub async fn chosen_project(
    state: &State,
    who: &SignedIn,
    q: Option<&str>,
) -> Result<Option<Project>, ApiErr> {
    let projects = state.store.projects().await?;
    let asked = query_value(q, "project");
    let mine = projects
        .into_iter()
        .filter(|p| in_project(&who.user, &p.id));
    let mine: Vec<Project> = mine.collect();
    Ok(match asked {
        Some(id) => mine.iter().find(|p| p.id == id).cloned(),
        None => mine.into_iter().next(),
    })
}

/// For an admin, a project picker; for the others nothing (they have one project).
pub async fn project_picker(state: &State, who: &SignedIn, current: &str, lang: Lang) -> Markup {
    if who.user.role != Role::Admin {
        return html! {};
    }
    let projects = state.store.projects().await.unwrap_or_default();
    html! {
        div {
            label for="project" { (t("project", lang)) }
            select id="project" name="project" {
                @for p in &projects {
                    option value=(p.id) selected[p.id == current] { (p.name) " (" (p.id) ")" }
                }
            }
        }
    }
}

/// The filter fields every records page shares: period, activity (unless the role sees
/// one), place, facilitator and tablet.
pub fn filter_fields(f: &Filters, lang: Lang, devices: &[DeviceInfo], activity: bool) -> Markup {
    html! {
        div { label for="from" { (t("from", lang)) } input id="from" name="from" type="date" value=[f.from]; }
        div { label for="to" { (t("to", lang)) } input id="to" name="to" type="date" value=[f.to]; }
        @if activity {
            div {
                label for="activity" { (t("activity", lang)) }
                select id="activity" name="activity" {
                    option value="" { (t("any", lang)) }
                    @for a in Activity::ALL {
                        option value=(a.code()) selected[f.activity == Some(a)] { (label(a.code(), lang)) }
                    }
                }
            }
        }
        div { label for="place" { (t("place", lang)) } input id="place" name="place" value=[f.place.as_deref()] maxlength="200"; }
        div { label for="facilitator" { (t("facilitator", lang)) } input id="facilitator" name="facilitator" value=[f.facilitator.as_deref()] maxlength="200"; }
        div {
            label for="device" { (t("device", lang)) }
            select id="device" name="device" {
                option value="" { (t("any", lang)) }
                @for d in devices {
                    option value=(d.id) selected[f.device == Some(d.id)] { (d.name) " (" (d.device_name) ")" }
                }
            }
        }
    }
}

fn filter_form(
    f: &Filters,
    counting: Counting,
    lang: Lang,
    picker: Markup,
    devices: &[DeviceInfo],
) -> Markup {
    html! {
        form.filters method="get" action="/" {
            (picker)
            (filter_fields(f, lang, devices, true))
            div {
                label for="count" { (t("counting", lang)) }
                select id="count" name="count" {
                    option value="" { (t("count_all_but_excluded", lang)) }
                    option value="approved" selected[counting == Counting::ApprovedOnly] { (t("count_approved_only", lang)) }
                }
            }
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (t("filter", lang)) }
        }
    }
}

pub async fn page(req: ConsoleRequest) -> Response {
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    let share = access(who.user.role, Area::Overview);
    if !share.any() {
        return not_allowed(&who, lang, "/");
    }
    let project = match chosen_project(&state, &who, q.as_deref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return super::pages::not_found(&who, lang, "/"),
        Err(e) => return e.into_response(),
    };
    let peer_only = share == Access::PeerGroups;
    let counting = Counting::parse(q.as_deref());
    // Every activity is read (the totals are the project's); a psychologist is shown the
    // peer groups' sections and the totals only.
    let data = match ProjectData::load(&state, project.clone(), Access::All).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let mut filters = Filters::for_project(q.as_deref(), &data);
    let (catalog, input) = (data.catalog.clone(), data.counted(&data.input, counting));
    let picker = project_picker(&state, &who, &project.id, lang).await;
    let form = filter_form(&filters, counting, lang, picker, &data.devices);
    if peer_only {
        // The psychologist's totals are the project's: only the sections are narrowed.
        filters.activity = filters.activity.filter(|a| *a == Activity::PeerGroup);
    }
    let report = compute_as_of(
        &filters.apply(&input),
        &catalog,
        &project.targets,
        Utc::now().date_naive(),
    );
    let totals = label("totals", lang);
    let body = report_fragment_of(&report, lang, |f| {
        !peer_only || f.activity == Activity::PeerGroup.code() || f.section == totals
    });
    let trend = super::trend::trend(&filters.apply(&input), &catalog, &project, lang, peer_only);
    let title = format!("{} · {}", t("overview", lang), project.name);
    frame(
        &who,
        lang,
        "/",
        &title,
        html! {
            @if peer_only { p.notice { (t("peer_groups_only", lang)) } }
            (form)
            p.notice { (t("counting", lang)) ": " (t(match counting { Counting::AllButExcluded => "count_all_but_excluded", Counting::ApprovedOnly => "count_approved_only" }, lang)) }
            (trusted(body))
            (trend)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_what_they_understand_and_ignore_the_rest() {
        let f = Filters::parse(Some(
            "from=2026-03-01&to=nope&activity=peer_group&place=%20Sala%20&facilitator=",
        ));
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(f.to, None);
        assert_eq!(f.activity, Some(Activity::PeerGroup));
        assert_eq!(f.place.as_deref(), Some("Sala"));
        assert_eq!(f.facilitator, None);
        assert_eq!(Filters::parse(Some("activity=bogus")).activity, None);
    }
}
