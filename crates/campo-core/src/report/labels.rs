//! Every text the report shows, in Italian and English. One table, so a translator sees
//! them all in one place and a test can check none is missing.

use crate::i18n::Lang;

/// key, Italian, English.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "Rapporto di valutazione", "Assessment report"),
    ("period", "Periodo", "Period"),
    ("no_meetings", "nessun incontro", "no meetings"),
    // Sections.
    ("training_course", "Corsi di formazione", "Training courses"),
    ("peer_group", "Gruppi di auto mutuo aiuto", "Peer groups"),
    ("committee", "Comitato dei familiari", "Carers' committee"),
    ("totals", "Totali", "Totals"),
    ("outreach", "Comunicazione", "Outreach"),
    ("ignored", "Compilazioni escluse", "Submissions left out"),
    // Columns.
    ("col_section", "sezione", "section"),
    ("col_activity", "attività", "activity"),
    ("col_figure", "indicatore", "figure"),
    ("col_value", "valore", "value"),
    ("col_n", "n", "n"),
    ("col_target", "obiettivo", "target"),
    ("col_met", "raggiunto", "met"),
    ("yes", "sì", "yes"),
    ("no", "no", "no"),
    ("no_data", "nessun dato", "no data"),
    ("all_periods", "tutti i periodi", "all periods"),
    // Meetings.
    (
        "meetings_planned",
        "Incontri programmati",
        "Meetings planned",
    ),
    ("meetings_held", "Incontri svolti", "Meetings held"),
    (
        "meetings_cancelled",
        "Incontri annullati",
        "Meetings cancelled",
    ),
    ("cancelled_on", "Annullato il", "Cancelled on"),
    (
        "average_participants",
        "Partecipanti medi per incontro",
        "Average participants per meeting",
    ),
    ("attendances", "Presenze complessive", "Overall attendances"),
    // Training.
    (
        "understanding",
        "Comprensione (quiz finale, % corrette)",
        "Understanding (post quiz, % correct)",
    ),
    (
        "post_answered",
        "Quiz finali compilati su presenze",
        "Post quizzes answered out of attendances",
    ),
    ("pre", "Quiz iniziale (% corrette)", "Pre quiz (% correct)"),
    (
        "gain",
        "Miglioramento prima-dopo (punti)",
        "Pre to post gain (points)",
    ),
    ("satisfaction", "Soddisfazione (%)", "Satisfaction (%)"),
    (
        "quiz_pre",
        "quiz iniziale (% corrette)",
        "pre quiz (% correct)",
    ),
    (
        "quiz_post",
        "quiz finale (% corrette)",
        "post quiz (% correct)",
    ),
    ("quiz_gain", "miglioramento (punti)", "gain (points)"),
    // Peer groups.
    ("answers_level", "Risposte", "Answers"),
    // Committee.
    (
        "evaluations",
        "Valutazioni degli obiettivi",
        "Goal evaluations",
    ),
    (
        "latest_evaluation",
        "Ultima valutazione",
        "Latest evaluation",
    ),
    ("goals_in_state", "Obiettivi", "Goals"),
    ("goal", "Obiettivo", "Goal"),
    ("not_evaluated", "non valutato", "not evaluated"),
    // Totals.
    (
        "carers_involved",
        "Familiari coinvolti (somma delle presenze)",
        "Carers involved (sum of attendances)",
    ),
    (
        "distinct_participants",
        "Partecipanti con codice distinti",
        "Distinct coded participants",
    ),
    (
        "anonymous_attendances",
        "Presenze anonime",
        "Anonymous attendances",
    ),
    (
        "carers_reached",
        "Familiari raggiunti (codici distinti + presenze anonime)",
        "Carers reached (distinct codes + anonymous attendances)",
    ),
    (
        "mean_satisfaction",
        "Soddisfazione media (%)",
        "Mean satisfaction (%)",
    ),
    ("months", "Mesi del progetto", "Pilot months"),
    // Outreach.
    ("page_likes", "Mi piace alla pagina", "Page likes"),
    ("site_visits", "Visite al sito", "Site visits"),
    ("downloads", "Download", "Downloads"),
    (
        "new_patients_informed",
        "Nuovi pazienti informati",
        "New patients informed",
    ),
    // Ignored.
    (
        "replaced",
        "Sostituite da una correzione",
        "Replaced by a correction",
    ),
    ("unknown_meeting", "Incontro sconosciuto", "Unknown meeting"),
    (
        "meeting_not_held",
        "Incontro non svolto",
        "Meeting not held",
    ),
    (
        "unknown_instrument",
        "Strumento sconosciuto",
        "Unknown instrument",
    ),
    (
        "wrong_activity",
        "Strumento non previsto per l'attività",
        "Instrument not meant for the activity",
    ),
    (
        "quiz_without_phase",
        "Quiz senza fase prima/dopo",
        "Quiz without pre/post phase",
    ),
    (
        "follow_up_without_barrier",
        "Aggiornamenti senza la loro barriera",
        "Follow-ups without their barrier",
    ),
    ("ignored_total", "Totale escluse", "Total left out"),
    // Co-assessment.
    ("co_assessment", "Co-valutazione", "Co-assessment"),
    (
        "roles_carers",
        "Partecipanti: familiari",
        "Participants: carers",
    ),
    (
        "roles_provider_staff",
        "Partecipanti: personale dell'ente gestore",
        "Participants: provider staff",
    ),
    (
        "roles_researchers",
        "Partecipanti: ricercatori",
        "Participants: researchers",
    ),
    (
        "barriers",
        "Barriere alla co-produzione",
        "Barriers to co-production",
    ),
    ("barriers_total", "Barriere registrate", "Barriers logged"),
    ("follow_ups", "Aggiornamenti", "Follow-ups"),
    (
        "cause_absence_of_information",
        "Mancanza di informazione",
        "Absence of information",
    ),
    (
        "cause_insufficient_trust",
        "Fiducia insufficiente",
        "Insufficient level of trust",
    ),
    (
        "cause_unclear_expectations",
        "Aspettative poco chiare",
        "Lack of clear expectations",
    ),
    (
        "cause_inability_to_serve",
        "Incapacità di offrire il servizio",
        "Inability to serve",
    ),
    (
        "cause_inability_to_change",
        "Incapacità di cambiare",
        "Inability to change",
    ),
    ("cause_mistakes", "Errori", "Mistakes"),
    (
        "cause_customer_misbehaviour",
        "Comportamento scorretto degli utenti",
        "Customer misbehaviour",
    ),
    ("cause_blaming", "Attribuzione di colpe", "Blaming"),
    (
        "cause_lack_of_bureaucratic_skills",
        "Mancanza di competenze burocratiche",
        "Lack of bureaucratic skills",
    ),
    (
        "cause_lack_of_transparency",
        "Mancanza di trasparenza",
        "Lack of transparency",
    ),
    ("cause_other", "Altro", "Other"),
    ("stage_before", "sorte prima", "arose before"),
    ("stage_during", "sorte durante", "arose during"),
    ("stage_after", "sorte dopo", "arose after"),
    (
        "status_open",
        "aperte (correttivo non ancora deciso)",
        "open (no adjustment decided yet)",
    ),
    (
        "status_planned",
        "correttivo previsto",
        "adjustment planned",
    ),
    ("status_done", "correttivo attuato", "adjustment done"),
    (
        "status_not_possible",
        "correttivo non possibile",
        "adjustment not possible",
    ),
    ("raised_by", "Sollevate da", "Raised by"),
    ("raised_by_carer", "familiari", "carers"),
    ("raised_by_provider", "ente gestore", "service provider"),
    ("raised_by_researcher", "ricercatori", "researchers"),
    ("effect", "Effetto attuale", "Current effect"),
    ("effect_none_yet", "ancora nessuno", "none yet"),
    (
        "effect_value_diminished",
        "valore ridotto",
        "value diminished",
    ),
    (
        "effect_irreparable_loss",
        "perdita irreparabile",
        "irreparable loss",
    ),
    ("plan", "Piano delle co-valutazioni", "Co-assessment plan"),
    ("as_of", "Alla data del", "As of"),
    (
        "plan_no_dates",
        "Nessuna co-valutazione pianificata: mancano le date del progetto",
        "No co-assessment planned: the pilot's dates are not set",
    ),
    ("plan_before", "Prima dell'avvio", "Before the pilot"),
    ("plan_during", "Durante il progetto", "During the pilot"),
    ("plan_after", "Dopo la conclusione", "After the pilot"),
    ("plan_done", "svolta", "done"),
    ("plan_missing", "mancata", "missing"),
    ("plan_not_yet_due", "non ancora dovuta", "not yet due"),
    (
        "signals",
        "Segnali per la prossima co-valutazione",
        "Signals for the next co-assessment",
    ),
    ("signals_count", "Segnali", "Signals raised"),
    ("signal_causes", "cause da discutere", "causes to discuss"),
    ("signal_thresholds", "soglie", "thresholds"),
];

