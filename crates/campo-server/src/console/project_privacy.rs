//! A project's privacy settings on `/projects` (admins): the information sheet a carer's
//! consent names (version and text in Italian and English; tablets get it at their next
//! sync) and the retention period after the pilot's end, after which
//! `campo-server retention apply` forgets every carer's code.

use super::labels::t;
use super::request::ConsoleRequest;
use super::session::SignedIn;
use super::Actor;
use crate::http::error::ApiErr;
use crate::store::{CarerSettings, Project, StorageError};
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use campo_core::consent::{InformationSheet, SHEET_TEXT_MAX, SHEET_VERSION_MAX};
use campo_core::{Lang, Text};
use maud::{html, Markup};
use serde::Deserialize;

pub fn privacy_form(who: &SignedIn, p: &Project, settings: &CarerSettings, lang: Lang) -> Markup {
    let id = |f: &str| format!("{}-{f}", p.id);
    let sheet = settings.information_sheet.as_ref();
    html! {
        form.stack method="post" action={ "/projects/" (p.id) "/privacy" } {
            input type="hidden" name="csrf" value=(who.csrf);
            p { (t("sheet_help", lang)) }
            label for=(id("sheet_version")) { (t("sheet_version_label", lang)) }
            input id=(id("sheet_version")) name="sheet_version" maxlength=(SHEET_VERSION_MAX)
                value=[sheet.map(|s| s.version.as_str())];
            label for=(id("sheet_it")) { (t("sheet_text_it", lang)) }
            textarea id=(id("sheet_it")) name="sheet_it" rows="6" maxlength=(SHEET_TEXT_MAX) {
                @if let Some(s) = sheet { (s.text.it) }
            }
            label for=(id("sheet_en")) { (t("sheet_text_en", lang)) }
            textarea id=(id("sheet_en")) name="sheet_en" rows="6" maxlength=(SHEET_TEXT_MAX) {
                @if let Some(s) = sheet { (s.text.en) }
            }
            label for=(id("retention_months")) { (t("retention_months", lang)) }
            input id=(id("retention_months")) name="retention_months" type="number" min="0" max="1200" step="1"
                value=[settings.retention_months];
            button type="submit" { (t("save", lang)) }
        }
    }
}

#[derive(Deserialize)]
pub struct PrivacyForm {
    csrf: String,
    #[serde(default)]
    sheet_version: String,
    #[serde(default)]
    sheet_it: String,
    #[serde(default)]
    sheet_en: String,
    #[serde(default)]
    retention_months: String,
}

impl PrivacyForm {
    /// The sheet asked for: none when every field is empty.
    fn sheet(&self) -> Option<InformationSheet> {
        let fields = [&self.sheet_version, &self.sheet_it, &self.sheet_en];
        if fields.iter().all(|f| f.trim().is_empty()) {
            return None;
        }
        Some(InformationSheet {
            version: self.sheet_version.trim().to_string(),
            text: Text::new(self.sheet_it.trim(), self.sheet_en.trim()),
        })
    }

    fn months(&self) -> Result<Option<u32>, String> {
        let m = self.retention_months.trim();
        if m.is_empty() {
            return Ok(None);
        }
        m.parse()
            .map(Some)
            .map_err(|_| format!("retention: {m:?} is not a number of months"))
    }
}

/// `POST /projects/{id}/privacy`.
pub async fn set_privacy(
    req: ConsoleRequest,
    Path(id): Path<String>,
    Form(form): Form<PrivacyForm>,
) -> Response {
    let project = match super::projects::project_to_change(&req, &form.csrf, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ConsoleRequest {
        state,
        who,
        peer,
        headers,
        lang,
        ..
    } = req;
    let months = match form.months() {
        Ok(m) => m,
        Err(why) => return super::projects::render(&state, &who, lang, Some(&why)).await,
    };
    let sheet = form.sheet();
    // Both are checked before either is written, so a refusal changes nothing.
    if let Some(s) = &sheet {
        if let Err(e) = s.check() {
            return super::projects::render(&state, &who, lang, Some(&e.to_string())).await;
        }
    }
    let store = state.store.as_ref();
    let done = match store.set_retention_months(&project.id, months).await {
        Ok(()) => {
            store
                .set_information_sheet(&project.id, sheet.as_ref())
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => {}
        Err(StorageError::Invalid(why)) => {
            return super::projects::render(&state, &who, lang, Some(&why)).await
        }
        Err(e) => return ApiErr::from(e).into_response(),
    }
    Actor::of(&state, &who, peer, &headers)
        .log(
            &state,
            "privacy_changed",
            Some(project.id.clone()),
            Some(project.id.clone()),
            None,
        )
        .await;
    Redirect::to("/projects").into_response()
}
