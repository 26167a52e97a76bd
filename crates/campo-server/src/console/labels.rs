//! The console's own words, in Italian and English. The report's figures keep their labels
//! in campo-core, shared with the tablet, the CLI and the exports.

use campo_core::Lang;

const LABELS: &[(&str, &str, &str)] = &[
    ("console", "Campo: ufficio", "Campo: office"),
    ("login", "Accedi", "Sign in"),
    ("logout", "Esci", "Sign out"),
    ("user_name", "Nome utente", "User name"),
    ("password", "Password", "Password"),
    ("new_password", "Nuova password", "New password"),
    ("current_password", "Password attuale", "Current password"),
    (
        "repeat_password",
        "Ripeti la nuova password",
        "Repeat the new password",
    ),
    ("change_password", "Cambia password", "Change password"),
    ("set_password", "Imposta la password", "Set the password"),
    (
        "password_changed",
        "Password cambiata.",
        "Password changed.",
    ),
    (
        "password_set",
        "Password impostata: ora puoi accedere.",
        "Password set: you can sign in now.",
    ),
    (
        "password_rule",
        "Almeno 12 caratteri.",
        "At least 12 characters.",
    ),
    (
        "password_too_short",
        "La password deve avere almeno 12 caratteri.",
        "The password must be at least 12 characters long.",
    ),
    (
        "password_too_long",
        "La password può avere al massimo 256 caratteri.",
        "The password may be at most 256 characters long.",
    ),
    (
        "passwords_differ",
        "Le due password non coincidono.",
        "The two passwords differ.",
    ),
    (
        "wrong_login",
        "Nome utente o password errati.",
        "Wrong user name or password.",
    ),
    (
        "wrong_password",
        "La password attuale è errata.",
        "The current password is wrong.",
    ),
    (
        "too_many_logins",
        "Troppi tentativi falliti: riprova tra 15 minuti.",
        "Too many failed attempts: try again in 15 minutes.",
    ),
    (
        "link_invalid",
        "Il link non è valido o è scaduto: chiedine uno nuovo all'amministratore.",
        "The link is invalid or has expired: ask the administrator for a new one.",
    ),
    ("overview", "Panoramica", "Overview"),
    ("devices", "Dispositivi", "Devices"),
    ("audit", "Registro attività", "Audit log"),
    ("users", "Utenti", "Users"),
    ("projects", "Progetti", "Projects"),
    ("account", "Il mio account", "My account"),
    ("project", "Progetto", "Project"),
    ("show", "Mostra", "Show"),
    ("language", "Lingua", "Language"),
    ("signed_in_as", "Accesso come", "Signed in as"),
    ("role", "Ruolo", "Role"),
    ("role_admin", "Amministratore", "Administrator"),
    ("role_coordinator", "Coordinatore", "Coordinator"),
    ("role_psychologist", "Psicologo", "Psychologist"),
    ("role_viewer", "Osservatore", "Viewer"),
    (
        "peer_groups_only",
        "Vedi i gruppi di mutuo aiuto e i totali del progetto.",
        "You see the peer groups and the project's totals.",
    ),
    ("print", "Stampa", "Print"),
    ("name", "Nome", "Name"),
    ("device_name", "Dispositivo", "Device"),
    ("vault", "Archivio", "Vault"),
    ("enrolled", "Registrato", "Enrolled"),
    ("last_sync", "Ultima sincronizzazione", "Last sync"),
    ("records", "Record inviati", "Records sent"),
    ("state", "Stato", "State"),
    ("active", "Attivo", "Active"),
    ("revoked", "Revocato", "Revoked"),
    ("revoke", "Revoca", "Revoke"),
    (
        "enroll",
        "Registra un nuovo dispositivo",
        "Enroll a new device",
    ),
    (
        "enroll_for",
        "Per chi o quale dispositivo",
        "Who or which device it is for",
    ),
    ("enroll_code", "Codice di registrazione", "Enrollment code"),
    (
        "enroll_help",
        "Nell'app: Impostazioni, Server. Il codice vale 15 minuti e una volta sola.",
        "In the app: Settings, Server. The code is valid for 15 minutes, once.",
    ),
    ("expires", "Scade", "Expires"),
    ("none", "Nessuno", "None"),
    ("when", "Quando", "When"),
    ("who", "Chi", "Who"),
    ("address", "Indirizzo", "Address"),
    ("action", "Azione", "Action"),
    ("target", "Oggetto", "Target"),
    ("detail", "Dettaglio", "Detail"),
    ("filter", "Filtra", "Filter"),
    ("from", "Dal", "From"),
    ("to", "Al", "To"),
    ("activity", "Attività", "Activity"),
    ("place", "Luogo", "Place"),
    ("facilitator", "Conduttore", "Facilitator"),
    ("trend", "Andamento mese per mese", "Month by month"),
    ("month", "Mese", "Month"),
    ("any", "Tutte", "Any"),
    ("older", "Più vecchie", "Older"),
    ("add_user", "Aggiungi un utente", "Add a user"),
    ("add", "Aggiungi", "Add"),
    ("disable", "Disattiva", "Disable"),
    ("enable", "Riattiva", "Enable"),
    ("disabled", "Disattivato", "Disabled"),
    ("reset", "Nuovo link per la password", "New password link"),
    (
        "no_password_yet",
        "Password non ancora impostata",
        "No password set yet",
    ),
    (
        "link_for",
        "Link per impostare la password (valido 24 ore, una volta sola)",
        "Link to set the password (valid 24 hours, once)",
    ),
    (
        "link_no_public_url",
        "Avvia il server con --public-url perché il link abbia l'indirizzo completo.",
        "Start the server with --public-url for the link to carry the full address.",
    ),
    ("add_project", "Aggiungi un progetto", "Add a project"),
    ("project_id", "Codice (a-z, 0-9, -)", "Id (a-z, 0-9, -)"),
    ("targets", "Obiettivi", "Targets"),
    (
        "eligible_carers",
        "Familiari che assistono nella valle",
        "Eligible family carers",
    ),
    (
        "reach_fraction",
        "Quota da raggiungere (0-1)",
        "Share to reach (0-1)",
    ),
    ("pilot_start", "Inizio del progetto", "Pilot start"),
    ("pilot_end", "Fine del progetto", "Pilot end"),
    ("courses_per_month", "Corsi al mese", "Courses per month"),
    (
        "peer_meetings_per_month",
        "Gruppi di mutuo aiuto al mese",
        "Peer groups per month",
    ),
    (
        "satisfaction_min",
        "Soddisfazione minima (%)",
        "Minimum satisfaction (%)",
    ),
    (
        "understanding_min",
        "Comprensione minima (%)",
        "Minimum understanding (%)",
    ),
    (
        "co_assessment_every_months",
        "Una co-valutazione ogni (mesi)",
        "A co-assessment every (months)",
    ),
    ("save", "Salva", "Save"),
    ("saved", "Salvato.", "Saved."),
    ("error", "Errore", "Error"),
    (
        "not_allowed",
        "Il tuo ruolo non permette di vedere questa pagina.",
        "Your role does not allow this page.",
    ),
    ("not_found", "Non trovato.", "Not found."),
    ("skip", "Vai al contenuto", "Skip to content"),
    ("meetings", "Incontri", "Meetings"),
    ("instruments", "Questionari", "Questionnaires"),
    ("version", "Versione", "Version"),
    ("published", "Pubblicato", "Published"),
    ("unpublished", "Non pubblicato", "Unpublished"),
    ("publish", "Pubblica", "Publish"),
    ("retire", "Ritira", "Retire"),
    ("retired", "Ritirato", "Retired"),
    ("never", "Mai", "Never"),
    ("device", "Tablet", "Tablet"),
    (
        "free_text_hint",
        "Non scrivere nomi né informazioni sulla salute di altre persone.",
        "Do not write names or health details of other people.",
    ),
    ("carers", "Diritti dei caregiver", "Carers' rights"),
    (
        "carers_intro",
        "Scrivi il codice di un caregiver per vedere tutto ciò che il progetto conserva con quel codice, scaricarlo o dimenticarlo.",
        "Type a carer's code to see everything the project holds under it, download it or forget it.",
    ),
    ("carer_code", "Codice del caregiver", "Carer's code"),
    ("carer_look", "Cerca", "Look up"),
    ("carer_held", "Conservato con il codice", "Held under the code"),
    (
        "carer_nothing_held",
        "Il progetto non conserva nulla con questo codice.",
        "The project holds nothing under this code.",
    ),
    (
        "carer_code_invalid",
        "Questo non è un codice: da 1 a 64 caratteri, senza spazi all'inizio o alla fine.",
        "This is not a code: 1 to 64 characters, without spaces at either end.",
    ),
    ("consent", "Consenso", "Consent"),
    ("consent_given", "Dato il", "Given on"),
    ("consent_withdrawn", "Ritirato il", "Withdrawn on"),
    ("sheet_version", "scheda informativa", "information sheet"),
    ("scope_questionnaires", "questionari", "questionnaires"),
    ("scope_contact", "contatti", "contact"),
    ("attendances", "Presenze", "Attendances"),
    ("answered_on", "Compilato il", "Answered on"),
    ("carer_download", "Scarica (JSON)", "Download (JSON)"),
    ("carer_forget", "Dimentica il caregiver", "Forget the carer"),
    (
        "carer_forget_explained",
        "Il codice sparisce da ogni dato del progetto sul server, versioni precedenti comprese: le presenze restano come anonime, le risposte contano ancora nei totali ma non sono più appaiate prima/dopo. I tablet lo applicano alla prossima sincronizzazione e cancellano nome e contatti. Non si può annullare.",
        "The code is removed from every record of the project on the server, earlier revisions included: attendances stay as anonymous ones, answers still count in the totals but are no longer paired before and after. Tablets apply it at their next sync and delete the name and contact. It cannot be undone.",
    ),
    (
        "carer_forget_confirm",
        "Ho capito che non si può annullare",
        "I understand this cannot be undone",
    ),
    (
        "carer_forget_unconfirmed",
        "Spunta la conferma per dimenticare il caregiver.",
        "Tick the confirmation to forget the carer.",
    ),
    (
        "carer_forgotten",
        "Caregiver dimenticato: i tablet lo applicheranno alla prossima sincronizzazione.",
        "Carer forgotten: tablets apply it at their next sync.",
    ),
    ("privacy", "Privacy", "Privacy"),
    (
        "sheet_help",
        "La scheda informativa che il facilitatore mostra prima di chiedere il consenso: i tablet la ricevono alla prossima sincronizzazione, e da allora un questionario con codice richiede il consenso. Lascia vuoti i tre campi per non averne.",
        "The information sheet the facilitator shows before asking for consent: tablets get it at their next sync, and from then on a coded questionnaire needs consent. Leave the three fields empty for none.",
    ),
    ("sheet_version_label", "Versione della scheda informativa", "Information sheet version"),
    ("sheet_text_it", "Testo in italiano", "Text in Italian"),
    ("sheet_text_en", "Testo in inglese", "Text in English"),
    (
        "retention_months",
        "Conservazione: mesi dopo la fine del progetto pilota (vuoto: senza limite)",
        "Retention: months after the pilot's end (empty: no limit)",
    ),
    ("chart_bars", "barre", "bars"),
    ("chart_line", "linea, da 0 a 100%", "line, 0 to 100%"),
    ("upload_form", "Carica un XLSForm", "Upload an XLSForm"),
    (
        "xlsform_file",
        "File XLSForm (.xlsx)",
        "XLSForm file (.xlsx)",
    ),
    ("upload", "Carica", "Upload"),
    (
        "upload_refused",
        "Il modulo non è stato aggiunto:",
        "The form was not added:",
    ),
    ("no_file", "Nessun file scelto.", "No file chosen."),
    (
        "added_unpublished",
        "aggiunto, non pubblicato: i tablet lo ricevono dopo la pubblicazione",
        "added, unpublished: tablets get it once it is published",
    ),
    ("meeting", "Incontro", "Meeting"),
    ("submissions", "Risposte", "Submissions"),
    ("exports", "Esportazioni", "Exports"),
    ("date", "Data", "Date"),
    ("topic", "Argomento", "Topic"),
    ("attendance", "Presenze", "Attendance"),
    ("planned", "Programmato", "Planned"),
    ("held", "Svolto", "Held"),
    ("cancelled", "Annullato", "Cancelled"),
    ("instrument", "Questionario", "Questionnaire"),
    ("respondent", "Codice partecipante", "Participant code"),
    ("score", "Punteggio", "Score"),
    ("review", "Revisione", "Review"),
    ("change_review", "Cambia revisione", "Change the review"),
    (
        "comment",
        "Commento (arriva al tablet che l'ha inviata)",
        "Comment (reaches the tablet that sent it)",
    ),
    ("correction", "correzione", "correction"),
    ("review_received", "Ricevuta", "Received"),
    ("review_has_issues", "Da rivedere", "Has issues"),
    ("review_approved", "Approvata", "Approved"),
    ("review_excluded", "Esclusa", "Excluded"),
    (
        "bulk_review",
        "Revisione delle risposte selezionate",
        "Review the ticked submissions",
    ),
    ("select", "Seleziona", "Select"),
    ("shown", "Mostrate", "Shown"),
    ("format", "Formato", "Format"),
    ("download", "Scarica", "Download"),
    ("counting", "Risposte contate", "Submissions counted"),
    (
        "count_all_but_excluded",
        "Tutte tranne le escluse",
        "All but the excluded ones",
    ),
    (
        "count_approved_only",
        "Solo le approvate",
        "Approved ones only",
    ),
];

/// The label for `key` in `lang`; the key itself if it has none (a test keeps that from
/// happening for the keys the console uses).
pub fn t(key: &str, lang: Lang) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, it, en)| match lang {
            Lang::It => *it,
            Lang::En => *en,
        })
        .unwrap_or_else(|| {
            debug_assert!(false, "no console label {key:?}");
            "?"
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_once_in_both_languages() {
        let mut keys: Vec<&str> = LABELS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key is listed twice");
        for (k, it, en) in LABELS {
            assert!(!it.is_empty() && !en.is_empty(), "{k}");
        }
    }
}
