//! Meetings: every edit (details, attendance, held, cancelled) stores a new revision; the
//! highest revision is current. Meetings of other devices, pulled from the server, are
//! stored beside them, read-only here, and never sent back.

use super::{immediate, new_record_id, origin, Kind, Origin, Row};
use crate::error::StoreError;
use crate::vault::Vault;
use campo_core::{Activity, Attendance, Meeting, MeetingStatus, Submission};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

/// What the facilitator fills in to plan a meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMeeting {
    pub activity: Activity,
    pub date: NaiveDate,
    pub place: String,
    pub topic: String,
    pub facilitator: String,
}

/// One meeting with its submissions.
#[derive(Clone, Debug, PartialEq)]
pub struct MeetingDetail {
    pub meeting: Meeting,
    /// Final submissions, oldest first.
    pub submissions: Vec<Submission>,
    /// Unfinished submissions, oldest first; they count nowhere until finalized.
    pub drafts: Vec<Submission>,
    /// Another tablet's meeting, pulled from the server: shown, never edited here.
    pub remote: bool,
}

impl Vault {
    pub fn create_meeting(&self, new: NewMeeting) -> Result<Meeting, StoreError> {
        let meeting = Meeting {
            id: new_record_id(),
            revision: 1,
            activity: new.activity,
            date: new.date,
            place: new.place,
            topic: new.topic,
            facilitator: new.facilitator,
            status: MeetingStatus::Planned,
            attendance: Attendance::default(),
            updated_at: Utc::now(),
        };
        let tx = immediate(&self.conn)?;
        self.insert_record(
            &tx,
            &Row::new(Kind::Meeting, meeting.id, 1),
            Origin::Local,
            &meeting,
            true,
        )?;
        tx.commit()?;
        Ok(meeting)
    }

    /// Stores an edited meeting as a new revision. `meeting.revision` must be the current
    /// one (the revision the edit started from), or the edit would silently undo another.
    pub fn update_meeting(&self, meeting: &Meeting) -> Result<Meeting, StoreError> {
        self.revise(meeting.id, |current| {
            if meeting.revision != current.revision {
                return Err(StoreError::StaleRevision {
                    id: meeting.id,
                    given: meeting.revision,
                    current: current.revision,
                });
            }
            *current = meeting.clone();
            Ok(())
        })
    }

    pub fn set_attendance(&self, id: Uuid, attendance: Attendance) -> Result<Meeting, StoreError> {
        self.revise(id, |m| {
            m.attendance = attendance;
            Ok(())
        })
    }

    pub fn mark_held(&self, id: Uuid) -> Result<Meeting, StoreError> {
        self.revise(id, |m| {
            m.status = MeetingStatus::Held;
            Ok(())
        })
    }

    pub fn cancel_meeting(&self, id: Uuid, reason: &str) -> Result<Meeting, StoreError> {
        self.revise(id, |m| {
            m.status = MeetingStatus::Cancelled {
                reason: reason.to_string(),
            };
            Ok(())
        })
    }

    /// Reads the current revision, applies the change and stores it as the next revision,
    /// all in one transaction. Another tablet's meeting is refused: only its owner edits it.
    fn revise(
        &self,
        id: Uuid,
        change: impl FnOnce(&mut Meeting) -> Result<(), StoreError>,
    ) -> Result<Meeting, StoreError> {
        let tx = immediate(&self.conn)?;
        match origin(&tx, Kind::Meeting, id)? {
            None => return Err(StoreError::MeetingNotFound(id)),
            Some(Origin::Remote) => return Err(StoreError::RemoteMeeting(id)),
            Some(Origin::Local) => {}
        }
        let (revision, mut meeting) = self
            .current_record::<Meeting>(Kind::Meeting, id)?
            .ok_or(StoreError::MeetingNotFound(id))?;
        meeting.revision = revision;
        change(&mut meeting)?;
        meeting.id = id;
        meeting.revision = revision + 1;
        meeting.updated_at = Utc::now();
        self.insert_record(
            &tx,
            &Row::new(Kind::Meeting, id, meeting.revision),
            Origin::Local,
            &meeting,
            true,
        )?;
        tx.commit()?;
        Ok(meeting)
    }

    /// Stores another device's meeting revision as pulled from the server, never queued
    /// for sending. A newer revision replaces the stored copy; an older or equal one
    /// changes nothing (a page pulled again is harmless), nor does an id of this tablet's
    /// own meetings (the server never sends those back).
    pub fn put_remote_meeting(&self, meeting: &Meeting) -> Result<(), StoreError> {
        let tx = immediate(&self.conn)?;
        let id = meeting.id.to_string();
        // An aggregate: one row even when nothing is stored.
        let (stored_revision, local): (Option<u32>, bool) = tx.query_row(
            "SELECT MAX(revision), COALESCE(MAX(origin = 'local'), 0) FROM records
             WHERE kind = 'meeting' AND id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if local || stored_revision.is_some_and(|r| r >= meeting.revision) {
            return Ok(());
        }
        tx.execute(
            "DELETE FROM records WHERE kind = 'meeting' AND id = ?1 AND origin = 'remote'",
            [&id],
        )?;
        self.insert_record(
            &tx,
            &Row::new(Kind::Meeting, meeting.id, meeting.revision),
            Origin::Remote,
            meeting,
            false,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The current revision of every meeting, this device's and pulled ones, by date.
    pub fn meetings(&self) -> Result<Vec<Meeting>, StoreError> {
        // The date is sealed with the rest of the body, so sorting happens here, after
        // decryption: a facilitator has hundreds of meetings, not millions.
        let mut out: Vec<Meeting> = self
            .current_records(Kind::Meeting)?
            .into_iter()
            .map(|(_, _, m)| m)
            .collect();
        out.sort_by_key(|m| (m.date, m.id));
        Ok(out)
    }

    /// One meeting with its final submissions and drafts.
    pub fn meeting(&self, id: Uuid) -> Result<Option<MeetingDetail>, StoreError> {
        let Some((_, meeting)) = self.current_record::<Meeting>(Kind::Meeting, id)? else {
            return Ok(None);
        };
        let by_meeting = |kind: Kind| -> Result<Vec<Submission>, StoreError> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, revision, body FROM records WHERE kind = ?1 AND meeting_id = ?2",
            )?;
            let mut subs: Vec<Submission> = self
                .collect(
                    &mut stmt,
                    rusqlite::params![kind.as_str(), id.to_string()],
                    kind,
                )?
                .into_iter()
                .map(|(_, _, s)| s)
                .collect();
            subs.sort_by(|a: &Submission, b: &Submission| {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            });
            Ok(subs)
        };
        Ok(Some(MeetingDetail {
            meeting,
            submissions: by_meeting(Kind::Submission)?,
            drafts: by_meeting(Kind::Draft)?,
            remote: origin(&self.conn, Kind::Meeting, id)? == Some(Origin::Remote),
        }))
    }
}
