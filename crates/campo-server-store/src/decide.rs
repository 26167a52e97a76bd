//! What to answer for one pushed record given what is stored under its id (and, for a
//! correction, under the id it names): the same rule for every backend, so the engines can
//! only differ in how they read and write.

use crate::{IncomingRecord, SubmissionKeys};
use campo_core::barrier::BARRIER_LOG;
use campo_wire::{PushResult, PushStatus, RecordKind};
use uuid::Uuid;

/// What is held under a record's id, as far as the decision needs.
#[derive(Clone, Debug)]
pub struct Held<'a> {
    /// The vault whose device first sent this id.
    pub owner: Uuid,
    pub kind: RecordKind,
    /// The hash held for the pushed revision, if that revision is held.
    pub revision_hash: Option<&'a str>,
}

/// The stored submission a correction names, read in the pushing device's project (a
/// record of another project, or of another kind, is not one).
#[derive(Clone, Debug)]
pub struct Corrected<'a> {
    /// The vault that sent it.
    pub owner: Uuid,
    /// Its current revision's meeting and instrument.
    pub keys: &'a SubmissionKeys,
    /// A stored submission other than the correction itself already names it.
    pub replaced_by_another: bool,
}

/// Store it, or answer without storing.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Store,
    Answer(PushResult),
}

pub fn answer(
    rec: &IncomingRecord,
    status: PushStatus,
    rejection: Option<(&str, String)>,
) -> PushResult {
    let (reason_code, reason) = match rejection {
        Some((code, reason)) => (Some(code.to_string()), Some(reason)),
        None => (None, None),
    };
    PushResult {
        id: rec.id,
        revision: rec.revision,
        status,
        reason,
        reason_code,
    }
}

/// The id a record corrects, when it is a correction the store must check.
pub fn correction_target(rec: &IncomingRecord) -> Option<Uuid> {
    if rec.rejection.is_some() || rec.kind != RecordKind::Submission {
        return None;
    }
    rec.submission.as_ref().and_then(|s| s.replaces)
}

/// The barrier a record follows up, when it is a follow-up the store must check.
pub fn follow_up_target(rec: &IncomingRecord) -> Option<Uuid> {
    if rec.rejection.is_some() || rec.kind != RecordKind::Submission {
        return None;
    }
    rec.submission.as_ref().and_then(|s| s.follows_up)
}

/// The rule: a refused record is answered with its reason; an id belongs to the vault
/// (and so the project) whose device sent it first, and keeps its kind; a revision already
/// held is a duplicate with the same content and a conflict otherwise; a correction must
/// name a submission of the same vault, meeting and instrument that nothing else replaces
/// yet (`corrected` is what the store found under that id, `None` if nothing); a
/// follow-up must name the first form of a barrier of the project, any tablet's
/// (`followed` is the current keys of the submission found under that id in the project);
/// anything else is stored.
pub fn decide(
    rec: &IncomingRecord,
    vault: Uuid,
    held: Option<Held<'_>>,
    corrected: Option<Corrected<'_>>,
    followed: Option<&SubmissionKeys>,
) -> Decision {
    if let Some((code, reason)) = &rec.rejection {
        return Decision::Answer(answer(
            rec,
            PushStatus::Rejected,
            Some((code, reason.clone())),
        ));
    }
    let reject = |code: &str, reason: String| {
        Decision::Answer(answer(rec, PushStatus::Rejected, Some((code, reason))))
    };
    if let Some(held) = held {
        if held.owner != vault {
            return reject(
                "owned_by_another_device",
                format!("record {} belongs to another tablet's vault", rec.id),
            );
        }
        if held.kind != rec.kind {
            return reject(
                "kind_mismatch",
                format!("record {} is a {}, not a {}", rec.id, held.kind, rec.kind),
            );
        }
        match held.revision_hash {
            // A resend is a duplicate before anything else: the same correction sent
            // again is answered as it was, even once it has been corrected in turn.
            Some(h) if h == rec.hash => {
                return Decision::Answer(answer(rec, PushStatus::Duplicate, None))
            }
            Some(_) => {
                return reject(
                    "revision_conflict",
                    format!(
                        "revision conflict: revision {} of {} is already held with different \
                         content",
                        rec.revision, rec.id
                    ),
                )
            }
            None => {}
        }
    }
    match correction_problem(rec, vault, corrected).or_else(|| follow_up_problem(rec, followed)) {
        Some((code, reason)) => reject(code, reason),
        None => Decision::Store,
    }
}

