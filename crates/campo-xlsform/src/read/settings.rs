//! The settings sheet: the form's id, version, languages, titles and Campo's own settings,
//! and the bilingual text columns every sheet shares.

use super::*;

impl Reading {
    pub(super) fn settings(&mut self, sheet: &Sheet, default_language: Lang) -> Option<Settings> {
        let known = [
            "form_id",
            "version",
            "default_language",
            "form_title",
            "campo_activities",
            "campo_anonymous",
            "campo_scoring",
        ];
        let texts = ["campo_title", "campo_description", "campo_topic"];
        let title_columns = self.text_columns(sheet, "campo_title", default_language);
        let description_columns = self.text_columns(sheet, "campo_description", default_language);
        let topic_columns = self.text_columns(sheet, "campo_topic", default_language);
        self.refuse_unknown_columns(sheet, &known, &texts);

        let Some(row) = sheet.rows.first() else {
            self.problem(
                &sheet.name,
                Some(sheet.header_row + 1),
                None,
                "the settings sheet has no values: Campo needs form_id, version, campo_activities and campo_anonymous",
            );
            return None;
        };
        if let Some(extra) = sheet.rows.get(1) {
            self.problem(
                &sheet.name,
                Some(extra.number),
                None,
                format!(
                    "settings are read from one row (row {}); this row would be ignored: empty it",
                    row.number
                ),
            );
        }
        let place = Some(row.number);
        let value = |key: &str| -> (&str, Option<&str>) {
            match sheet.column(key) {
                Some(c) => (row.get(Some(c)).trim(), Some(sheet.header(c))),
                None => ("", None),
            }
        };

        let id = match value("form_id") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("form_id"),
                    "form_id is missing: it becomes the instrument's id",
                );
                None
            }
            (id, _) if is_identifier(id) => Some(id.to_string()),
            (id, column) => {
                self.problem(
                    &sheet.name,
                    place,
                    column,
                    format!("form_id \"{id}\" is not a Campo id: lower-case letters, digits and _, starting with a letter, at most 64 characters"),
                );
                None
            }
        };

        let version = match value("version") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("version"),
                    "version is missing: Campo needs an integer from 1, raised with each change",
                );
                None
            }
            (text, column) => match text.parse::<u32>() {
                Ok(v) if v >= 1 => Some(v),
                _ => {
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        format!("version \"{text}\" is not an integer from 1 to 4294967295"),
                    );
                    None
                }
            },
        };

        // form_title is the title in the default language, where campo_title does not give it.
        let mut title_columns = title_columns;
        let default_title = title_columns
            .get(default_language)
            .map_or("", |c| row.get(Some(c)));
        if default_title.is_empty() {
            if let Some(column) = sheet.column("form_title") {
                title_columns.set(default_language, Some(column));
            }
        }
        let title = self.bilingual(sheet, row, title_columns, "title");
        if title.is_none() {
            self.problem(
                &sheet.name,
                place,
                Some("form_title"),
                "the form has no title: give form_title, or campo_title::Italian (it) and campo_title::English (en)",
            );
        }
        let description = self.bilingual(sheet, row, description_columns, "description");
        let topic = self.bilingual(sheet, row, topic_columns, "topic");

        let activities = match value("campo_activities") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("campo_activities"),
                    "campo_activities is missing: the activities whose meetings use this instrument (training_course, peer_group, committee)",
                );
                None
            }
            (text, column) => {
                let mut activities = Vec::new();
                let mut fine = true;
                for word in text.split([' ', ',', ';']).filter(|w| !w.is_empty()) {
                    match Activity::ALL
                        .iter()
                        .find(|a| a.code() == word.to_lowercase())
                    {
                        Some(a) if activities.contains(a) => {
                            fine = false;
                            self.problem(
                                &sheet.name,
                                place,
                                column,
                                format!("campo_activities names {word} twice"),
                            );
                        }
                        Some(a) => activities.push(*a),
                        None => {
                            fine = false;
                            self.problem(
                                &sheet.name,
                                place,
                                column,
                                format!("campo_activities: \"{word}\" is not an activity (training_course, peer_group, committee)"),
                            );
                        }
                    }
                }
                if fine && activities.is_empty() {
                    fine = false;
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        "campo_activities names no activity (training_course, peer_group, committee)",
                    );
                }
                fine.then_some(activities)
            }
        };

        let anonymous = match value("campo_anonymous") {
            ("", _) => {
                self.problem(
                    &sheet.name,
                    place,
                    Some("campo_anonymous"),
                    "campo_anonymous is missing: yes if answers must never be linked to a respondent, no otherwise",
                );
                None
            }
            (text, column) => self.flag(&sheet.name, place, column, "campo_anonymous", text),
        };

        let scoring = match value("campo_scoring") {
            ("", _) => Some(Scoring::None),
            (text, column) => {
                let parsed = match text.to_lowercase().as_str() {
                    "percent_correct" => Some(Scoring::PercentCorrect),
                    "mean_score" => Some(Scoring::MeanScore),
                    "count_per_state" => Some(Scoring::CountPerState),
                    "none" => Some(Scoring::None),
                    _ => None,
                };
                if parsed.is_none() {
                    self.problem(
                        &sheet.name,
                        place,
                        column,
                        format!("campo_scoring \"{text}\" is not percent_correct, mean_score, count_per_state or none"),
                    );
                }
                parsed
            }
        };

        Some(Settings {
            sheet: sheet.name.clone(),
            row: row.number,
            id,
            version,
            title,
            description,
            topic,
            activities,
            anonymous,
            scoring,
        })
    }

    /// The language of the form's plain columns (`label`, `hint`, ...).
    pub(super) fn default_language(&mut self, sheet: &Sheet) -> Lang {
        let Some(column) = sheet.column("default_language") else {
            return Lang::It;
        };
        let Some(row) = sheet.rows.first() else {
            return Lang::It;
        };
        let text = row.get(Some(column)).trim();
        if text.is_empty() {
            return Lang::It;
        }
        parse_language(text).unwrap_or_else(|| {
            self.problem(
                &sheet.name,
                Some(row.number),
                Some(sheet.header(column)),
                format!("default_language \"{text}\" is not Italian or English, the languages of Campo's texts"),
            );
            Lang::It
        })
    }

    /// The columns holding `base` in Italian and in English. Columns in other languages, and
    /// two columns giving the same language, are refused.
    pub(super) fn text_columns(
        &mut self,
        sheet: &Sheet,
        base: &str,
        default_language: Lang,
    ) -> TextColumns {
        let mut found = TextColumns::default();
        for (index, column) in sheet.columns.iter().enumerate() {
            if column.key != base {
                continue;
            }
            let lang = match &column.suffix {
                None => default_language,
                Some(suffix) => match parse_language(suffix) {
                    Some(lang) => lang,
                    None => {
                        self.problem(
                            &sheet.name,
                            sheet.first_use(index),
                            Some(&column.header),
                            format!("language \"{suffix}\" is not Italian or English: Campo's texts are in Italian and English only; remove the column or empty it"),
                        );
                        continue;
                    }
                },
            };
            match found.get(lang) {
                Some(other) => self.problem(
                    &sheet.name,
                    Some(sheet.header_row),
                    Some(&column.header),
                    format!(
                        "this column and column {} both give the {} {base}{}",
                        sheet.header(other),
                        language_name(lang),
                        if column.suffix.is_none() || sheet.columns[other].suffix.is_none() {
                            " (a column without a language is in the default_language)"
                        } else {
                            ""
                        }
                    ),
                ),
                None => found.set(lang, Some(index)),
            }
        }
        found
    }

    /// Refuses every column with a value that this reader would not read, so nothing in the
    /// form is lost without its author knowing.
    pub(super) fn refuse_unknown_columns(&mut self, sheet: &Sheet, plain: &[&str], texts: &[&str]) {
        for (index, column) in sheet.columns.iter().enumerate() {
            let known = if texts.contains(&column.key.as_str()) {
                true // languages are checked by text_columns
            } else {
                plain.contains(&column.key.as_str()) && column.suffix.is_none()
            };
            if known {
                continue;
            }
            let reason = match column.key.as_str() {
                "constraint_message" | "required_message" => {
                    "custom messages are not supported (Campo words its own message for an answer it refuses)"
                }
                "calculation" => "calculations are not supported",
                "choice_filter" => "choice filters are not supported (Campo shows every option of a question)",
                "default" => "default answers are not supported",
                "read_only" => "read-only questions are not supported (use a note)",
                "media" | "image" | "big-image" | "big_image" | "audio" | "video" => {
                    "media (pictures, sound, video) are not supported"
                }
                "guidance_hint" => "guidance hints are not supported (use hint)",
                "repeat_count" => "repeats are not supported",
                "trigger" => "triggers are not supported",
                "parameters" => "parameters are not supported",
                _ if plain.contains(&column.key.as_str()) => {
                    "this column takes no language: remove the :: part"
                }
                _ => "",
            };
            let uses = sheet.uses(index);
            let more = if uses > 1 {
                format!(" (used in {uses} rows)")
            } else {
                String::new()
            };
            let message = if reason.is_empty() {
                format!(
                    "column {} is not part of the XLSForm subset Campo reads; remove it or empty it{more}",
                    column.header
                )
            } else {
                format!(
                    "column {}: {reason}; remove it or empty it{more}",
                    column.header
                )
            };
            self.problem(
                &sheet.name,
                sheet.first_use(index),
                Some(&column.header),
                message,
            );
        }
    }

    /// A text in both languages from `columns`; one missing is copied from the other and
    /// listed as untranslated.
    pub(super) fn bilingual(
        &mut self,
        sheet: &Sheet,
        row: &Row,
        columns: TextColumns,
        what: &str,
    ) -> Option<Text> {
        let it = columns
            .it
            .map(|c| row.get(Some(c)))
            .filter(|t| !t.is_empty());
        let en = columns
            .en
            .map(|c| row.get(Some(c)))
            .filter(|t| !t.is_empty());
        let (present, source, missing) = match (it, en) {
            (Some(it), Some(en)) => return Some(Text::new(it, en)),
            (None, None) => return None,
            (Some(it), None) => (it, columns.it, Lang::En),
            (None, Some(en)) => (en, columns.en, Lang::It),
        };
        let from = if missing == Lang::En {
            Lang::It
        } else {
            Lang::En
        };
        self.untranslated.push(Problem {
            sheet: sheet.name.clone(),
            row: Some(row.number),
            column: source.map(|c| sheet.header(c).to_string()),
            message: format!(
                "no {} {what}: the {} text was copied (untranslated)",
                language_name(missing),
                language_name(from)
            ),
        });
        Some(Text::new(present, present))
    }
}
