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
    ("ignored_total", "Totale escluse", "Total left out"),
];

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
}
