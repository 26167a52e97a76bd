//! The barrier log as a co-assessment meeting shows it: the barriers recorded at the
//! meeting, the project's unsettled barriers to follow up, and a follow-up's form filled in
//! from its barrier. Pure functions over campo-core's chains, so they are tested without a
//! vault; the words are the barrier log instrument's own, in both languages.

use campo_core::barrier::{items, Chain};
use campo_core::catalog::Catalog;
use campo_core::{AnswerValue, Answers, Submission, Text};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// One barrier log form recorded at a meeting: a new barrier or a follow-up of one.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RecordedBarrier {
    pub id: Uuid,
    /// The first submission of the barrier this form follows up; None for a new barrier.
    pub follows_up: Option<Uuid>,
    pub cause: Option<Text>,
    /// The facilitator's words when the cause is "other".
    pub cause_other: Option<String>,
    pub stage: Option<Text>,
    pub effect: Option<Text>,
    /// None: no adjustment decided yet (the barrier is open).
    pub status: Option<Text>,
    pub created_at: DateTime<Utc>,
}

/// A barrier still to be followed up, as the project's barrier log stands on this tablet.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UnsettledBarrier {
    /// The barrier's first submission: what a follow-up names in `follows_up`.
    pub id: Uuid,
    pub cause: Option<Text>,
    pub cause_other: Option<String>,
    pub stage: Option<Text>,
    pub raised_by: Option<Text>,
    /// The latest word on it.
    pub effect: Option<Text>,
    /// None: open, nothing decided yet.
    pub status: Option<Text>,
    /// When the barrier was first raised (its first submission).
    pub first_raised: DateTime<Utc>,
    #[ts(type = "number")]
    pub follow_ups: u64,
}

/// The items a follow-up takes from the barrier's first submission: what the barrier is.
/// They cannot change (the report reads them from the first), so the form shows them fixed.
pub const FIXED_IN_FOLLOW_UP: [&str; 4] = [
    items::CAUSE,
    items::CAUSE_OTHER,
    items::STAGE,
    items::RAISED_BY,
];

/// The items a follow-up starts from as the barrier's latest form left them: where it stands.
const CARRIED_FROM_LATEST: [&str; 4] = [
    items::EFFECT,
    items::STATUS,
    items::WHAT_HAPPENED,
    items::ADJUSTMENT,
];

/// A follow-up's answers before the facilitator changes anything: what the barrier is from
/// its first submission, where it stands from its latest.
pub fn follow_up_prefill(chain: &Chain) -> Answers {
    let mut answers = Answers::new();
    let from = FIXED_IN_FOLLOW_UP
        .iter()
        .map(|item| (item, chain.first))
        .chain(CARRIED_FROM_LATEST.iter().map(|item| (item, chain.latest)));
    for (item, submission) in from {
        if let Some(value) = submission.answers.get(*item) {
            answers.insert((*item).to_string(), value.clone());
        }
    }
    answers
}

/// The barrier log forms recorded at `meeting_id`, oldest first.
pub fn recorded_at(
    catalog: &Catalog,
    log: &[Submission],
    meeting_id: Uuid,
) -> Vec<RecordedBarrier> {
    log.iter()
        .filter(|s| s.meeting_id == meeting_id)
        .map(|s| RecordedBarrier {
            id: s.id,
            follows_up: s.follows_up,
            cause: option_text(catalog, s, items::CAUSE),
            cause_other: text(s, items::CAUSE_OTHER),
            stage: option_text(catalog, s, items::STAGE),
            effect: option_text(catalog, s, items::EFFECT),
            status: option_text(catalog, s, items::STATUS),
            created_at: s.created_at,
        })
        .collect()
}

/// The barriers whose adjustment is not decided yet or only planned, in the order they
/// were first raised.
pub fn unsettled(catalog: &Catalog, chains: &[Chain]) -> Vec<UnsettledBarrier> {
    chains
        .iter()
        .filter(|c| c.unsettled())
        .map(|c| UnsettledBarrier {
            id: c.first.id,
            cause: option_text(catalog, c.first, items::CAUSE),
            cause_other: text(c.first, items::CAUSE_OTHER),
            stage: option_text(catalog, c.first, items::STAGE),
            raised_by: option_text(catalog, c.first, items::RAISED_BY),
            effect: option_text(catalog, c.latest, items::EFFECT),
            status: option_text(catalog, c.latest, items::STATUS),
            first_raised: c.first.created_at,
            follow_ups: c.follow_ups,
        })
        .collect()
}

