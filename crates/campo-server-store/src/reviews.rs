//! The office's review of submissions: a state and a comment per submission, the latest
//! word kept. A change is numbered in the project's counter, like a record, so the vault
//! that sent the submission is sent the note at its next pull.

use crate::StorageError;
use campo_wire::{ReviewState, REVIEW_COMMENT_MAX};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use uuid::Uuid;

/// A review to set on some submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReview {
    pub state: ReviewState,
    /// At most `campo_wire::REVIEW_COMMENT_MAX` characters; empty for none.
    pub comment: String,
    /// The console account that reviewed.
    pub reviewer: String,
}

/// A submission's current review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub submission_id: Uuid,
    pub state: ReviewState,
    pub comment: String,
    pub reviewer: String,
    pub reviewed_at: DateTime<Utc>,
}

/// What `set_reviews` checks before writing: the comment is at most
/// [`REVIEW_COMMENT_MAX`] characters (`Invalid` otherwise; the message never quotes it).
pub fn check_review(review: &NewReview) -> Result<(), StorageError> {
    let chars = review.comment.chars().count();
    if chars > REVIEW_COMMENT_MAX {
        return Err(StorageError::Invalid(format!(
            "a review's comment is at most {REVIEW_COMMENT_MAX} characters, not {chars}"
        )));
    }
    Ok(())
}

/// `ids` once each, in their first order: an id named twice is one review, counted and
/// numbered once.
pub fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// A review's state as stored; `Corrupt` for anything else (the tables' CHECK keeps it to
/// the four, so this is a damaged database).
pub fn parse_state(s: &str) -> Result<ReviewState, StorageError> {
    ReviewState::parse(s)
        .ok_or_else(|| StorageError::Corrupt(format!("unknown review state {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(comment: &str) -> NewReview {
        NewReview {
            state: ReviewState::HasIssues,
            comment: comment.into(),
            reviewer: "paola".into(),
        }
    }

    #[test]
    fn a_comment_is_counted_in_characters() {
        assert!(check_review(&review("")).is_ok());
        // 1000 two-byte characters are 2000 bytes and still fit.
        assert!(check_review(&review(&"è".repeat(REVIEW_COMMENT_MAX))).is_ok());
        let long = "è".repeat(REVIEW_COMMENT_MAX + 1);
        match check_review(&review(&long)) {
            Err(StorageError::Invalid(why)) => assert!(!why.contains('è'), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ids_are_kept_once_in_their_first_order() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(distinct(&[b, a, b, a]), vec![b, a]);
        assert_eq!(parse_state("has_issues").unwrap(), ReviewState::HasIssues);
        assert!(matches!(
            parse_state("rejected"),
            Err(StorageError::Corrupt(_))
        ));
    }
}
