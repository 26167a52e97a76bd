//! Reviewing submissions: one form for one submission (on a meeting's page) or many (the
//! submissions page's bulk review). The change is stored with the reviewer's name, reaches
//! the tablet that sent each submission at its next pull, and is written in the audit log.

use super::access::{access, in_project, Access, Area};
use super::labels::t;
use super::pages::not_found;
use super::request::ConsoleRequest;
use super::scope::ProjectData;
use super::session::SignedIn;
use super::Actor;
use crate::http::error::ApiErr;
use crate::store::{NewReview, StorageError};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use campo_core::Lang;
use campo_wire::{ReviewState, REVIEW_COMMENT_MAX};
use chrono::Utc;
use maud::{html, Markup};
use uuid::Uuid;

/// Most submissions one bulk review may name.
pub const MAX_BULK: usize = 1000;

pub fn state_label(s: ReviewState, lang: Lang) -> &'static str {
    t(&format!("review_{}", s.as_str()), lang)
}

/// The state choice and comment fields, shared by the single and the bulk form.
pub fn review_fields(current: ReviewState, lang: Lang, id_suffix: &str) -> Markup {
    html! {
        label for={ "state-" (id_suffix) } { (t("review", lang)) }
        select id={ "state-" (id_suffix) } name="state" {
            @for s in ReviewState::ALL {
                option value=(s.as_str()) selected[s == current] { (state_label(s, lang)) }
            }
        }
        label for={ "comment-" (id_suffix) } { (t("comment", lang)) }
        input id={ "comment-" (id_suffix) } name="comment" maxlength=(REVIEW_COMMENT_MAX)
            aria-describedby={ "comment-hint-" (id_suffix) };
        small.hint id={ "comment-hint-" (id_suffix) } { (t("free_text_hint", lang)) }
    }
}

/// A form reviewing `ids`, coming back to `back` afterwards.
pub fn review_form(
    who: &SignedIn,
    project: &str,
    ids: &[Uuid],
    current: ReviewState,
    lang: Lang,
    back: &str,
) -> Markup {
    let suffix = ids.first().map(|i| i.to_string()).unwrap_or_default();
    html! {
        form.stack method="post" action="/review" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="project" value=(project);
            input type="hidden" name="back" value=(back);
            @for id in ids { input type="hidden" name="id" value=(id); }
            (review_fields(current, lang, &suffix))
            button type="submit" { (t("save", lang)) }
        }
    }
}

/// The posted review, read from a form that may name many `id`s.
struct Posted {
    csrf: String,
    project: String,
    back: String,
    ids: Vec<Uuid>,
    state: Option<ReviewState>,
    comment: String,
}

fn parse(body: &[u8]) -> Result<Posted, &'static str> {
    let mut p = Posted {
        csrf: String::new(),
        project: String::new(),
        back: "/submissions".into(),
        ids: Vec::new(),
        state: None,
        comment: String::new(),
    };
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => p.csrf = v.into_owned(),
            "project" => p.project = v.into_owned(),
            "back" => p.back = v.into_owned(),
            "id" => {
                if p.ids.len() == MAX_BULK {
                    return Err("too many submissions in one review");
                }
                p.ids.push(v.parse().map_err(|_| "not a submission id")?);
            }
            "state" => p.state = ReviewState::parse(&v),
            "comment" => p.comment = v.trim().to_string(),
            _ => {}
        }
    }
    // Back to a page of this console only.
    if !p.back.starts_with('/') || p.back.starts_with("//") || p.back.contains('\\') {
        p.back = "/submissions".into();
    }
    Ok(p)
}

pub async fn post(req: ConsoleRequest, body: Bytes) -> Response {
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        lang,
        ..
    } = req;
    let posted = match parse(&body) {
        Ok(p) => p,
        Err(why) => return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response(),
    };
    if let Some(r) = who.refused(
        &state.console,
        &headers,
        &posted.csrf,
        Area::Review,
        lang,
        "/submissions",
    ) {
        return r;
    }
    let share = access(who.user.role, Area::Review);
    if !in_project(&who.user, &posted.project) {
        return not_found(&who, lang, "/submissions");
    }
    let Some(review_state) = posted.state else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "state must be received, has_issues, approved or excluded",
        )
            .into_response();
    };
    if posted.comment.chars().count() > REVIEW_COMMENT_MAX || posted.ids.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "1 to 1000 submissions, a comment of at most 1000 characters",
        )
            .into_response();
    }
    let project = match state.store.project(&posted.project).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&who, lang, "/submissions"),
        Err(e) => return ApiErr::from(e).into_response(),
    };
    // A psychologist reviews the peer groups' submissions only: the others are not theirs
    // to see, and so not found.
    let ids: Vec<Uuid> = if share == Access::PeerGroups {
        match ProjectData::load(&state, project.clone(), share).await {
            Ok(data) => posted
                .ids
                .iter()
                .copied()
                .filter(|id| data.input.submissions.iter().any(|s| s.id == *id))
                .collect(),
            Err(e) => return e.into_response(),
        }
    } else {
        posted.ids.clone()
    };
    if ids.len() != posted.ids.len() {
        return not_found(&who, lang, "/submissions");
    }
    let review = NewReview {
        state: review_state,
        comment: posted.comment.clone(),
        reviewer: who.user.name.clone(),
    };
    let found = match state
        .store
        .set_reviews(&project.id, &ids, &review, Utc::now())
        .await
    {
        Ok(n) => n,
        Err(StorageError::Invalid(why)) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response()
        }
        Err(e) => return ApiErr::from(e).into_response(),
    };
    // The state and how many: never the comment, which is free text.
    Actor::of(&state, &who, peer, &headers)
        .log(
            &state,
            "review",
            Some(project.id.clone()),
            (ids.len() == 1).then(|| ids[0].to_string()),
            Some(format!("{} {found}", review_state.as_str())),
        )
        .await;
    Redirect::to(&posted.back).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_form_names_many_ids_and_a_foreign_back_is_ignored() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let body = format!("csrf=t&project=p&id={a}&id={b}&state=has_issues&comment=+manca+una+risposta+&back=https://evil");
        let p = parse(body.as_bytes()).unwrap();
        assert_eq!(p.ids, vec![a, b]);
        assert_eq!(p.state, Some(ReviewState::HasIssues));
        assert_eq!(p.comment, "manca una risposta");
        assert_eq!(p.back, "/submissions");
        assert!(parse(b"id=nope").is_err());
        let many: String = (0..=MAX_BULK)
            .map(|i| format!("id={}&", Uuid::from_u128(i as u128)))
            .collect();
        assert!(parse(many.as_bytes()).is_err());
    }
}
