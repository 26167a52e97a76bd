//! `/submissions`: the project's submissions with their review, filtered like the meetings
//! and by review state and instrument, with a bulk review of the ones ticked.

use super::access::{access, Access, Area};
use super::labels::t;
use super::meetings::status_text;
use super::overview::{project_picker, Filters};
use super::pages::{frame, query_value};
use super::request::ConsoleRequest;
use super::review::{review_fields, state_label};
use super::scope::open_project;
use axum::response::Response;
use campo_core::report::label;
use campo_wire::ReviewState;
use maud::html;

/// Rows on one page; the filters narrow the rest.
const SHOWN: usize = 500;

pub async fn list(req: ConsoleRequest) -> Response {
    let data = match open_project(&req, Area::Records, "/submissions").await {
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
    let share = data.share;
    let filters = Filters::for_project(q.as_deref(), &data);
    let wanted_state = query_value(q.as_deref(), "state").and_then(|s| ReviewState::parse(&s));
    let wanted_instrument = query_value(q.as_deref(), "instrument").filter(|i| !i.is_empty());
    let shown = filters.apply(&data.input);
    let mut subs: Vec<_> = shown
        .submissions
        .iter()
        .filter(|s| !data.is_replaced(s.id))
        .filter(|s| wanted_state.is_none_or(|w| data.state_of(s.id) == w))
        .filter(|s| {
            wanted_instrument
                .as_ref()
                .is_none_or(|i| &s.instrument_id == i)
        })
        .collect();
    subs.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id)));
    let total = subs.len();
    subs.truncate(SHOWN);
    let mut instruments: Vec<&str> = data
        .input
        .submissions
        .iter()
        .map(|s| s.instrument_id.as_str())
        .collect();
    instruments.sort_unstable();
    instruments.dedup();
    let can_review = access(who.user.role, Area::Review).any();
    let picker = project_picker(&state, &who, &data.project.id, lang).await;
    let back = format!("/submissions?project={}", data.project.id);
    let body = html! {
        form.filters method="get" action="/submissions" {
            (picker)
            div { label for="from" { (t("from", lang)) } input id="from" name="from" type="date" value=[filters.from]; }
            div { label for="to" { (t("to", lang)) } input id="to" name="to" type="date" value=[filters.to]; }
            div {
                label for="state" { (t("review", lang)) }
                select id="state" name="state" {
                    option value="" { (t("any", lang)) }
                    @for s in ReviewState::ALL { option value=(s.as_str()) selected[wanted_state == Some(s)] { (state_label(s, lang)) } }
                }
            }
            div {
                label for="instrument" { (t("instrument", lang)) }
                select id="instrument" name="instrument" {
                    option value="" { (t("any", lang)) }
                    @for i in &instruments {
                        @let title = data.catalog.latest(i).map(|x| x.title.get(lang).to_string()).unwrap_or_else(|| i.to_string());
                        option value=(i) selected[wanted_instrument.as_deref() == Some(*i)] { (title) }
                    }
                }
            }
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (t("filter", lang)) }
        }
        @if share == Access::PeerGroups { p.notice { (t("peer_groups_only", lang)) } }
        p { (t("shown", lang)) ": " (subs.len()) " / " (total) }
        form method="post" action="/review" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="project" value=(data.project.id);
            input type="hidden" name="back" value=(back);
            table {
                tr {
                    @if can_review { th scope="col" { span.skip { (t("select", lang)) } } }
                    th scope="col" { (t("date", lang)) }
                    th scope="col" { (t("activity", lang)) }
                    th scope="col" { (t("instrument", lang)) }
                    th scope="col" { (t("respondent", lang)) }
                    th scope="col" { (t("review", lang)) }
                }
                @for s in &subs {
                    @let m = data.meeting(s.meeting_id);
                    tr {
                        @if can_review {
                            td {
                                input type="checkbox" name="id" value=(s.id) id={ "pick-" (s.id) }
                                    aria-label={ (t("select", lang)) " " (s.id) };
                            }
                        }
                        td {
                            @if let Some(m) = m {
                                a href={ "/meetings/" (m.id) "?project=" (data.project.id) "#s-" (s.id) } { (m.date) }
                                " (" (status_text(m, lang)) ")"
                            }
                        }
                        td { (m.map(|m| label(m.activity.code(), lang)).unwrap_or("")) }
                        td { (data.catalog.get(&s.instrument_id, s.instrument_version).map(|i| i.title.get(lang).to_string()).unwrap_or_else(|| s.instrument_id.clone())) }
                        td { (s.respondent.as_deref().unwrap_or("—")) }
                        td {
                            (state_label(data.state_of(s.id), lang))
                            @if let Some(r) = data.reviews.get(&s.id) { @if !r.comment.is_empty() { br; em { (r.comment) } } }
                        }
                    }
                }
            }
            @if can_review && !subs.is_empty() {
                fieldset.stack {
                    legend { (t("bulk_review", lang)) }
                    (review_fields(ReviewState::HasIssues, lang, "bulk"))
                    button type="submit" { (t("save", lang)) }
                }
            }
        }
    };
    frame(
        &who,
        lang,
        "/submissions",
        &format!("{} · {}", t("submissions", lang), data.project.name),
        body,
    )
}
