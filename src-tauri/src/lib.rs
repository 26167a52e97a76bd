//! Campo's app: a thin shell of Tauri commands over campo-core (domain), campo-store (the
//! device vault) and campo-sync (the client). No business logic lives here.

mod asked;
mod barrier_form;
mod barrier_views;
mod carer_view;
mod catalog;
mod commands;
mod error;
mod idle;
mod lockout;
mod network_signal;
mod prefs;
mod state;
mod sync_task;

use state::AppState;
use tauri::Manager;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            // CAMPO_DATA_DIR lets a test or a second facilitator profile start from its own folder.
            let dir = match std::env::var_os("CAMPO_DATA_DIR") {
                Some(d) => std::path::PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&dir)?;
            app.manage(AppState::new(dir));
            sync_task::spawn(app.handle().clone());
            idle::spawn(app.handle().clone());
            lockout::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::access::app_status,
            commands::access::setup,
            commands::access::unlock,
            commands::access::lock,
            commands::access::unlock_with_recovery,
            commands::access::check_passphrase,
            commands::access::facilitators,
            commands::access::change_passphrase,
            commands::access::new_recovery_code,
            commands::access::add_facilitator,
            commands::access::remove_facilitator,
            commands::access::verify_passphrase,
            commands::access::verify_leave_passphrase,
            commands::access::enroll,
            commands::meetings::list_meetings,
            commands::meetings::create_meeting,
            commands::meetings::meeting_view,
            commands::meetings::set_attendance,
            commands::meetings::mark_held,
            commands::meetings::cancel_meeting,
            commands::notes::office_notes,
            commands::collect::instrument_version,
            commands::collect::shown_items,
            commands::collect::save_answers,
            commands::collect::submit,
            commands::collect::unfinished,
            commands::collect::resume_draft,
            commands::collect::discard_draft,
            commands::barriers::barrier_log_view,
            commands::barriers::barrier_form,
            commands::barriers::save_barrier,
            commands::roster::roster,
            commands::roster::add_participant,
            commands::roster::update_participant,
            commands::roster::remove_participant,
            commands::roster::export_roster,
            commands::roster::import_roster,
            commands::consent::record_consent,
            commands::consent::withdraw_consent,
            commands::consent::carer_data,
            commands::outreach::outreach,
            commands::outreach::save_outreach,
            commands::report::report,
            commands::settings::save_prefs,
            commands::settings::activity,
            commands::sync::sync_view,
            commands::sync::sync_now,
            commands::sync::send_again,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Campo");
}
