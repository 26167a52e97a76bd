//! The assessment report of the data on this device, computed by campo-core.

use crate::error::AppResult;
use crate::state::AppState;
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
    pub rows: Vec<FigureRow>,
}

#[tauri::command]
pub fn report(state: State<'_, AppState>, lang: Lang) -> AppResult<ReportView> {
    state.with(|v| {
        let report = compute(
            &v.report_input()?,
            &crate::catalog::of(v)?,
            // The project's targets as the server last sent them; the study's defaults
            // until the first sync.
            &campo_sync::project_targets_of(v)?.unwrap_or_default(),
        );
        let rows = figures(&report, lang)
            .into_iter()
            .map(|f| FigureRow {
                section: f.section,
                figure: f.figure,
                value: f.value.format(lang, false),
                n: f.n,
                target: f.target,
                met: f.met,
            })
            .collect();
        Ok(ReportView { report, rows })
    })
}
