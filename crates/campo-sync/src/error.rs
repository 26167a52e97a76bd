//! What can go wrong during a sync, sorted by what the caller should do about it.

use crate::wire::ApiError;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a failed exchange with the server failed, for whoever decides when to try again
/// (the app's background sync, a scheduler that waits for a window of signal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The server could not be reached at all: no route, a name that does not resolve, a
    /// connection refused or not opened in time. Try again when the signal is back.
    Offline,
    /// The server was reached but did not answer properly: 5xx, 429, 408, a stall after
    /// the connection opened, an answer cut short or garbled. Try again after a backoff.
    ServerTrouble,
    /// 401: the server no longer knows this device's token (revoked, or enrolled
    /// elsewhere). Only enrolling again helps.
    Revoked,
    /// The exchange is refused as it stands (any other 4xx, or an answer larger than the
    /// device reads): sending the same again gets the same. A person has to look.
    Refused,
}

#[derive(Debug, Error)]
pub enum SyncError {
    #[error("the server address {0:?} is not a valid http(s) URL")]
    InvalidUrl(String),
    /// A plain `http://` address that is not this device's own loopback: the token and the
    /// records would cross the network unencrypted.
    #[error(
        "the server address {0:?} is not secure: use https:// (plain http:// is accepted only \
         for this device's own loopback address, 127.0.0.1, ::1 or localhost)"
    )]
    InsecureUrl(String),
    #[error("this device is not enrolled with a server yet")]
    NotEnrolled,
    /// 401: the token is unknown or the device was revoked. Retrying will not help; the
    /// device must be enrolled again.
    #[error("the server refused this device's token: {0}")]
    Unauthorized(String),
    /// Any other 4xx: the request itself is wrong and would be refused again.
    #[error("the server refused the request ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// 5xx, 408 or 429: the server could not answer now.
    #[error("the server is unavailable ({status}): {message}")]
    Unavailable { status: u16, message: String },
    /// The connection was open but the answer did not come in time (a stall).
    #[error("the server did not answer in time")]
    Timeout,
    /// No connection: no route, a name that does not resolve, refused, or not opened
    /// within the connect timeout.
    #[error("could not reach the server: {0}")]
    Connect(String),
    /// The connection broke or the answer was cut short or garbled.
    #[error("the connection failed: {0}")]
    Transport(String),
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    /// The answer (after gzip decoding) was longer than the client reads
    /// ([`crate::SyncClient::with_max_answer_bytes`]); reading stopped there. Asking the same
    /// again would get the same answer: a pull asks for smaller pages by itself, anything
    /// else needs a person (a server or a proxy answering what it should not).
    #[error("the server's answer is larger than the {limit} bytes this device reads")]
    AnswerTooLarge { limit: usize },
    #[error("the device's vault: {0}")]
    Store(#[from] campo_store::StoreError),
    #[error("could not prepare the records for sending: {0}")]
    Encode(String),
}