/// The answers a barrier log form is saved with: only the items asked given the answers
/// (an answer to `cause_other` left behind when the cause changed is dropped), and no
/// blank text (a cleared field is no answer).
pub fn kept_answers(answers: &Answers, asked: &[String]) -> Answers {
    answers
        .iter()
        .filter(|(item, _)| asked.contains(item))
        .filter(|(_, value)| match value {
            AnswerValue::Text(t) => !t.trim().is_empty(),
            AnswerValue::Many(v) => !v.is_empty(),
            AnswerValue::Number(_) => true,
        })
        .map(|(item, value)| (item.clone(), value.clone()))
        .collect()
}

/// The label of the option answered to `item`, in the words of the submission's own
/// instrument version; the code itself when that version or option is not on this tablet.
fn option_text(catalog: &Catalog, s: &Submission, item: &str) -> Option<Text> {
    let AnswerValue::Text(value) = s.answers.get(item)? else {
        return None;
    };
    let label = catalog
        .get(&s.instrument_id, s.instrument_version)
        .or_else(|| catalog.latest(&s.instrument_id))
        .and_then(|i| i.item(item))
        .and_then(|i| i.option(value))
        .map(|o| o.label.clone());
    Some(label.unwrap_or_else(|| Text::new(value.as_str(), value.as_str())))
}

