//! Campo's fuzz targets, one plain function per target: each hands bytes it did not write
//! to the parser the server or the tablet runs on such bytes, and checks what must hold
//! whatever the bytes: a value or a named error comes back, never a panic, and where a value
//! comes back, encoding it again and parsing that gives the same value.
//!
//! `fuzz/` (cargo-fuzz, libFuzzer) calls these functions; `tests/replay.rs` runs every seed
//! and every saved crash input through them in the ordinary test suite. Assertion messages
//! name the property broken, never the content, which may look like a person's answers.
//!
//! Not covered yet: the
//! roster file (its PBKDF2 at 600,000 iterations makes every input past the header cost
//! about a second) and the app's forms (they reach the vault through the same types the
//! `vault_record` target decodes).

use axum::http::{HeaderMap, HeaderValue};
use campo_core::catalog::Catalog;
use campo_core::load::{check_instrument, load_instrument};
use campo_core::report::Targets;
use campo_core::score::{score, Score};
use campo_core::validate::{relevance, validate_answers, validate_submission};
use campo_core::{Answers, Instrument, Meeting, Outreach, Participant, Phase, Scoring, Submission};
use campo_server::http::push_body::decode_push;
use campo_server::http::sync::prepare;
use campo_server::http::Limits;
use campo_store::fuzzing::{self as vault, RosterEntry, KEY_LEN};
use campo_sync::answer::{decode_answer, CappedBody};
use campo_sync::client::DEFAULT_MAX_ANSWER_BYTES;
use campo_sync::SyncError;
use campo_wire::{ProjectReport, PullResponse, PushRequest, PushResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::OnceLock;

mod xlsform;
pub use xlsform::xlsform;

/// A fuzz target: any bytes in, a panic only when a property breaks.
pub type Target = fn(&[u8]);

/// Every target by name: the name of its folder under `fuzz/corpus/` and
/// `fuzz/regressions/`, and of its binary in `fuzz/fuzz_targets/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("instrument", instrument),
    ("answers", answers),
    ("push_body", push_body),
    ("pull_answer", pull_answer),
    ("vault_record", vault_record),
    ("vault_raw", vault_raw),
    ("xlsform", xlsform),
];

/// The key the vault targets seal under: fixed, so that a saved input replays the same
/// way, and never a vault's (a vault's data key is random).
pub const TEST_KEY: [u8; KEY_LEN] = [0x5a; KEY_LEN];
/// The record id and revision the vault targets put in the AAD.
pub const TEST_RECORD_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const TEST_REVISION: u32 = 1;

/// The study's instruments, in a fixed order, for the first byte to pick one.
pub fn builtin_instruments() -> &'static [Instrument] {
    static ALL: OnceLock<Vec<Instrument>> = OnceLock::new();
    ALL.get_or_init(|| Catalog::builtin().all().cloned().collect())
}

fn builtin_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("a parsed value serializes")
}

/// An instrument file, as `campo-server instruments add` reads it: UTF-8 text, then
/// campo-core's loader (the published JSON Schema, the types, the rules).
pub fn instrument(data: &[u8]) {
    // The CLI reads the file with `read_to_string`: bytes that are not UTF-8 stop there.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = match load_instrument(text) {
        Ok(instrument) => instrument,
        Err(e) => {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
            return;
        }
    };
    // The vault checks a pulled instrument again before storing it: what the loader
    // accepted must pass that check too, or a project's instrument could never reach a
    // tablet.
    assert!(
        check_instrument(&loaded).is_ok(),
        "the loader accepted an instrument the vault's check refuses"
    );
    let again = load_instrument(std::str::from_utf8(&to_json(&loaded)).expect("JSON is UTF-8"))
        .expect("a loaded instrument, written again, loads");
    assert!(
        again == loaded,
        "a loaded instrument changed on a round trip"
    );
    // Whatever the instrument, an empty form is judged and scored without a panic.
    let empty = Answers::new();
    let _ = validate_answers(&loaded, &empty);
    check_score(&loaded, &empty);
}

/// A score is a percentage or a mean in 0..=100, or counts.
fn check_score(instrument: &Instrument, answers: &Answers) {
    match score(instrument, answers) {
        Score::Percent(v) | Score::Mean(v) => {
            assert!((0.0..=100.0).contains(&v), "a score outside 0..=100")
        }
        Score::Counts(_) | Score::None => {}
    }
}

