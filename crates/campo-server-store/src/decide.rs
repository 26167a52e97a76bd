//! What to answer for one pushed record given what is stored under its id: the same rule
//! for every backend, so the engines can only differ in how they read and write.

use crate::IncomingRecord;
use campo_wire::{PushResult, PushStatus, RecordKind};
use uuid::Uuid;

/// What is held under a record's id, as far as the decision needs.
#[derive(Clone, Debug)]
pub struct Held<'a> {
    /// The device that first sent this id.
    pub owner: Uuid,
    pub kind: RecordKind,
    /// The hash held for the pushed revision, if that revision is held.
    pub revision_hash: Option<&'a str>,
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

/// The rule: a refused record is answered with its reason; an id belongs to the device
/// (and so the project) that sent it first, and keeps its kind; a revision already held is
/// a duplicate with the same content and a conflict otherwise; anything else is stored.
pub fn decide(rec: &IncomingRecord, device: Uuid, held: Option<Held<'_>>) -> Decision {
    if let Some((code, reason)) = &rec.rejection {
        return Decision::Answer(answer(
            rec,
            PushStatus::Rejected,
            Some((code, reason.clone())),
        ));
    }
    let Some(held) = held else {
        return Decision::Store;
    };
    let reject = |code: &str, reason: String| {
        Decision::Answer(answer(rec, PushStatus::Rejected, Some((code, reason))))
    };
    if held.owner != device {
        return reject(
            "owned_by_another_device",
            format!("record {} belongs to another device", rec.id),
        );
    }
    if held.kind != rec.kind {
        return reject(
            "kind_mismatch",
            format!("record {} is a {}, not a {}", rec.id, held.kind, rec.kind),
        );
    }
    match held.revision_hash {
        Some(h) if h == rec.hash => Decision::Answer(answer(rec, PushStatus::Duplicate, None)),
        Some(_) => reject(
            "revision_conflict",
            format!(
                "revision conflict: revision {} of {} is already held with different content",
                rec.revision, rec.id
            ),
        ),
        None => Decision::Store,
    }
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
        }
    }

    #[test]
    fn every_case_of_the_rule() {
        let me = Uuid::now_v7();
        let r = rec();
        assert_eq!(decide(&r, me, None), Decision::Store);
        let held = |owner, kind, hash| {
            Some(Held {
                owner,
                kind,
                revision_hash: hash,
            })
        };
        assert_eq!(
            decide(&r, me, held(me, RecordKind::Meeting, None)),
            Decision::Store
        );
        let status = |d: Decision| match d {
            Decision::Answer(a) => (a.status, a.reason_code),
            Decision::Store => panic!("stored"),
        };
        assert_eq!(
            status(decide(&r, me, held(me, RecordKind::Meeting, Some("aa")))),
            (PushStatus::Duplicate, None)
        );
        assert_eq!(
            status(decide(&r, me, held(me, RecordKind::Meeting, Some("bb"))))
                .1
                .as_deref(),
            Some("revision_conflict")
        );
        assert_eq!(
            status(decide(
                &r,
                me,
                held(Uuid::now_v7(), RecordKind::Meeting, None)
            ))
            .1
            .as_deref(),
            Some("owned_by_another_device")
        );
        assert_eq!(
            status(decide(&r, me, held(me, RecordKind::Outreach, None)))
                .1
                .as_deref(),
            Some("kind_mismatch")
        );
        let refused = IncomingRecord {
            rejection: Some(("unknown_instrument".into(), "no".into())),
            ..rec()
        };
        assert_eq!(
            status(decide(&refused, me, None)).1.as_deref(),
            Some("unknown_instrument")
        );
    }
}
