//! Reading a server's answer once the transport has it: the body gathered under a cap as
//! its chunks arrive (after the HTTP stack has undone any gzip), then judged by its status
//! and parsed. Free of I/O, so that whatever a server or a proxy in between sends can be
//! fuzzed through the very code the client runs.

use crate::error::SyncError;
use serde::de::DeserializeOwned;

/// An answer's body as it arrives, at most `max` bytes: a runaway answer or a gzip bomb
/// costs at most `max` bytes of memory.
#[derive(Debug)]
pub struct CappedBody {
    max: usize,
    body: Vec<u8>,
}

impl CappedBody {
    /// A body whose length the answer `announced` (its Content-Length) if it did: one
    /// announced over `max` is refused before a byte of it is read.
    pub fn new(max: usize, announced: Option<u64>) -> Result<CappedBody, SyncError> {
        if announced.is_some_and(|n| n > max as u64) {
            return Err(SyncError::AnswerTooLarge { limit: max });
        }
        Ok(CappedBody {
            max,
            body: Vec::with_capacity(announced.map_or(0, |n| n as usize)),
        })
    }

    /// Adds the next chunk, or refuses the answer if it would pass the cap.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SyncError> {
        if chunk.len() > self.max - self.body.len() {
            return Err(SyncError::AnswerTooLarge { limit: self.max });
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.body
    }
}

/// What a whole answer says: the message `T` for a 2xx status, else the error its status
/// and body (the server's `{code, message}` when it is one) classify it as.
pub fn decode_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, SyncError> {
    if !(200..300).contains(&status) {
        return Err(SyncError::from_status(status, body));
    }
    serde_json::from_slice(body).map_err(|e| SyncError::Decode(e.to_string()))
}
