//! The assessment report: "this tablet" computed by campo-core from this vault, and "the
//! project" as the server computed it and last sent it (aggregates only).

use crate::error::AppResult;
use crate::state::AppState;
use campo_core::report::co_assessment_view::{
    co_assessment_view, section_titles, CoAssessmentView,
};
use campo_core::report::{compute, figures, Report};
use campo_core::Lang;
use serde::Serialize;
use tauri::State;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FigureRow {
    pub section: String,
    pub figure: String,
    pub value: String,
    pub n: Option<u64>,
    pub target: Option<f64>,
    pub met: Option<bool>,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReportView {
    pub report: Report,
    /// The table of figures, less the co-assessment's sections (drawn from `co_assessment`).
    pub rows: Vec<FigureRow>,
    pub co_assessment: CoAssessmentView,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectReportView {
    /// When the server computed it (RFC 3339).
    pub as_of: String,
    pub view: ReportView,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReportsView {
    pub tablet: ReportView,
    /// None until a sync brought the project's figures.
    pub project: Option<ProjectReportView>,
}

fn view(report: Report, lang: Lang) -> ReportView {
    let drawn_apart = section_titles(lang);
    let rows = figures(&report, lang)
        .into_iter()
        .filter(|f| !drawn_apart.contains(&f.section.as_str()))
        .map(|f| FigureRow {
            section: f.section,
            figure: f.figure,
            value: f.value.format(lang, false),
            n: f.n,
            target: f.target,
            met: f.met,
        })
        .collect();
    ReportView {
        co_assessment: co_assessment_view(&report.co_assessment, lang),
        report,
        rows,
    }
}

#[tauri::command]
pub fn report(state: State<'_, AppState>, lang: Lang) -> AppResult<ReportsView> {
    state.with(|v| {
        let tablet = compute(
            &v.own_report_input()?,
            &crate::catalog::of(v)?,
            // The project's targets as the server last sent them; the study's defaults
            // until the first sync.
            &campo_sync::project_targets_of(v)?.unwrap_or_default(),
        );
        let project = campo_sync::project_report(v)?.map(|p| ProjectReportView {
            as_of: p.as_of.to_rfc3339(),
            view: view(p.report, lang),
        });
        Ok(ReportsView {
            tablet: view(tablet, lang),
            project,
        })
    })
}