/// Why a follow-up may not be stored, if it may not. campo-core has already refused a
/// follow-up on another instrument, or of itself.
fn follow_up_problem(
    rec: &IncomingRecord,
    followed: Option<&SubmissionKeys>,
) -> Option<(&'static str, String)> {
    let first = follow_up_target(rec)?;
    let Some(followed) = followed.filter(|k| k.instrument_id == BARRIER_LOG) else {
        return Some((
            "follows_up_unknown",
            format!(
                "submission {} follows up {first}, which is no barrier log form of this \
                 project the server holds",
                rec.id
            ),
        ));
    };
    if followed.follows_up.is_some() {
        return Some((
            "follows_up_not_first",
            format!(
                "submission {} follows up {first}, which is itself a follow-up: name the \
                 barrier's first form",
                rec.id
            ),
        ));
    }
    None
}

/// Why a correction may not be stored, if it may not.
fn correction_problem(
    rec: &IncomingRecord,
    vault: Uuid,
    corrected: Option<Corrected<'_>>,
) -> Option<(&'static str, String)> {
    let target = correction_target(rec)?;
    let keys = rec.submission.as_ref()?;
    if target == rec.id {
        return Some((
            "replaces_mismatch",
            format!("submission {} cannot replace itself", rec.id),
        ));
    }
    let Some(corrected) = corrected else {
        return Some((
            "replaces_unknown",
            format!(
                "submission {} replaces {target}, which is no submission of this project \
                 the server holds",
                rec.id
            ),
        ));
    };
    if corrected.owner != vault {
        return Some((
            "replaces_not_yours",
            format!(
                "submission {} replaces {target}, which another tablet's vault sent",
                rec.id
            ),
        ));
    }
    if corrected.keys.meeting_id != keys.meeting_id
        || corrected.keys.instrument_id != keys.instrument_id
    {
        return Some((
            "replaces_mismatch",
            format!(
                "submission {} replaces {target}, which answered another meeting or \
                 instrument: a correction keeps both",
                rec.id
            ),
        ));
    }
    if corrected.replaced_by_another {
        return Some((
            "already_replaced",
            format!(
                "submission {} replaces {target}, which another correction already replaces: \
                 correct the latest correction instead",
                rec.id
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> IncomingRecord {
        IncomingRecord {
            id: Uuid::now_v7(),
            revision: 2,
            kind: RecordKind::Meeting,
            body: "{}".into(),
            hash: "aa".into(),
            rejection: None,
            submission: None,
        }
    }

    fn code(d: Decision) -> (PushStatus, Option<String>) {
        match d {
            Decision::Answer(a) => (a.status, a.reason_code),
            Decision::Store => panic!("stored"),
        }
    }

    #[test]
    fn every_case_of_the_rule() {
        let me = Uuid::now_v7();
        let r = rec();
        assert_eq!(decide(&r, me, None, None, None), Decision::Store);
        let held = |owner, kind, hash| {
            Some(Held {
                owner,
                kind,
                revision_hash: hash,
            })
        };
        assert_eq!(
            decide(&r, me, held(me, RecordKind::Meeting, None), None, None),
            Decision::Store
        );
        assert_eq!(
            code(decide(
                &r,
                me,
                held(me, RecordKind::Meeting, Some("aa")),
                None,
                None
            )),
            (PushStatus::Duplicate, None)
        );
        assert_eq!(
            code(decide(
                &r,
                me,
                held(me, RecordKind::Meeting, Some("bb")),
                None,
                None
            ))
            .1
            .as_deref(),
            Some("revision_conflict")
        );
        assert_eq!(
            code(decide(
                &r,
                me,
                held(Uuid::now_v7(), RecordKind::Meeting, None),
                None,
                None
            ))
            .1
            .as_deref(),
            Some("owned_by_another_device")
        );
        assert_eq!(
            code(decide(
                &r,
                me,
                held(me, RecordKind::Outreach, None),
                None,
                None
            ))
            .1
            .as_deref(),
            Some("kind_mismatch")
        );
        let refused = IncomingRecord {
            rejection: Some(("unknown_instrument".into(), "no".into())),
            ..rec()
        };
        assert_eq!(
            code(decide(&refused, me, None, None, None)).1.as_deref(),
            Some("unknown_instrument")
        );
    }

    #[test]
    fn every_case_of_a_correction() {
        let me = Uuid::now_v7();
        let (meeting, first) = (Uuid::now_v7(), Uuid::now_v7());
        let keys = |meeting_id, instrument: &str, replaces| SubmissionKeys {
            meeting_id,
            instrument_id: instrument.into(),
            replaces,
            follows_up: None,
        };
        let correction = IncomingRecord {
            kind: RecordKind::Submission,
            revision: 1,
            submission: Some(keys(meeting, "quiz", Some(first))),
            ..rec()
        };
        let theirs = keys(meeting, "quiz", None);
        fn found(
            owner: Uuid,
            keys: &SubmissionKeys,
            replaced_by_another: bool,
        ) -> Option<Corrected<'_>> {
            Some(Corrected {
                owner,
                keys,
                replaced_by_another,
            })
        }
        let reason = |d: Decision| code(d).1.unwrap();
        assert_eq!(
            decide(&correction, me, None, found(me, &theirs, false), None),
            Decision::Store
        );
        assert_eq!(
            reason(decide(&correction, me, None, None, None)),
            "replaces_unknown"
        );
        assert_eq!(
            reason(decide(
                &correction,
                me,
                None,
                found(Uuid::now_v7(), &theirs, false),
                None
            )),
            "replaces_not_yours"
        );
        for other in [
            keys(Uuid::now_v7(), "quiz", None),
            keys(meeting, "other_quiz", None),
        ] {
            assert_eq!(
                reason(decide(
                    &correction,
                    me,
                    None,
                    found(me, &other, false),
                    None
                )),
                "replaces_mismatch"
            );
        }
        assert_eq!(
            reason(decide(
                &correction,
                me,
                None,
                found(me, &theirs, true),
                None
            )),
            "already_replaced"
        );
        let itself = IncomingRecord {
            submission: Some(keys(meeting, "quiz", Some(correction.id))),
            ..correction.clone()
        };
        assert_eq!(
            reason(decide(&itself, me, None, found(me, &theirs, false), None)),
            "replaces_mismatch"
        );
        // A resend is a duplicate whatever has happened to what it corrects.
        let held = Held {
            owner: me,
            kind: RecordKind::Submission,
            revision_hash: Some("aa"),
        };
        assert_eq!(
            code(decide(&correction, me, Some(held), None, None)),
            (PushStatus::Duplicate, None)
        );
        // Ownership of the correction's own id comes first.
        let held = Held {
            owner: Uuid::now_v7(),
            kind: RecordKind::Submission,
            revision_hash: None,
        };
        assert_eq!(
            reason(decide(
                &correction,
                me,
                Some(held),
                found(me, &theirs, false),
                None
            )),
            "owned_by_another_device"
        );
        // A refused record is never looked at as a correction.
        let refused = IncomingRecord {
            rejection: Some(("invalid_answers".into(), "no".into())),
            ..correction.clone()
        };
        assert_eq!(correction_target(&refused), None);
        assert_eq!(
            reason(decide(&refused, me, None, None, None)),
            "invalid_answers"
        );
    }

    #[test]
    fn every_case_of_a_follow_up() {
        let me = Uuid::now_v7();
        let (workshop, first) = (Uuid::now_v7(), Uuid::now_v7());
        let keys = |instrument: &str, follows_up| SubmissionKeys {
            meeting_id: workshop,
            instrument_id: instrument.into(),
            replaces: None,
            follows_up,
        };
        let follow_up = IncomingRecord {
            kind: RecordKind::Submission,
            revision: 1,
            submission: Some(keys(BARRIER_LOG, Some(first))),
            ..rec()
        };
        let barrier = keys(BARRIER_LOG, None);
        let reason = |d: Decision| code(d).1.unwrap();
        // Any tablet's barrier of the project may be followed up.
        assert_eq!(
            decide(&follow_up, me, None, None, Some(&barrier)),
            Decision::Store
        );
        assert_eq!(
            decide(
                &follow_up,
                me,
                Some(Held {
                    owner: me,
                    kind: RecordKind::Submission,
                    revision_hash: None
                }),
                None,
                Some(&barrier)
            ),
            Decision::Store
        );
        assert_eq!(
            reason(decide(&follow_up, me, None, None, None)),
            "follows_up_unknown"
        );
        assert_eq!(
            reason(decide(
                &follow_up,
                me,
                None,
                None,
                Some(&keys("peer_satisfaction", None))
            )),
            "follows_up_unknown"
        );
        assert_eq!(
            reason(decide(
                &follow_up,
                me,
                None,
                None,
                Some(&keys(BARRIER_LOG, Some(Uuid::now_v7())))
            )),
            "follows_up_not_first"
        );
        // A resend of a stored follow-up is a duplicate whatever happened since.
        assert_eq!(
            code(decide(
                &IncomingRecord {
                    hash: "aa".into(),
                    ..follow_up.clone()
                },
                me,
                Some(Held {
                    owner: me,
                    kind: RecordKind::Submission,
                    revision_hash: Some("aa")
                }),
                None,
                None
            )),
            (PushStatus::Duplicate, None)
        );
        // A form that follows nothing up is not looked at.
        let plain = IncomingRecord {
            submission: Some(barrier.clone()),
            ..follow_up.clone()
        };
        assert_eq!(decide(&plain, me, None, None, None), Decision::Store);
    }
}