/// Answers against one of the study's instruments (the first byte picks it), as the
/// tablet checks a form before storing it and the server a submission before accepting it.
pub fn answers(data: &[u8]) {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let instruments = builtin_instruments();
    let instrument = &instruments[usize::from(pick) % instruments.len()];
    let Ok(answers) = serde_json::from_slice::<Answers>(json) else {
        return;
    };
    let verdict = validate_answers(instrument, &answers);
    if let Err(errors) = &verdict {
        assert!(!errors.is_empty(), "refused answers without an error");
        for e in errors {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
        }
    }
    let asked = relevance(instrument, &answers);
    assert_eq!(
        asked.len(),
        instrument.items.len(),
        "relevance skipped an item"
    );
    check_score(instrument, &answers);

    // The same answers as a submission: the server's check agrees with the form's.
    let quiz = instrument.scoring == Scoring::PercentCorrect;
    let submission = Submission {
        id: uuid::Uuid::from_u128(1),
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version,
        meeting_id: uuid::Uuid::from_u128(2),
        respondent: (!instrument.anonymous).then(|| "P-001".to_string()),
        phase: quiz.then_some(Phase::Pre),
        answers: answers.clone(),
        created_at: chrono::DateTime::UNIX_EPOCH,
        replaces: None,
        follows_up: None,
    };
    assert_eq!(
        validate_submission(builtin_catalog(), &submission).is_ok(),
        verdict.is_ok(),
        "the submission check and the form check disagree"
    );

    let again: Answers = serde_json::from_slice(&to_json(&answers)).expect("answers parse again");
    assert!(again == answers, "answers changed on a round trip");
    assert_eq!(
        validate_answers(instrument, &again).is_ok(),
        verdict.is_ok(),
        "the same answers, written again, were judged otherwise"
    );
}

/// The error codes `decode_push` may answer.
const PUSH_ERRORS: &[&str] = &[
    "bad_gzip",
    "payload_too_large",
    "unsupported_encoding",
    "malformed_json",
    "invalid_request",
    "too_many_records",
];

/// Smaller caps than the server's, so that the fuzzer reaches "over the cap" (and the
/// exact cap) with short inputs.
const SMALL_LIMITS: Limits = Limits {
    max_body: 4096,
    max_records: 3,
};