impl SyncError {
    /// Whether trying again later (after a backoff) may succeed without anyone changing
    /// anything. Refusals and an unknown token need a person; a weak link does not.
    /// Exactly the failures of class [`FailureClass::Offline`] and
    /// [`FailureClass::ServerTrouble`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.class(),
            Some(FailureClass::Offline | FailureClass::ServerTrouble)
        )
    }

    /// Where the exchange with the server failed; `None` for a fault on this device (its
    /// vault, its settings, records it cannot encode), which no waiting mends.
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            SyncError::Connect(_) => Some(FailureClass::Offline),
            SyncError::Unavailable { .. }
            | SyncError::Timeout
            | SyncError::Transport(_)
            | SyncError::Decode(_) => Some(FailureClass::ServerTrouble),
            SyncError::Unauthorized(_) => Some(FailureClass::Revoked),
            SyncError::Refused { .. } | SyncError::AnswerTooLarge { .. } => {
                Some(FailureClass::Refused)
            }
            SyncError::InvalidUrl(_)
            | SyncError::InsecureUrl(_)
            | SyncError::NotEnrolled
            | SyncError::Store(_)
            | SyncError::Encode(_) => None,
        }
    }

    /// A stable code for the app's UI (`{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::InvalidUrl(_) => "invalid_url",
            SyncError::InsecureUrl(_) => "insecure_url",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Unauthorized(_) => "unauthorized",
            SyncError::Refused { .. } => "refused",
            SyncError::Unavailable { .. } => "unavailable",
            SyncError::Timeout => "timeout",
            SyncError::Connect(_) => "offline",
            SyncError::Transport(_) => "connection_lost",
            SyncError::Decode(_) => "bad_answer",
            SyncError::AnswerTooLarge { .. } => "answer_too_large",
            SyncError::Store(_) => "store",
            SyncError::Encode(_) => "encode",
        }
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> SyncError {
        // A connection not opened within the connect timeout is also a timeout to reqwest:
        // asking `is_connect` first keeps it apart from a stall after connecting (a server
        // that is there but does not answer), which the request's own deadline ends.
        if e.is_connect() {
            SyncError::Connect(chain(&e))
        } else if e.is_timeout() {
            SyncError::Timeout
        } else if e.is_decode() || e.is_body() {
            SyncError::Decode(chain(&e))
        } else {
            SyncError::Transport(chain(&e))
        }
    }

    /// Classifies a non-2xx answer. `body` is read as the server's `{code, message}` when
    /// it is one (a proxy's bare 503 page is not).
    pub(crate) fn from_status(status: u16, body: &[u8]) -> SyncError {
        let api: Option<ApiError> = serde_json::from_slice(body).ok();
        let message = api.as_ref().map(|a| a.message.clone()).unwrap_or_else(|| {
            String::from_utf8_lossy(&body[..body.len().min(200)])
                .trim()
                .to_string()
        });
        match status {
            401 => SyncError::Unauthorized(message),
            408 | 429 | 500..=599 => SyncError::Unavailable { status, message },
            _ => SyncError::Refused {
                status,
                code: api.map(|a| a.code).unwrap_or_else(|| "http_error".into()),
                message,
            },
        }
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; the chain says
/// "connection reset" or "operation timed out", which is what a coordinator needs.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_sorted_by_what_to_do() {
        let body = br#"{"code":"too_large","message":"body over 4 MiB"}"#;
        match SyncError::from_status(413, body) {
            SyncError::Refused {
                status: 413,
                code,
                message,
            } => {
                assert_eq!(code, "too_large");
                assert_eq!(message, "body over 4 MiB");
            }
            other => panic!("{other:?}"),
        }
        assert!(!SyncError::from_status(413, body).is_retryable());
        assert!(matches!(
            SyncError::from_status(401, b"{}"),
            SyncError::Unauthorized(_)
        ));
        assert!(!SyncError::from_status(401, b"").is_retryable());
        let e = SyncError::from_status(503, b"Service Unavailable");
        assert!(e.is_retryable());
        assert!(e.to_string().contains("Service Unavailable"), "{e}");
        assert!(SyncError::from_status(429, b"").is_retryable());
    }

    #[test]
    fn every_error_has_the_class_its_retry_says() {
        let store = campo_store::StoreError::Damaged("x".into());
        let all = [
            (SyncError::InvalidUrl("x".into()), None),
            (SyncError::InsecureUrl("x".into()), None),
            (SyncError::NotEnrolled, None),
            (SyncError::Store(store), None),
            (SyncError::Encode("x".into()), None),
            (
                SyncError::Connect("refused".into()),
                Some(FailureClass::Offline),
            ),
            (SyncError::Timeout, Some(FailureClass::ServerTrouble)),
            (
                SyncError::Transport("reset".into()),
                Some(FailureClass::ServerTrouble),
            ),
            (
                SyncError::Decode("cut".into()),
                Some(FailureClass::ServerTrouble),
            ),
            (
                SyncError::from_status(503, b""),
                Some(FailureClass::ServerTrouble),
            ),
            (
                SyncError::from_status(429, b""),
                Some(FailureClass::ServerTrouble),
            ),
            (
                SyncError::from_status(408, b""),
                Some(FailureClass::ServerTrouble),
            ),
            (
                SyncError::from_status(401, b""),
                Some(FailureClass::Revoked),
            ),
            (
                SyncError::from_status(400, b""),
                Some(FailureClass::Refused),
            ),
            (
                SyncError::from_status(404, b""),
                Some(FailureClass::Refused),
            ),
            (
                SyncError::AnswerTooLarge { limit: 1 },
                Some(FailureClass::Refused),
            ),
        ];
        for (e, class) in all {
            assert_eq!(e.class(), class, "{e:?}");
            assert_eq!(
                e.is_retryable(),
                matches!(
                    class,
                    Some(FailureClass::Offline | FailureClass::ServerTrouble)
                ),
                "{e:?}"
            );
        }
        assert_eq!(SyncError::InsecureUrl("x".into()).code(), "insecure_url");
    }

    #[test]
    fn classes_are_written_in_snake_case() {
        let names: Vec<serde_json::Value> = [
            FailureClass::Offline,
            FailureClass::ServerTrouble,
            FailureClass::Revoked,
            FailureClass::Refused,
        ]
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
        assert_eq!(
            names,
            ["offline", "server_trouble", "revoked", "refused"].map(serde_json::Value::from)
        );
        let back: FailureClass = serde_json::from_str(r#""server_trouble""#).unwrap();
        assert_eq!(back, FailureClass::ServerTrouble);
    }

    #[test]
    fn an_answer_too_large_has_its_own_code_and_is_not_retried_as_is() {
        let e = SyncError::AnswerTooLarge { limit: 1024 };
        assert_eq!(e.code(), "answer_too_large");
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("1024"), "{e}");
    }
}
