//! The office's reviews of submissions on PostgreSQL: setting them (numbered in the
//! project's counter under its row lock, like records, so a pull's cursor never skips one:
//! see records.rs) and reading them back, for the console and for pull.

use crate::db_err;
use crate::records::{lock_counter, set_counter};
use campo_server_store::reviews::{check_review, distinct, parse_state};
use campo_server_store::{NewReview, Review, StorageError, SubmissionKeys};
use campo_wire::ReviewNote;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Object};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Which of the ids are held as a submission of the project (any revision: all of a
/// record's rows have one kind and one project).
const HELD_SUBMISSIONS: &str = "SELECT DISTINCT id FROM records \
     WHERE id = ANY($1) AND project_id = $2 AND kind = 'submission'";

/// Sets (or replaces) one review per submission in one statement: the project, then the
/// review, then one array of submission ids and one of their counter values.
const UPSERT_REVIEWS: &str = "INSERT INTO reviews AS v \
       (project_id, submission_id, state, comment, reviewer, reviewed_at, seq) \
     SELECT $1::text, r.id, $2::text, $3::text, $4::text, $5::timestamptz, r.seq \
       FROM UNNEST($6::uuid[], $7::bigint[]) AS r(id, seq) \
     ON CONFLICT (project_id, submission_id) DO UPDATE SET \
       state = excluded.state, comment = excluded.comment, reviewer = excluded.reviewer, \
       reviewed_at = excluded.reviewed_at, seq = excluded.seq";

/// The review of each named submission of the project, with the body of the submission's
/// current revision (for its meeting and instrument).
const NOTES: &str = "SELECT v.submission_id, v.state, v.comment, v.reviewed_at, c.body \
     FROM reviews v \
     CROSS JOIN LATERAL ( \
       SELECT body FROM records r WHERE r.id = v.submission_id AND r.project_id = v.project_id \
       ORDER BY r.revision DESC, r.seq DESC LIMIT 1 \
     ) c \
     WHERE v.project_id = $1 AND v.submission_id = ANY($2)";

/// Sets the review of each of `ids` that is a submission of the project, in one
/// transaction that holds the project's counter lock from its first statement: the
/// submissions are looked up after every earlier push of the project committed, and the
/// numbers handed out commit in order with every other writer's.
pub async fn set_reviews(
    client: &mut Object,
    project: &str,
    ids: &[Uuid],
    review: &NewReview,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    // Before anything is read or written: a refused review changes nothing.
    check_review(review)?;
    let ids = distinct(ids);
    let tx = client.transaction().await.map_err(db_err)?;
    let start = lock_counter(&tx, project).await?;
    let held: HashSet<Uuid> = tx
        .query(HELD_SUBMISSIONS, &[&ids, &project])
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // Numbered in the order the caller named them.
    let found: Vec<Uuid> = ids.into_iter().filter(|id| held.contains(id)).collect();
    if found.is_empty() {
        tx.rollback().await.map_err(db_err)?;
        return Ok(0);
    }
    let seqs: Vec<i64> = (1..=found.len() as i64).map(|n| start + n).collect();
    tx.execute(
        UPSERT_REVIEWS,
        &[
            &project,
            &review.state.as_str(),
            &review.comment,
            &review.reviewer,
            &now,
            &found,
            &seqs,
        ],
    )
    .await
    .map_err(db_err)?;
    set_counter(&tx, project, start + found.len() as i64).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(found.len() as u64)
}

/// Every review of the project, in the order they last changed.
pub async fn reviews(c: &impl GenericClient, project: &str) -> Result<Vec<Review>, StorageError> {
    let rows = c
        .query(
            "SELECT submission_id, state, comment, reviewer, reviewed_at FROM reviews \
             WHERE project_id = $1 ORDER BY seq",
            &[&project],
        )
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(Review {
                submission_id: r.get(0),
                state: parse_state(r.get(1))?,
                comment: r.get(2),
                reviewer: r.get(3),
                reviewed_at: r.get(4),
            })
        })
        .collect()
}

/// The notes a pull sends for the reviews of `submissions` in the project, by submission
/// id: each review with the meeting and instrument of the submission's current revision.
pub async fn notes(
    c: &impl GenericClient,
    project: &str,
    submissions: &[Uuid],
) -> Result<HashMap<Uuid, ReviewNote>, StorageError> {
    if submissions.is_empty() {
        return Ok(HashMap::new());
    }
    let stmt = c.prepare_cached(NOTES).await.map_err(db_err)?;
    let rows = c
        .query(&stmt, &[&project, &submissions])
        .await
        .map_err(db_err)?;
    let mut out = HashMap::new();
    for r in rows {
        let id: Uuid = r.get(0);
        let keys = SubmissionKeys::from_body(r.get(4))?;
        out.insert(
            id,
            ReviewNote {
                submission_id: id,
                meeting_id: keys.meeting_id,
                instrument_id: keys.instrument_id,
                state: parse_state(r.get(1))?,
                comment: r.get(2),
                reviewed_at: r.get(3),
            },
        );
    }
    Ok(out)
}