/// A push body as `POST /api/v1/sync/push` decodes it. The first byte picks the
/// `Content-Encoding` (bits 0-1: none, gzip, identity, an odd spelling of gzip) and the
/// limits (bit 2: the server's or small ones); the rest is the body as sent.
pub fn push_body(data: &[u8]) {
    let Some((&control, raw)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    let encoding = match control & 0b11 {
        0 => None,
        1 => Some("gzip"),
        2 => Some("identity"),
        _ => Some(" GZip "),
    };
    if let Some(e) = encoding {
        headers.insert(
            axum::http::header::CONTENT_ENCODING,
            HeaderValue::from_static(e),
        );
    }
    let limits = if control & 0b100 == 0 {
        Limits::default()
    } else {
        SMALL_LIMITS
    };
    if raw.len() > limits.max_body {
        // The route refuses such a body while reading it, before decoding.
        return;
    }
    let request = match decode_push(&headers, raw, limits) {
        Ok(request) => request,
        Err(e) => {
            assert!(PUSH_ERRORS.contains(&e.code), "an unnamed push error");
            assert!(
                e.status.is_client_error(),
                "a malformed push answered as a server fault"
            );
            return;
        }
    };
    assert!(request.records.len() <= limits.max_records);
    let prepared: Vec<_> = request
        .records
        .iter()
        .map(|r| prepare(r, builtin_catalog()).expect("an accepted record is prepared"))
        .collect();

    // The server stores a record by its canonical body and hash: the same push written
    // again (other whitespace, other key order, numbers respelt) must parse to the same
    // records with the same hashes, or a resend would look like a conflicting revision.
    let written = to_json(&request);
    let again: PushRequest = decode_push(&HeaderMap::new(), &written, Limits::default())
        .unwrap_or_else(|e| panic!("an accepted push, written again, is refused: {}", e.code));
    assert!(again == request, "a push changed on a round trip");
    for (record, first) in again.records.iter().zip(&prepared) {
        let second = prepare(record, builtin_catalog()).expect("prepared again");
        assert!(
            second.hash == first.hash && second.body == first.body,
            "a record's canonical body changed on a round trip"
        );
        assert!(
            second.rejection == first.rejection,
            "a record's verdict changed on a round trip"
        );
    }
}

const ANSWER_STATUSES: [u16; 16] = [
    200, 200, 200, 200, 200, 200, 201, 204, 400, 401, 404, 408, 413, 429, 500, 503,
];
const ANSWER_CAPS: [usize; 4] = [DEFAULT_MAX_ANSWER_BYTES, 4096, 512, 64];

/// An answer to the tablet's pull (and push) as the sync client reads it once the HTTP
/// stack has it: gathered under the cap chunk by chunk, judged by its status, parsed.
/// Byte 0 picks the status; byte 1 the chunk size (bits 0-5, 0 for one chunk whose length
/// the answer announced) and the cap (bits 6-7); the rest is the body.
///
/// gzip is undone before this by reqwest, inside the transport, as the chunks arrive; the
/// server side's gzip is fuzzed by `push_body`.
pub fn pull_answer(data: &[u8]) {
    let [status, shape, body @ ..] = data else {
        return;
    };
    let status = ANSWER_STATUSES[usize::from(status & 0x0f)];
    let cap = ANSWER_CAPS[usize::from(shape >> 6)];
    let chunk = usize::from(shape & 0x3f);
    let read = if chunk == 0 {
        CappedBody::new(cap, Some(body.len() as u64)).and_then(|mut b| {
            b.push(body)?;
            Ok(b)
        })
    } else {
        CappedBody::new(cap, None).and_then(|mut b| {
            for piece in body.chunks(chunk) {
                b.push(piece)?;
            }
            Ok(b)
        })
    };
    let read = match read {
        Ok(read) => read.into_bytes(),
        Err(e) => {
            assert!(body.len() > cap, "an answer within the cap was refused");
            assert!(matches!(e, SyncError::AnswerTooLarge { .. }));
            return;
        }
    };
    assert!(read == body, "the capped read changed the body");
    check_answer::<PullResponse>(status, &read, |page| {
        for instrument in &page.instruments {
            // What the vault runs before storing a pulled instrument: any verdict, no panic.
            let _ = check_instrument(instrument);
        }
        if let Some(report) = &page.project_report {
            // The tablet keeps the report as a setting and reads it back from that JSON.
            let kept = String::from_utf8(to_json(report)).expect("JSON is UTF-8");
            let back: ProjectReport = serde_json::from_str(&kept).expect("a kept report parses");
            assert!(back == *report, "the kept project report changed");
        }
    });
    check_answer::<PushResponse>(status, &read, |_| {});
}

/// Decodes `body` as the client decodes an answer of `status`, checks the error is the
/// one the status calls for, and that a parsed message survives a round trip.
fn check_answer<T: DeserializeOwned + Serialize + PartialEq>(
    status: u16,
    body: &[u8],
    then: impl FnOnce(&T),
) {
    match decode_answer::<T>(status, body) {
        Ok(message) => {
            assert!(
                (200..300).contains(&status),
                "an error status read as a success"
            );
            let again: T = decode_answer(200, &to_json(&message))
                .unwrap_or_else(|e| panic!("an answer, written again, is refused: {}", e.code()));
            assert!(again == message, "an answer changed on a round trip");
            then(&message);
        }
        Err(e) => {
            let expected = match status {
                200..=299 => "bad_answer",
                401 => "unauthorized",
                408 | 429 | 500..=599 => "unavailable",
                _ => "refused",
            };
            assert_eq!(e.code(), expected, "an answer classified wrongly");
        }
    }
}

/// Where the vault seals bodies of each type: the table (or record kind) of the AAD.
const VAULT_TABLES: [&str; 7] = [
    "participant",
    "meeting",
    "draft",
    "submission",
    "outreach",
    "instruments",
    "settings",
];

/// A record body as the vault reads it back: the input is sealed under [`TEST_KEY`] with
/// each table's AAD (random bytes alone would never pass the GCM tag), opened, and parsed
/// into the type the vault reads from that table.
pub fn vault_record(data: &[u8]) {
    for table in VAULT_TABLES {
        let aad = vault::record_aad(table, TEST_RECORD_ID, TEST_REVISION);
        let sealed = vault::seal(&TEST_KEY, aad.as_bytes(), data).expect("sealing works");
        let opened = vault::open(&TEST_KEY, aad.as_bytes(), &sealed)
            .expect("opening works")
            .expect("a body opens under its own AAD");
        assert!(opened.as_slice() == data, "a body changed through sealing");
        // The same body in another row (another revision of the record) is refused.
        let elsewhere = vault::record_aad(table, TEST_RECORD_ID, TEST_REVISION + 1);
        assert!(
            vault::open(&TEST_KEY, elsewhere.as_bytes(), &sealed)
                .expect("opening works")
                .is_none(),
            "a body opened under another row's AAD"
        );
        match table {
            "participant" => {
                // The roster reads an entry, the outbox the participant inside it.
                read_back::<RosterEntry>(&aad, &sealed);
                read_back::<Participant>(&aad, &sealed);
            }
            "meeting" => drop(read_back::<Meeting>(&aad, &sealed)),
            "draft" | "submission" => drop(read_back::<Submission>(&aad, &sealed)),
            "outreach" => drop(read_back::<Outreach>(&aad, &sealed)),
            "instruments" => {
                if let Some(instrument) = read_back::<Instrument>(&aad, &sealed) {
                    let _ = check_instrument(&instrument);
                }
            }
            _ => {
                // Settings are strings; the sync keeps JSON in some of them.
                if let Some(text) = read_back::<String>(&aad, &sealed) {
                    if let Ok(report) = serde_json::from_str::<ProjectReport>(&text) {
                        round_trip(&report);
                    }
                    if let Ok(targets) = serde_json::from_str::<Targets>(&text) {
                        round_trip(&targets);
                    }
                    let _ = text.trim().parse::<u64>();
                }
            }
        }
    }
}

/// Opens `sealed` as a `T` the way the vault does; a `T` read back is sealed again and
/// must read back the same.
fn read_back<T: DeserializeOwned + Serialize + PartialEq>(aad: &str, sealed: &[u8]) -> Option<T> {
    let value = match vault::open_json::<T>(&TEST_KEY, aad, sealed) {
        Ok(Some(value)) => value,
        Ok(None) => panic!("a body sealed under its AAD did not open"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return None;
        }
    };
    let resealed = vault::seal(&TEST_KEY, aad.as_bytes(), &to_json(&value)).expect("sealing works");
    let again: T = vault::open_json(&TEST_KEY, aad, &resealed)
        .expect("a written record reads back")
        .expect("a written record opens");
    assert!(
        again == value,
        "a record changed on a round trip through the vault"
    );
    Some(value)
}

fn round_trip<T: DeserializeOwned + Serialize + PartialEq>(value: &T) {
    let again: T = serde_json::from_slice(&to_json(value)).expect("a parsed value parses again");
    assert!(again == *value, "a value changed on a round trip");
}

/// A body sealed once per process, for [`vault_raw`] to alter.
fn sealed_meeting() -> &'static (String, Vec<u8>) {
    static SEALED: OnceLock<(String, Vec<u8>)> = OnceLock::new();
    SEALED.get_or_init(|| {
        let aad = vault::record_aad("meeting", TEST_RECORD_ID, TEST_REVISION);
        let body = br#"{"id":"00000000-0000-4000-8000-000000000001","revision":1}"#;
        let sealed = vault::seal(&TEST_KEY, aad.as_bytes(), body).expect("sealing works");
        (aad, sealed)
    })
}

