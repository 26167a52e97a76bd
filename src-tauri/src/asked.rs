//! Which items a form asks given its answers: campo-core's relevance rule, the one the
//! server applies, shared by respondent mode and the facilitator's barrier log form.

use campo_core::{Answers, Instrument};

/// The ids of the items asked given `answers`, in the instrument's order.
pub fn shown(instrument: &Instrument, answers: &Answers) -> Vec<String> {
    let asked = campo_core::validate::relevance(instrument, answers);
    instrument
        .items
        .iter()
        .filter(|i| asked.get(i.id.as_str()).copied().unwrap_or(false))
        .map(|i| i.id.clone())
        .collect()
}
