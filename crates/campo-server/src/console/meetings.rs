//! `/meetings`: a project's meetings with the overview's filters; `/meetings/{id}`: one
//! meeting with its attendance and each submission with its score and review. Coordinators
//! and admins see every activity, a psychologist the peer groups only.

use super::access::{access, Access, Area};
use super::labels::t;
use super::overview::{filter_fields, project_picker, Filters};
use super::pages::{frame, not_found};
use super::request::ConsoleRequest;
use super::review::{review_form, state_label};
use super::scope::{open_project, ProjectData};
use axum::extract::Path;
use axum::response::Response;
use campo_core::report::{label, Value};
use campo_core::score::{score, Score};
use campo_core::{Lang, Meeting, MeetingStatus};
use maud::{html, Markup};
use uuid::Uuid;

pub fn status_text(m: &Meeting, lang: Lang) -> String {
    match &m.status {
        MeetingStatus::Planned => t("planned", lang).to_string(),
        MeetingStatus::Held => t("held", lang).to_string(),
        MeetingStatus::Cancelled { .. } => t("cancelled", lang).to_string(),
    }
}

fn score_text(s: &Score, lang: Lang) -> String {
    match s {
        Score::Percent(v) => format!("{} %", Value::Percent(Some(*v)).format(lang, false)),
        Score::Mean(v) => Value::Points(Some(*v)).format(lang, false),
        Score::Counts(c) => c
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        Score::None => String::new(),
    }
}

fn filters_form(
    f: &Filters,
    data: &ProjectData,
    lang: Lang,
    picker: Markup,
    action: &str,
) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            (picker)
            (filter_fields(f, lang, &data.devices, data.share != Access::PeerGroups))
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (t("filter", lang)) }
        }
    }
}

pub async fn list(req: ConsoleRequest) -> Response {
    let data = match open_project(&req, Area::Records, "/meetings").await {
        Ok(data) => data,
        Err(r) => return r,
    };
    let ConsoleRequest {
        state,
        who,
        q,
        lang,
        ..
    } = req;
    let filters = Filters::for_project(q.as_deref(), &data);
    let shown = filters.apply(&data.input);
    let mut meetings = shown.meetings.clone();
    meetings.sort_by_key(|m| std::cmp::Reverse((m.date, m.id)));
    let answered = |id: Uuid| {
        shown
            .submissions
            .iter()
            .filter(|s| s.meeting_id == id && !data.is_replaced(s.id))
            .count()
    };
    let picker = project_picker(&state, &who, &data.project.id, lang).await;
    let body = html! {
        (filters_form(&filters, &data, lang, picker, "/meetings"))
        @if meetings.is_empty() { p { (t("none", lang)) } } @else {
            table {
                tr {
                    th scope="col" { (t("date", lang)) }
                    th scope="col" { (t("activity", lang)) }
                    th scope="col" { (t("place", lang)) }
                    th scope="col" { (t("topic", lang)) }
                    th scope="col" { (t("facilitator", lang)) }
                    th scope="col" { (t("state", lang)) }
                    th scope="col" { (t("attendance", lang)) }
                    th scope="col" { (t("submissions", lang)) }
                }
                @for m in &meetings {
                    tr {
                        td { a href={ "/meetings/" (m.id) "?project=" (data.project.id) } { (m.date) } }
                        td { (label(m.activity.code(), lang)) }
                        td { (m.place) }
                        td { (m.topic) }
                        td { (m.facilitator) }
                        td { (status_text(m, lang)) }
                        td { (m.attendance.total()) }
                        td { (answered(m.id)) }
                    }
                }
            }
        }
    };
    frame(
        &who,
        lang,
        "/meetings",
        &format!("{} · {}", t("meetings", lang), data.project.name),
        body,
    )
}

pub async fn one(req: ConsoleRequest, Path(id): Path<Uuid>) -> Response {
    let data = match open_project(&req, Area::Records, "/meetings").await {
        Ok(data) => data,
        Err(r) => return r,
    };
    let ConsoleRequest { who, lang, .. } = req;
    let Some(m) = data.meeting(id).cloned() else {
        return not_found(&who, lang, "/meetings");
    };
    let can_review = access(who.user.role, Area::Review).any();
    let mut subs: Vec<_> = data
        .input
        .submissions
        .iter()
        .filter(|s| s.meeting_id == id && !data.is_replaced(s.id))
        .collect();
    subs.sort_by_key(|s| (s.created_at, s.id));
    let back = format!("/meetings/{}?project={}", m.id, data.project.id);
    let body = html! {
        dl {
            dt { (t("date", lang)) } dd { (m.date) }
            dt { (t("activity", lang)) } dd { (label(m.activity.code(), lang)) }
            dt { (t("place", lang)) } dd { (m.place) }
            dt { (t("topic", lang)) } dd { (m.topic) }
            dt { (t("facilitator", lang)) } dd { (m.facilitator) }
            dt { (t("state", lang)) } dd {
                (status_text(&m, lang))
                @if let MeetingStatus::Cancelled { reason } = &m.status { ": " (reason) }
            }
            dt { (t("attendance", lang)) } dd {
                (m.attendance.total())
                @if !m.attendance.participants.is_empty() {
                    " (" (m.attendance.participants.join(", ")) ")"
                }
            }
        }
        h2 { (t("submissions", lang)) }
        @if subs.is_empty() { p { (t("none", lang)) } } @else {
            table {
                tr {
                    th scope="col" { (t("instrument", lang)) }
                    th scope="col" { (t("respondent", lang)) }
                    th scope="col" { (t("score", lang)) }
                    th scope="col" { (t("review", lang)) }
                    @if can_review { th scope="col" { (t("change_review", lang)) } }
                }
                @for s in &subs {
                    @let instrument = data.catalog.get(&s.instrument_id, s.instrument_version);
                    tr id={ "s-" (s.id) } {
                        td {
                            (instrument.map(|i| i.title.get(lang).to_string()).unwrap_or_else(|| s.instrument_id.clone()))
                            @if let Some(p) = s.phase { " (" (format!("{p:?}").to_lowercase()) ")" }
                            @if s.replaces.is_some() { " · " (t("correction", lang)) }
                        }
                        td { (s.respondent.as_deref().unwrap_or("—")) }
                        td { (instrument.map(|i| score_text(&score(i, &s.answers), lang)).unwrap_or_default()) }
                        td {
                            (state_label(data.state_of(s.id), lang))
                            @if let Some(r) = data.reviews.get(&s.id) {
                                @if !r.comment.is_empty() { br; em { (r.comment) } }
                            }
                        }
                        @if can_review {
                            td { (review_form(&who, &data.project.id, &[s.id], data.state_of(s.id), lang, &back)) }
                        }
                    }
                }
            }
        }
    };
    frame(
        &who,
        lang,
        "/meetings",
        &format!("{} · {}", t("meeting", lang), m.date),
        body,
    )
}
