//! Campo's app: a thin shell of Tauri commands over campo-core (domain), campo-store (the
//! device vault) and campo-sync (the client). No business logic lives here.

mod catalog;
mod commands;
mod error;
mod idle;
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
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::access::app_status,
            commands::access::setup,
            commands::access::unlock,
            commands::access::lock,
            commands::access::verify_passphrase,
            commands::access::enroll,
            commands::meetings::list_meetings,
            commands::meetings::create_meeting,
            commands::meetings::meeting_view,
            commands::meetings::add_participant,
            commands::meetings::set_attendance,
            commands::meetings::mark_held,
            commands::meetings::cancel_meeting,
            commands::collect::submit,
            commands::report::report,
            commands::settings::save_prefs,
            commands::settings::activity,
            commands::sync::sync_view,
            commands::sync::sync_now,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Campo");
}