/// The text for `key` in `lang`, or `None` when there is none (a code from the records,
/// such as a cause added by a later instrument version).
pub(crate) fn try_label(key: &str, lang: Lang) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, it, en)| match lang {
            Lang::It => *it,
            Lang::En => *en,
        })
}

/// The text for `key` in `lang`. An unknown key is a defect in this module: tests (built
/// with debug assertions) fail on it; a release build shows the key rather than nothing.
pub fn label(key: &str, lang: Lang) -> &str {
    match LABELS.iter().find(|(k, _, _)| *k == key) {
        Some((_, it, en)) => match lang {
            Lang::It => it,
            Lang::En => en,
        },
        None => {
            debug_assert!(false, "report label {key:?} is missing");
            key
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages_and_a_unique_key() {
        for (i, (key, it, en)) in LABELS.iter().enumerate() {
            assert!(!it.is_empty() && !en.is_empty(), "{key}");
            assert!(
                LABELS[i + 1..].iter().all(|(k, _, _)| k != key),
                "duplicate {key}"
            );
        }
    }

    #[test]
    fn every_code_of_the_barrier_log_has_a_label() {
        use crate::barrier::{CAUSES, EFFECTS, RAISED_BY, STAGES, STATUSES};
        let groups: [(&str, &[&str]); 5] = [
            ("cause", &CAUSES),
            ("stage", &STAGES),
            ("raised_by", &RAISED_BY),
            ("effect", &EFFECTS),
            ("status", &STATUSES),
        ];
        for (prefix, codes) in groups {
            for code in codes {
                assert!(try_label(&format!("{prefix}_{code}"), Lang::En).is_some());
            }
        }
        for state in ["done", "missing", "not_yet_due"] {
            assert!(try_label(&format!("plan_{state}"), Lang::It).is_some());
        }
    }
}
