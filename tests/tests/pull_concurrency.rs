//! The pull cursor under concurrent pushes, through the real server binaries: eight tablets
//! push meetings (and later revisions of some) as fast as they can, in batches of every
//! size, while another tablet pulls pages of one to seven items in a loop, following the
//! cursor. Batches that draw their numbers in one order and commit in another are what
//! would make a cursor skip a row; on PostgreSQL the pushes go to one server process and
//! the pulls to the other, so no process-local lock can hide it. At the end the pulling
//! tablet holds every other tablet's meeting at its latest revision, no meeting came more
//! often than it has revisions (the cursor never went back), and the catalog arrived
//! exactly once.

use campo_core::catalog::Catalog;
use campo_core::{Activity, Attendance, Meeting, MeetingStatus};
use campo_store::Vault;
use campo_sync::wire::{PullResponse, PushRequest, PushStatus, Record, RecordBody};
use campo_sync::SyncClient;
use campo_tests::{enroll_without_vault, Database, Engine, Server, PASSPHRASE};
use chrono::{NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PUSHERS: usize = 8;
const MEETINGS_PER_PUSHER: usize = 250;
/// Every fifth meeting is pushed again later as revision 2 (cancelled).
const REVISED_EVERY: usize = 5;

fn meeting(i: usize, tablet: usize) -> Meeting {
    Meeting {
        id: Uuid::now_v7(),
        revision: 1,
        activity: [
            Activity::TrainingCourse,
            Activity::PeerGroup,
            Activity::Committee,
        ][i % 3],
        date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(i as u64 % 300),
        place: format!("Sala {tablet}"),
        topic: format!("Incontro {i} della tablet {tablet}"),
        facilitator: format!("Facilitatrice {tablet}"),
        status: MeetingStatus::Held,
        attendance: Attendance::default(),
        updated_at: Utc::now(),
    }
}

/// One tablet's records in the order it pushes them: each meeting, and a few records
/// later, revision 2 of every fifth one. Returns them with the meetings' final revisions.
fn tablet_records(tablet: usize) -> (Vec<Record>, Vec<Meeting>) {
    let mut records = Vec::new();
    let mut revisions: Vec<(usize, Meeting)> = Vec::new();
    let mut finals = Vec::new();
    for i in 0..MEETINGS_PER_PUSHER {
        let m = meeting(i, tablet);
        records.push(Record {
            id: m.id,
            revision: 1,
            body: RecordBody::Meeting(m.clone()),
        });
        if i % REVISED_EVERY == 0 {
            let mut r2 = m.clone();
            r2.revision = 2;
            r2.status = MeetingStatus::Cancelled {
                reason: "maltempo".into(),
            };
            r2.updated_at = Utc::now();
            revisions.push((i + 3, r2.clone()));
            finals.push(r2);
        } else {
            finals.push(m);
        }
        while let Some(pos) = revisions.iter().position(|(at, _)| *at <= i) {
            let (_, r2) = revisions.remove(pos);
            records.push(Record {
                id: r2.id,
                revision: 2,
                body: RecordBody::Meeting(r2),
            });
        }
    }
    for (_, r2) in revisions {
        records.push(Record {
            id: r2.id,
            revision: 2,
            body: RecordBody::Meeting(r2),
        });
    }
    (records, finals)
}

/// What the pulling tablet saw.
#[derive(Default)]
struct Pulled {
    pulls: usize,
    /// Pages with something in them, pulled while pushes were still going on.
    pages_during_pushes: usize,
    items_during_pushes: usize,
    meetings: BTreeMap<Uuid, Meeting>,
    /// How many times each meeting revision and each instrument version came.
    deliveries: HashMap<(Uuid, u32), usize>,
    instruments: HashMap<(String, u32), usize>,
}

async fn interleave(name: &str, push_to: &Server, pull_from: &Server) {
    let started = Instant::now();
    let mut tokens = Vec::new();
    for i in 0..PUSHERS {
        tokens.push(enroll_without_vault(push_to, &format!("pusher-{i}")).await);
    }
    let dir = tempfile::tempdir().unwrap();
    let (vault, _) = Vault::create(dir.path(), "Facilitatrice", PASSPHRASE).unwrap();
    let (vault, puller_token) = {
        let code = tokio::task::block_in_place(|| pull_from.enroll_code("puller"));
        let shared = std::sync::Mutex::new(vault);
        let token = SyncClient::new(&pull_from.url(), None)
            .unwrap()
            .enroll(&code, "puller", &shared)
            .await
            .unwrap_or_else(|e| panic!("enroll the puller: {e}"))
            .token;
        (shared.into_inner().unwrap(), token)
    };

    let pushes_done = Arc::new(AtomicBool::new(false));
    let batches = Arc::new(AtomicUsize::new(0));
    let mut pushers = Vec::new();
    let mut expected: BTreeMap<Uuid, Meeting> = BTreeMap::new();
    for (t, token) in tokens.into_iter().enumerate() {
        let (records, finals) = tablet_records(t);
        expected.extend(finals.into_iter().map(|m| (m.id, m)));
        let client = SyncClient::new(&push_to.url(), Some(token)).unwrap();
        let batches = batches.clone();
        pushers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(t as u64);
            let mut rest = &records[..];
            while !rest.is_empty() {
                // Mostly small batches, now and then a long one: a long transaction that
                // draws its numbers early and commits late is what a cursor could skip.
                let n = if rng.random_range(0..10) == 0 {
                    rng.random_range(20..60)
                } else {
                    rng.random_range(1..8)
                }
                .min(rest.len());
                let (batch, after) = rest.split_at(n);
                rest = after;
                let (resp, _) = client
                    .push(&PushRequest {
                        batch_id: Uuid::now_v7(),
                        records: batch.to_vec(),
                    })
                    .await
                    .unwrap_or_else(|e| panic!("pusher {t}: {e}"));
                assert_eq!(resp.results.len(), n);
                for r in &resp.results {
                    assert_eq!(r.status, PushStatus::Stored, "pusher {t}: {r:?}");
                }
                batches.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let done = pushes_done.clone();
    let watcher = tokio::spawn(async move {
        for p in pushers {
            p.await.expect("pusher");
        }
        done.store(true, Ordering::SeqCst);
    });

    let http = reqwest::Client::new();
    let pull_url = format!("{}/api/v1/sync/pull", pull_from.url());
    let mut rng = StdRng::seed_from_u64(99);
    let mut seen = Pulled::default();
    let mut cursor = 0u64;
    loop {
        // Read before the pull: a page pulled after this is false may still be partial,
        // and the loop only ends on a page that says nothing more waits.
        let pushing = !pushes_done.load(Ordering::SeqCst);
        let limit: u32 = rng.random_range(1..=7);
        let resp = http
            .get(format!("{pull_url}?since={cursor}&limit={limit}"))
            .bearer_auth(&puller_token)
            .send()
            .await
            .expect("pull");
        assert!(resp.status().is_success(), "pull: {}", resp.status());
        let page: PullResponse = resp.json().await.expect("pull answer");
        seen.pulls += 1;
        let items = page.instruments.len() + page.meetings.len();
        assert!(
            items <= limit as usize,
            "{items} items in a page of {limit}"
        );
        assert!(
            page.cursor >= cursor,
            "the cursor went back from {cursor} to {}",
            page.cursor
        );
        assert!(page.roster.is_empty(), "roster codes are never pulled");
        if pushing && items > 0 {
            seen.pages_during_pushes += 1;
            seen.items_during_pushes += items;
        }
        for i in &page.instruments {
            *seen
                .instruments
                .entry((i.id.clone(), i.version))
                .or_default() += 1;
        }
        for m in &page.meetings {
            *seen.deliveries.entry((m.id, m.revision)).or_default() += 1;
            vault.put_remote_meeting(m).unwrap();
            let newer = seen
                .meetings
                .get(&m.id)
                .is_none_or(|held| held.revision < m.revision);
            if newer {
                seen.meetings.insert(m.id, m.clone());
            }
        }
        cursor = page.cursor;
        if !pushing && !page.more {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{name}: still pulling after 5 minutes"
        );
    }
    watcher.await.expect("pushers");
    // Nothing more comes from the last cursor.
    let last: PullResponse = http
        .get(format!("{pull_url}?since={cursor}"))
        .bearer_auth(&puller_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        last.meetings.is_empty() && last.instruments.is_empty() && !last.more,
        "{name}: more came after the last page: {} meetings",
        last.meetings.len()
    );
    assert_eq!(last.cursor, cursor);

    eprintln!(
        "{name}: {} batches pushed, {} pulls ({} pages with {} items while pushes went on), \
         {} meetings at their latest revision, in {:?}",
        batches.load(Ordering::Relaxed),
        seen.pulls,
        seen.pages_during_pushes,
        seen.items_during_pushes,
        seen.meetings.len(),
        started.elapsed()
    );
    // The pulls really were interleaved with the pushes.
    assert!(
        seen.pages_during_pushes >= 20,
        "{name}: only {} pages pulled while pushes went on",
        seen.pages_during_pushes
    );
    // Each stored row is passed by the cursor once: a meeting comes at most once per
    // revision it has (a page reaching its first row may already bring the later one).
    let mut per_meeting: HashMap<Uuid, usize> = HashMap::new();
    for ((id, _), n) in &seen.deliveries {
        *per_meeting.entry(*id).or_default() += n;
    }
    let too_often: Vec<_> = per_meeting
        .iter()
        .filter(|(id, n)| expected.get(id).is_none_or(|m| **n > m.revision as usize))
        .take(5)
        .collect();
    assert!(
        too_often.is_empty(),
        "{name}: meetings delivered more often than they have revisions: {too_often:?}"
    );
    let catalog = Catalog::builtin();
    let mut want_instruments: Vec<_> = catalog.all().map(|i| (i.id.clone(), i.version)).collect();
    want_instruments.sort();
    let mut got_instruments: Vec<_> = seen.instruments.keys().cloned().collect();
    got_instruments.sort();
    assert_eq!(got_instruments, want_instruments, "{name}: instruments");
    assert!(
        seen.instruments.values().all(|n| *n == 1),
        "{name}: an instrument came twice"
    );

    // Every other tablet's meeting, at its latest revision, whole.
    let missing: Vec<_> = expected
        .keys()
        .filter(|id| !seen.meetings.contains_key(id))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: the cursor skipped meetings ({} of {} missing), e.g. {missing:?}",
        expected.len() - seen.meetings.len(),
        expected.len()
    );
    assert_eq!(seen.meetings.len(), expected.len());
    for (id, m) in &expected {
        assert_eq!(
            &seen.meetings[id], m,
            "{name}: meeting {id} not at its latest revision"
        );
    }
    let mut in_vault = vault.meetings().unwrap();
    in_vault.sort_by_key(|m| m.id);
    let want: Vec<_> = expected.values().cloned().collect();
    assert!(in_vault == want, "{name}: the vault holds other meetings");
    assert_eq!(
        vault.pending_count().unwrap(),
        0,
        "pulled meetings are never pushed back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_pushes_to_one_process_pulls_from_the_other_and_the_cursor_skips_nothing() {
    let Some(db) = Database::postgres("the PostgreSQL pull cursor test").await else {
        return;
    };
    let servers = tokio::task::block_in_place(|| Server::start_many(&db, 2));
    assert_eq!(servers[0].engine(), Engine::Postgres);
    interleave("postgres", &servers[0], &servers[1]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_pushes_and_pulls_interleaved_and_the_cursor_skips_nothing() {
    let server = Server::start(&Database::sqlite());
    interleave("sqlite", &server, &server).await;
}
