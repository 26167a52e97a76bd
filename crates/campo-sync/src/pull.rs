//! The pull half of a sync: what changed on the server since the saved cursor, page by
//! page, stored in the vault.
//!
//! Each page is stored before the cursor moves past it, and the cursor is saved after each
//! page: a drop between pages costs nothing, a drop during one costs that page again
//! (storing a page twice changes nothing: an erasure applied already names nothing held).

use crate::client::SyncClient;
use crate::erasure::apply_erasures;
use crate::error::SyncError;
use crate::project_report::store_project_report;
use crate::rejected::{lock, put_back_unknown_instrument, InstrumentKey};
use crate::review_notes::store_review_notes;
use crate::sync::{SyncSummary, MAX_PULL_PAGES, SETTING_CURSOR, SETTING_TARGETS};
use crate::wire::PullResponse;
use campo_store::Vault;
use std::collections::HashSet;
use std::sync::Mutex;

/// Pulls what changed on the server since the saved cursor, page by page, and stores it.
pub(crate) async fn pull(
    client: &SyncClient,
    vault: &Mutex<Vault>,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let (mut since, mut stored_targets, mut known) = {
        let v = lock(vault);
        let since = v
            .setting(SETTING_CURSOR)?
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let known: HashSet<InstrumentKey> = v
            .instruments()?
            .into_iter()
            .map(|i| (i.id, i.version))
            .collect();
        (since, v.setting(SETTING_TARGETS)?, known)
    };
    summary.cursor = since;
    let mut limit = client.pull_limit();
    while summary.pull_pages < MAX_PULL_PAGES {
        let page = match client.pull(since, limit).await {
            Ok(page) => page,
            // A page too large to read: ask for smaller ones, down to one item.
            Err(SyncError::AnswerTooLarge { .. }) if limit > 1 => {
                limit /= 2;
                continue;
            }
            Err(e) => return Err(e),
        };
        if page.more && page.cursor <= since {
            // Asking again would bring the same page: never loop on it.
            return Err(SyncError::Decode(format!(
                "the server has more to pull but its cursor did not move past {since}"
            )));
        }
        store_page(
            &lock(vault),
            &page,
            &mut known,
            &mut stored_targets,
            summary,
        )?;
        summary.pull_pages += 1;
        summary.instruments_pulled += page.instruments.len() as u64;
        summary.meetings_pulled += page.meetings.len() as u64;
        summary.barriers_pulled += page.barriers.len() as u64;
        summary.notes_pulled += page.notes.len() as u64;
        summary.cursor = page.cursor;
        since = page.cursor;
        if !page.more {
            summary.more_to_pull = false;
            return Ok(());
        }
        summary.more_to_pull = true;
    }
    Ok(())
}

/// Stores one page, then moves the cursor past it.
fn store_page(
    v: &Vault,
    page: &PullResponse,
    known: &mut HashSet<InstrumentKey>,
    stored_targets: &mut Option<String>,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let sent: HashSet<InstrumentKey> = page
        .instruments
        .iter()
        .map(|i| (i.id.clone(), i.version))
        .collect();
    let new: HashSet<InstrumentKey> = sent.difference(known).cloned().collect();
    // The server holds an instrument it lacked before: records it refused for want of it
    // may go through now. Put back before the instrument is stored, so that a crash in
    // between costs at most one resend, never a record left waiting for an instrument that
    // has already arrived.
    summary.requeued += put_back_unknown_instrument(v, &sent, &new)?;
    for instrument in &page.instruments {
        v.put_instrument(instrument)?;
        known.insert((instrument.id.clone(), instrument.version));
    }
    for meeting in &page.meetings {
        v.put_remote_meeting(meeting)?;
    }
    for barrier in &page.barriers {
        v.put_remote_submission(barrier)?;
    }
    if let Some(targets) = &page.targets {
        let json = serde_json::to_string(targets).map_err(|e| SyncError::Encode(e.to_string()))?;
        // Every page carries them; write only what changed.
        if stored_targets.as_deref() != Some(json.as_str()) {
            v.set_setting(SETTING_TARGETS, &json)?;
            *stored_targets = Some(json);
        }
    }
    if let Some(report) = &page.project_report {
        store_project_report(v, report)?;
    }
    store_review_notes(v, &page.notes)?;
    let retired: Vec<(String, u32)> = page
        .retired
        .iter()
        .map(|r| (r.id.clone(), r.version))
        .collect();
    summary.retired_pulled += v.retire_instruments(&retired)? as u64;
    // Every page carries the sheet while the project has one: a page without it says the
    // project has none now. Written only when it changed.
    v.set_information_sheet(page.information_sheet.as_ref())?;
    // Last, so that whatever this page brought (meetings, notes) is scrubbed too.
    summary.erasures_applied += apply_erasures(v, &page.erasures)?;
    // The cursor moves only after everything it covers is stored.
    v.set_setting(SETTING_CURSOR, &page.cursor.to_string())?;
    Ok(())
}
