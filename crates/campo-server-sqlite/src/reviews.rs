//! The office's reviews of submissions on SQLite: setting them (numbered in the project's
//! counter, like records) and reading them back, for the console and for pull.

use crate::records::next_seq;
use crate::{db_err, parse_time, parse_uuid, project_exists};
use campo_server_store::reviews::{check_review, distinct, parse_state};
use campo_server_store::{NewReview, Review, StorageError, SubmissionKeys};
use campo_wire::ReviewNote;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

/// Sets the review of each of `ids` that is a submission of the project, in one
/// transaction on the writer. The writer is SQLite's one writer, so the counter values
/// handed out here commit in order with every push's (what PostgreSQL needs the project's
/// row lock for).
pub fn set_reviews(
    c: &mut Connection,
    project: &str,
    ids: &[Uuid],
    review: &NewReview,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    // Before anything is read or written: a refused review changes nothing.
    check_review(review)?;
    let tx = c.transaction().map_err(db_err)?;
    project_exists(&tx, project)?;
    let found = submissions_of_project(&tx, project, &distinct(ids))?;
    if found.is_empty() {
        return Ok(0);
    }
    // Read the counter, number each review after it, write the counter back: one number
    // per review changed, as push does per record stored.
    let mut seq = next_seq(&tx, project, 0)?;
    {
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO reviews (project_id, submission_id, state, comment, reviewer, reviewed_at, seq) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (project_id, submission_id) DO UPDATE SET \
                   state = excluded.state, comment = excluded.comment, \
                   reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at, \
                   seq = excluded.seq",
            )
            .map_err(db_err)?;
        let at = now.to_rfc3339();
        for id in &found {
            seq += 1;
            upsert
                .execute(params![
                    project,
                    id.to_string(),
                    review.state.as_str(),
                    review.comment,
                    review.reviewer,
                    at,
                    seq
                ])
                .map_err(db_err)?;
        }
    }
    tx.execute(
        "UPDATE projects SET seq = ?2 WHERE id = ?1",
        params![project, seq],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(found.len() as u64)
}

/// Of `ids`, in their order, those held as a submission of the project (any revision: all
/// of a record's rows have one kind and one project).
fn submissions_of_project(
    tx: &Transaction<'_>,
    project: &str,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, StorageError> {
    let mut held = tx
        .prepare_cached(
            "SELECT 1 FROM records WHERE id = ?1 AND project_id = ?2 AND kind = 'submission' LIMIT 1",
        )
        .map_err(db_err)?;
    let mut found = Vec::new();
    for id in ids {
        let is_held = held
            .query_row(params![id.to_string(), project], |_| Ok(()))
            .optional()
            .map_err(db_err)?
            .is_some();
        if is_held {
            found.push(*id);
        }
    }
    Ok(found)
}

/// Every review of the project, in the order they last changed.
pub fn reviews(c: &Connection, project: &str) -> Result<Vec<Review>, StorageError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT submission_id, state, comment, reviewer, reviewed_at FROM reviews \
             WHERE project_id = ?1 ORDER BY seq",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([project], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, state, comment, reviewer, at) = row.map_err(db_err)?;
        out.push(Review {
            submission_id: parse_uuid(&id)?,
            state: parse_state(&state)?,
            comment,
            reviewer,
            reviewed_at: parse_time(&at)?,
        });
    }
    Ok(out)
}

/// The note a pull sends for the review of `submission` in the project: the review with
/// the meeting and instrument of the submission's current revision.
pub fn note(
    tx: &Transaction<'_>,
    project: &str,
    submission: &str,
) -> Result<ReviewNote, StorageError> {
    let (state, comment, at, body): (String, String, String, String) = tx
        .prepare_cached(
            "SELECT v.state, v.comment, v.reviewed_at, \
               (SELECT r.body FROM records r WHERE r.id = v.submission_id AND r.project_id = v.project_id \
                ORDER BY r.revision DESC, r.seq DESC LIMIT 1) \
             FROM reviews v WHERE v.project_id = ?1 AND v.submission_id = ?2",
        )
        .map_err(db_err)?
        .query_row(params![project, submission], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(db_err)?;
    let keys = SubmissionKeys::from_body(&body)?;
    Ok(ReviewNote {
        submission_id: parse_uuid(submission)?,
        meeting_id: keys.meeting_id,
        instrument_id: keys.instrument_id,
        state: parse_state(&state)?,
        comment,
        reviewed_at: parse_time(&at)?,
    })
}