fn text(s: &Submission, item: &str) -> Option<String> {
    match s.answers.get(item)? {
        AnswerValue::Text(t) => Some(t.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use campo_core::barrier::{chains_of, BARRIER_LOG};
    use chrono::TimeZone;

    fn form(
        n: u128,
        minute: u32,
        answers: &[(&str, &str)],
        follows_up: Option<u128>,
    ) -> Submission {
        Submission {
            id: Uuid::from_u128(n),
            instrument_id: BARRIER_LOG.into(),
            instrument_version: 1,
            meeting_id: Uuid::from_u128(if n < 10 { 100 } else { 200 }),
            respondent: None,
            phase: None,
            answers: answers
                .iter()
                .map(|(k, v)| ((*k).to_string(), AnswerValue::Text((*v).to_string())))
                .collect(),
            created_at: Utc.with_ymd_and_hms(2026, 3, 1, 10, minute, 0).unwrap(),
            replaces: None,
            follows_up: follows_up.map(Uuid::from_u128),
        }
    }

    fn first() -> Submission {
        form(
            1,
            0,
            &[
                ("cause", "other"),
                ("cause_other", "The bus timetable changed"),
                ("stage", "during"),
                ("raised_by", "carer"),
                ("effect", "none_yet"),
                ("what_happened", "Carers could not reach the hall"),
            ],
            None,
        )
    }

    fn follow_up() -> Submission {
        form(
            11,
            30,
            &[
                // A follow-up repeats what the barrier is; the chain reads it from the first.
                ("cause", "mistakes"),
                ("stage", "before"),
                ("raised_by", "provider"),
                ("effect", "value_diminished"),
                ("what_happened", "Two meetings were missed"),
                ("adjustment", "A shuttle from the square"),
                ("status", "planned"),
            ],
            Some(1),
        )
    }

    fn text_of(answers: &Answers, item: &str) -> Option<String> {
        match answers.get(item)? {
            AnswerValue::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_follow_up_takes_what_the_barrier_is_from_its_first_form_and_where_it_stands_from_the_latest(
    ) {
        let log = vec![first(), follow_up()];
        let chains = chains_of(&log);
        let prefill = follow_up_prefill(&chains.chains[0]);
        assert_eq!(text_of(&prefill, "cause").as_deref(), Some("other"));
        assert_eq!(
            text_of(&prefill, "cause_other").as_deref(),
            Some("The bus timetable changed")
        );
        assert_eq!(text_of(&prefill, "stage").as_deref(), Some("during"));
        assert_eq!(text_of(&prefill, "raised_by").as_deref(), Some("carer"));
        assert_eq!(
            text_of(&prefill, "effect").as_deref(),
            Some("value_diminished")
        );
        assert_eq!(text_of(&prefill, "status").as_deref(), Some("planned"));
        assert_eq!(
            text_of(&prefill, "what_happened").as_deref(),
            Some("Two meetings were missed")
        );
        assert_eq!(
            text_of(&prefill, "adjustment").as_deref(),
            Some("A shuttle from the square")
        );
        assert_eq!(prefill.len(), 8);
    }

    #[test]
    fn a_barrier_never_followed_up_prefills_from_its_only_form_without_a_status() {
        let log = vec![first()];
        let chains = chains_of(&log);
        let prefill = follow_up_prefill(&chains.chains[0]);
        assert_eq!(text_of(&prefill, "effect").as_deref(), Some("none_yet"));
        assert!(!prefill.contains_key("status"));
        assert!(!prefill.contains_key("adjustment"));
    }

    #[test]
    fn unsettled_barriers_are_labelled_in_the_instruments_words_and_settled_ones_left_out() {
        let catalog = Catalog::builtin();
        let settled = form(
            2,
            5,
            &[
                ("cause", "blaming"),
                ("stage", "after"),
                ("raised_by", "researcher"),
                ("effect", "none_yet"),
                ("what_happened", "x"),
                ("status", "done"),
            ],
            None,
        );
        let log = vec![first(), settled, follow_up()];
        let chains = chains_of(&log);
        let open = unsettled(&catalog, &chains.chains);
        assert_eq!(
            open.len(),
            1,
            "the barrier whose adjustment was done is settled"
        );
        let b = &open[0];
        assert_eq!(b.id, Uuid::from_u128(1));
        assert_eq!(b.cause.as_ref().unwrap().en, "Other");
        assert_eq!(b.cause_other.as_deref(), Some("The bus timetable changed"));
        assert_eq!(b.stage.as_ref().unwrap().it, "Durante");
        assert_eq!(b.raised_by.as_ref().unwrap().en, "Carer");
        assert_eq!(b.effect.as_ref().unwrap().en, "Value diminished");
        assert_eq!(b.status.as_ref().unwrap().en, "Planned");
        assert_eq!(b.follow_ups, 1);
        assert_eq!(b.first_raised, first().created_at);
    }

    #[test]
    fn an_open_barrier_has_no_status_and_an_unknown_code_is_shown_as_itself() {
        let catalog = Catalog::builtin();
        let mut s = first();
        s.answers
            .insert("effect".into(), AnswerValue::Text("worse_than_ever".into()));
        let log = vec![s];
        let chains = chains_of(&log);
        let open = unsettled(&catalog, &chains.chains);
        assert_eq!(open[0].status, None);
        assert_eq!(
            open[0].effect,
            Some(Text::new("worse_than_ever", "worse_than_ever"))
        );
    }

    #[test]
    fn the_forms_recorded_at_a_meeting_are_its_own_with_their_own_answers() {
        let catalog = Catalog::builtin();
        let log = vec![first(), follow_up()];
        let here = recorded_at(&catalog, &log, Uuid::from_u128(200));
        assert_eq!(here.len(), 1);
        assert_eq!(here[0].id, Uuid::from_u128(11));
        assert_eq!(here[0].follows_up, Some(Uuid::from_u128(1)));
        assert_eq!(here[0].cause.as_ref().unwrap().en, "Mistakes");
        assert_eq!(here[0].status.as_ref().unwrap().it, "Previsto");
        assert_eq!(recorded_at(&catalog, &log, Uuid::from_u128(100)).len(), 1);
    }

    #[test]
    fn kept_answers_drop_items_not_asked_and_blank_text() {
        let answers: Answers = [
            ("cause", AnswerValue::Text("mistakes".into())),
            ("cause_other", AnswerValue::Text("left from before".into())),
            ("adjustment", AnswerValue::Text("   ".into())),
            ("what_happened", AnswerValue::Text("A form was lost".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let asked: Vec<String> = ["cause", "stage", "what_happened", "adjustment"]
            .map(String::from)
            .to_vec();
        let kept = kept_answers(&answers, &asked);
        assert_eq!(
            kept.keys().map(String::as_str).collect::<Vec<_>>(),
            ["cause", "what_happened"]
        );
    }
}
