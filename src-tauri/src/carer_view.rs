//! What the tablet holds under a carer's code, as the "what we hold" screen shows it:
//! questions and answers in words (option labels, not values) in the facilitator's
//! language, each meeting with its date, activity and place.

use campo_core::catalog::Catalog;
use campo_core::consent::ConsentEvent;
use campo_core::{Activity, AnswerValue, Instrument, Lang, Meeting, Phase, Submission};
use campo_sync::wire::{ReviewNote, ReviewState};
use campo_sync::CarerData;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CarerDataView {
    pub code: String,
    /// `None`: the carer is no longer on the roster (their name and contact were erased).
    pub name: Option<String>,
    pub contact: Option<String>,
    pub consent: Vec<ConsentEvent>,
    pub attendances: Vec<HeldAttendance>,
    /// Final submissions, then unfinished ones (`draft`), oldest first.
    pub submissions: Vec<HeldSubmission>,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeldAttendance {
    pub meeting_id: Uuid,
    pub date: NaiveDate,
    pub activity: Activity,
    pub place: String,
    pub topic: String,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeldSubmission {
    pub id: Uuid,
    pub title: String,
    pub meeting_date: Option<NaiveDate>,
    pub phase: Option<Phase>,
    pub created_at: DateTime<Utc>,
    pub draft: bool,
    pub answers: Vec<HeldAnswer>,
    /// The office's latest review of it, if any.
    pub review: Option<HeldReview>,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeldAnswer {
    pub question: String,
    pub answer: String,
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeldReview {
    pub state: String,
    pub comment: String,
    pub reviewed_at: DateTime<Utc>,
}

fn state(s: ReviewState) -> String {
    s.as_str().to_string()
}

/// An answer in words: option labels for choices, the text or number as given otherwise.
fn answer_text(
    instrument: Option<&Instrument>,
    item: &str,
    value: &AnswerValue,
    lang: Lang,
) -> String {
    let label = |v: &str| {
        instrument
            .and_then(|i| i.items.iter().find(|it| it.id == item))
            .and_then(|it| it.options.iter().find(|o| o.value == v))
            .map_or_else(|| v.to_string(), |o| o.label.get(lang).to_string())
    };
    match value {
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Text(t) => label(t),
        AnswerValue::Many(vs) => vs.iter().map(|v| label(v)).collect::<Vec<_>>().join(", "),
    }
}

fn held(
    s: Submission,
    draft: bool,
    catalog: &Catalog,
    meetings: &[Meeting],
    notes: &[ReviewNote],
    lang: Lang,
) -> HeldSubmission {
    let instrument = catalog.get(&s.instrument_id, s.instrument_version);
    // In the instrument's order; answers to items it does not list (none, normally) last.
    let mut answers: Vec<(usize, HeldAnswer)> = s
        .answers
        .iter()
        .map(|(item, value)| {
            let found = instrument.and_then(|i| i.items.iter().position(|it| &it.id == item));
            let question = found
                .and_then(|n| instrument.map(|i| i.items[n].label.get(lang).to_string()))
                .unwrap_or_else(|| item.clone());
            let answer = answer_text(instrument, item, value, lang);
            (found.unwrap_or(usize::MAX), HeldAnswer { question, answer })
        })
        .collect();
    answers.sort_by_key(|(n, _)| *n);
    HeldSubmission {
        id: s.id,
        title: instrument.map_or_else(
            || s.instrument_id.clone(),
            |i| i.title.get(lang).to_string(),
        ),
        meeting_date: meetings
            .iter()
            .find(|m| m.id == s.meeting_id)
            .map(|m| m.date),
        phase: s.phase,
        created_at: s.created_at,
        draft,
        answers: answers.into_iter().map(|(_, a)| a).collect(),
        review: notes
            .iter()
            .find(|n| n.submission_id == s.id)
            .map(|n| HeldReview {
                state: state(n.state),
                comment: n.comment.clone(),
                reviewed_at: n.reviewed_at,
            }),
    }
}

pub fn view(data: CarerData, catalog: &Catalog, lang: Lang) -> CarerDataView {
    let CarerData { records, notes } = data;
    let meetings = records.attendances;
    let mut submissions: Vec<HeldSubmission> = Vec::new();
    for s in records.submissions {
        submissions.push(held(s, false, catalog, &meetings, &notes, lang));
    }
    for s in records.drafts {
        submissions.push(held(s, true, catalog, &meetings, &notes, lang));
    }
    CarerDataView {
        code: records.code,
        name: records.participant.as_ref().map(|p| p.name.clone()),
        contact: records.participant.and_then(|p| p.contact),
        consent: records.consent,
        attendances: meetings
            .into_iter()
            .map(|m| HeldAttendance {
                meeting_id: m.id,
                date: m.date,
                activity: m.activity,
                place: m.place,
                topic: m.topic,
            })
            .collect(),
        submissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_words_in_the_instruments_order() {
        let catalog = Catalog::builtin();
        let quiz = catalog.latest("quiz_carer_wellbeing").unwrap();
        let s = Submission {
            id: Uuid::nil(),
            instrument_id: quiz.id.clone(),
            instrument_version: quiz.version,
            meeting_id: Uuid::nil(),
            respondent: Some("C01".into()),
            phase: Some(Phase::Pre),
            answers: [("q3", "a"), ("q1", "b")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), AnswerValue::Text(v.into())))
                .collect(),
            created_at: Utc::now(),
            replaces: None,
            follows_up: None,
        };
        let h = held(s, false, &catalog, &[], &[], Lang::It);
        let label = |item: usize, option: &str| {
            let it = &quiz.items[item];
            (
                it.label.it.clone(),
                it.options
                    .iter()
                    .find(|o| o.value == option)
                    .unwrap()
                    .label
                    .it
                    .clone(),
            )
        };
        let got: Vec<(String, String)> = h
            .answers
            .into_iter()
            .map(|a| (a.question, a.answer))
            .collect();
        assert_eq!(got, vec![label(0, "b"), label(2, "a")]);
        assert_eq!(h.title, quiz.title.it);
    }
}
