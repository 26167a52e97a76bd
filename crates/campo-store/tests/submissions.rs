//! Drafts (saved at every answer, offered back, discarded) and corrections (the rule that
//! keeps a meeting's submissions a set of chains).

mod common;

use campo_core::{AnswerValue, Submission};
use campo_store::{CorrectionProblem, StoreError, FILE_NAME};
use common::*;

#[test]
fn unfinished_drafts_come_back_most_recent_first() {
    let (dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    v.mark_acknowledged(&[(m.id, 1)]).unwrap();
    let mut a = submission(m.id, &[("q1", "a1")]);
    let b = submission(m.id, &[("q1", "b1")]);
    let c = submission(m.id, &[("q1", "c1")]);
    for s in [&a, &b, &c] {
        v.save_draft(s).unwrap();
    }
    // The carer answers the next question of `a`.
    a.answers
        .insert("q2".into(), AnswerValue::Text("a2".into()));
    v.save_draft(&a).unwrap();
    let ids = |v: &campo_store::Vault| -> Vec<_> {
        v.unfinished_drafts()
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids(&v), [a.id, c.id, b.id]);
    assert_eq!(v.unfinished_drafts().unwrap()[0], a);
    assert_eq!(v.pending_count().unwrap(), 0, "drafts are never queued");

    v.finalize(c.id).unwrap();
    assert_eq!(ids(&v), [a.id, b.id]);
    v.discard_draft(b.id).unwrap();
    assert_eq!(ids(&v), [a.id]);
    assert_eq!(v.submission(b.id).unwrap(), None);
    assert!(matches!(
        v.discard_draft(b.id),
        Err(StoreError::SubmissionNotFound(id)) if id == b.id
    ));
    // A draft already made final has nothing left to discard; the final stays.
    v.discard_draft(c.id).unwrap();
    assert!(v.submission(c.id).unwrap().is_some());
    assert_eq!(v.pending_count().unwrap(), 1, "only the final is queued");
    drop(v);
    let v = campo_store::Vault::open(dir.path())
        .unwrap()
        .unlock(PASS)
        .unwrap();
    assert_eq!(ids(&v), [a.id]);
}

#[test]
fn a_discarded_draft_leaves_no_bytes_behind() {
    let (dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    let d = submission(m.id, &[("q1", "half an answer")]);
    v.save_draft(&d).unwrap();
    let body: Vec<u8> = rusqlite::Connection::open(dir.path().join(FILE_NAME))
        .unwrap()
        .query_row("SELECT body FROM records WHERE kind = 'draft'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let piece = &body[12..44];
    let found = |dir: &std::path::Path| {
        vault_files(dir)
            .iter()
            .any(|(_, bytes)| bytes.windows(piece.len()).any(|w| w == piece))
    };
    assert!(found(dir.path()), "the scan sees the sealed draft");
    v.discard_draft(d.id).unwrap();
    assert!(
        !found(dir.path()),
        "the discarded draft's bytes are overwritten"
    );
}

fn refused(r: Result<(), StoreError>) -> CorrectionProblem {
    match r {
        Err(StoreError::Correction { problem, .. }) => problem,
        Err(e) => panic!("expected a refused correction, got {e}"),
        Ok(()) => panic!("expected a refused correction, it was saved"),
    }
}

fn correction(of: &Submission, answer: &str) -> Submission {
    let mut c = submission(of.meeting_id, &[("q1", answer)]);
    c.instrument_id = of.instrument_id.clone();
    c.replaces = Some(of.id);
    c
}

#[test]
fn corrections_form_chains_of_final_submissions() {
    let (_dir, v) = new_vault();
    let m = v.create_meeting(new_meeting("Sala", "Topic", 1)).unwrap();
    let other = v.create_meeting(new_meeting("Sala", "Other", 2)).unwrap();
    let s = submission(m.id, &[("q1", "first")]);
    let mut quiz = submission(m.id, &[("q1", "b")]);
    quiz.instrument_id = "quiz_medicines_home".into();
    v.save_finals(&[s.clone(), quiz.clone()]).unwrap();
    let draft = submission(m.id, &[("q1", "unfinished")]);
    v.save_draft(&draft).unwrap();
    let pending = v.pending_count().unwrap();

    let c1 = correction(&s, "second");
    v.save_correction(&c1).unwrap();
    assert_eq!(
        v.pending_count().unwrap(),
        pending + 1,
        "queued like any final"
    );

    // The original was corrected already: the next correction replaces the correction.
    let again = correction(&s, "third");
    let problem = refused(v.save_correction(&again));
    assert_eq!(
        problem,
        CorrectionProblem::AlreadyReplaced {
            original: s.id,
            by: c1.id
        }
    );
    assert_eq!(problem.code(), "correction_original_replaced");
    assert_eq!(v.submission(again.id).unwrap(), None, "nothing saved");
    let c2 = correction(&c1, "third");
    v.save_correction(&c2).unwrap();

    let chain: Vec<_> = v
        .final_submissions_of_meeting(m.id)
        .unwrap()
        .into_iter()
        .map(|x| (x.submission.id, x.replaced_by))
        .collect();
    assert_eq!(
        chain,
        [
            (s.id, Some(c1.id)),
            (quiz.id, None),
            (c1.id, Some(c2.id)),
            (c2.id, None)
        ]
    );
    assert!(v.final_submissions_of_meeting(other.id).unwrap().is_empty());
    let pending = v.pending_count().unwrap();

    let mut elsewhere = correction(&c2, "x");
    elsewhere.meeting_id = other.id;
    assert_eq!(
        refused(v.save_correction(&elsewhere)),
        CorrectionProblem::OtherMeeting(c2.id)
    );
    let mut other_instrument = correction(&c2, "x");
    other_instrument.instrument_id = "quiz_medicines_home".into();
    assert_eq!(
        refused(v.save_correction(&other_instrument)),
        CorrectionProblem::OtherInstrument(c2.id)
    );
    assert_eq!(
        refused(v.save_correction(&correction(&draft, "x"))),
        CorrectionProblem::OriginalNotFound(draft.id),
        "a draft is no original"
    );
    let mut no_original = correction(&c2, "x");
    no_original.replaces = None;
    assert_eq!(
        refused(v.save_correction(&no_original)),
        CorrectionProblem::NoOriginal
    );
    let mut itself = correction(&c2, "x");
    itself.replaces = Some(itself.id);
    assert_eq!(
        refused(v.save_correction(&itself)),
        CorrectionProblem::ReplacesItself
    );
    assert!(matches!(
        v.save_correction(&c2),
        Err(StoreError::SubmissionFinal(id)) if id == c2.id
    ));
    // The rule holds however a correction arrives.
    assert_eq!(
        refused(v.save_final(&correction(&draft, "x"))),
        CorrectionProblem::OriginalNotFound(draft.id)
    );
    assert_eq!(
        v.pending_count().unwrap(),
        pending,
        "no refused correction was queued"
    );

    // As the app does it: the correction is drafted answer by answer, then saved; the
    // draft is gone and discarding it afterwards is harmless.
    let c3 = correction(&c2, "fourth");
    v.save_draft(&c3).unwrap();
    v.save_correction(&c3).unwrap();
    v.discard_draft(c3.id).unwrap();
    assert!(v.unfinished_drafts().unwrap().iter().all(|d| d.id != c3.id));
    assert_eq!(v.submission(c3.id).unwrap().unwrap(), c3);
    assert_eq!(v.report_input().unwrap().submissions.len(), 5);
}
