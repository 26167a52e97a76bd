//! The choices sheet: each list's options, their labels, scores and right answers.

use super::*;

impl Reading {
    pub(super) fn choices(
        &mut self,
        sheet: &Sheet,
        default_language: Lang,
        scoring: Option<Scoring>,
    ) -> HashMap<String, Vec<ChoiceDraft>> {
        let labels = self.text_columns(sheet, "label", default_language);
        self.refuse_unknown_columns(
            sheet,
            &["list_name", "name", "campo_score", "campo_correct"],
            &["label"],
        );
        let list_column = sheet.column("list_name");
        let name_column = sheet.column("name");
        let score_column = sheet.column("campo_score");
        let correct_column = sheet.column("campo_correct");
        let header = |column: Option<usize>, fallback: &'static str| -> String {
            column.map_or(fallback.to_string(), |c| sheet.header(c).to_string())
        };

        let mut lists: HashMap<String, Vec<ChoiceDraft>> = HashMap::new();
        for row in &sheet.rows {
            let place = Some(row.number);
            let list = row.get(list_column).trim();
            let name = row.get(name_column).trim();
            if list.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(list_column, "list_name")),
                    "this option has no list_name: it names the list a select_one or select_multiple uses",
                );
                continue;
            }
            if name.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!("an option of list {list} has no name: the name is the value stored in answers"),
                );
            } else if !is_option_value(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!("option name \"{name}\" is not a Campo option value: lower-case letters, digits and _ only (no spaces), at most 32 characters"),
                );
            } else if let Some(first) = lists
                .get(list)
                .and_then(|options| options.iter().find(|o| o.name == name))
            {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(name_column, "name")),
                    format!(
                        "option name \"{name}\" appears twice in list {list} (first in row {})",
                        first.row
                    ),
                );
            }
            let label = self.bilingual(sheet, row, labels, "label");
            if label.is_none() {
                self.problem(
                    &sheet.name,
                    place,
                    Some("label"),
                    format!("option \"{name}\" of list {list} has no label"),
                );
            }
            let score = match row.get(score_column).trim() {
                "" => None,
                text => {
                    let score = text.parse::<u8>().ok().filter(|s| *s <= 100);
                    if score.is_none() {
                        self.problem(
                            &sheet.name,
                            place,
                            Some(&header(score_column, "campo_score")),
                            format!("campo_score \"{text}\" is not an integer from 0 to 100"),
                        );
                    }
                    score
                }
            };
            let correct_text = row.get(correct_column);
            let correct = self
                .flag(
                    &sheet.name,
                    place,
                    Some(&header(correct_column, "campo_correct")),
                    "campo_correct",
                    correct_text.trim(),
                )
                .unwrap_or(false);
            if correct && scoring.is_some_and(|s| s != Scoring::PercentCorrect) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header(correct_column, "campo_correct")),
                    "campo_correct marks the right answer of a quiz, but campo_scoring is not percent_correct",
                );
            }
            lists
                .entry(list.to_string())
                .or_default()
                .push(ChoiceDraft {
                    row: row.number,
                    name: name.to_string(),
                    label,
                    score,
                    correct,
                });
        }
        lists
    }
}