/// Raw bytes where the vault expects a sealed body: the AES-GCM tag path. Bytes not
/// sealed under the key and AAD are always refused, and so is a sealed body with any bit
/// changed (the input, XORed over it).
pub fn vault_raw(data: &[u8]) {
    for table in VAULT_TABLES {
        let aad = vault::record_aad(table, TEST_RECORD_ID, TEST_REVISION);
        assert!(
            vault::open(&TEST_KEY, aad.as_bytes(), data)
                .expect("opening works")
                .is_none(),
            "bytes that were never sealed passed the tag"
        );
        assert!(
            matches!(vault::open_json::<Meeting>(&TEST_KEY, &aad, data), Ok(None)),
            "bytes that were never sealed were read as a record"
        );
    }
    // The first-release key-slot opening does not authenticate: it must still only take
    // bodies long enough to hold a nonce and a tag, and give back the rest's length.
    let nonce_and_tag = 12 + 16;
    match vault::open_unauthenticated(&TEST_KEY, data).expect("opening works") {
        Some(plain) => assert_eq!(plain.len() + nonce_and_tag, data.len()),
        None => assert!(data.len() < nonce_and_tag),
    }
    let (aad, sealed) = sealed_meeting();
    let mut altered = sealed.clone();
    for (byte, mask) in altered.iter_mut().zip(data) {
        *byte ^= mask;
    }
    let changed = altered != *sealed;
    let opened = vault::open(&TEST_KEY, aad.as_bytes(), &altered).expect("opening works");
    assert_eq!(
        opened.is_some(),
        !changed,
        "an altered body opened, or an intact one did not"
    );
}
