//! The survey sheet: one item per row, its type, texts, rules and skip conditions.

use super::*;

impl Reading {
    pub(super) fn survey(
        &mut self,
        sheet: &Sheet,
        default_language: Lang,
        lists: &HashMap<String, Vec<ChoiceDraft>>,
        choices_sheet: Option<&str>,
        scoring: Option<Scoring>,
    ) -> Option<Vec<Item>> {
        let labels = self.text_columns(sheet, "label", default_language);
        let hints = self.text_columns(sheet, "hint", default_language);
        self.refuse_unknown_columns(
            sheet,
            &[
                "type",
                "name",
                "required",
                "constraint",
                "relevant",
                "appearance",
                "campo_faces",
            ],
            &["label", "hint"],
        );
        let columns: HashMap<&str, Option<usize>> = [
            "type",
            "name",
            "required",
            "constraint",
            "relevant",
            "appearance",
            "campo_faces",
        ]
        .into_iter()
        .map(|key| (key, sheet.column(key)))
        .collect();
        let header = |key: &'static str| -> String {
            columns[key].map_or(key.to_string(), |c| sheet.header(c).to_string())
        };

        let mut drafts: Vec<Draft> = Vec::new();
        let mut names: HashMap<String, u32> = HashMap::new();
        for row in &sheet.rows {
            let place = Some(row.number);
            let cell = |key: &str| row.get(columns[key]).trim();
            let type_text = cell("type")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if type_text.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("type")),
                    "this row has no type: give one (select_one, select_multiple, integer, decimal, text, date, note) or empty the row",
                );
                continue;
            }
            let kind = match parse_type(&type_text) {
                Ok(kind) => kind,
                Err(message) => {
                    self.problem(&sheet.name, place, Some(&header("type")), message);
                    continue;
                }
            };

            let name = cell("name");
            if name.is_empty() {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("the {type_text} question has no name: it becomes the item's id"),
                );
            } else if !is_identifier(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("name \"{name}\" is not a Campo id: lower-case letters, digits and _, starting with a letter, at most 64 characters"),
                );
            } else if let Some(first) = names.get(name) {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("name")),
                    format!("name \"{name}\" is used twice (first in row {first}): names must be unique"),
                );
            }
            names.entry(name.to_string()).or_insert(row.number);

            let label = self.bilingual(sheet, row, labels, "label");
            if label.is_none() {
                self.problem(
                    &sheet.name,
                    place,
                    Some("label"),
                    format!("question \"{name}\" has no label"),
                );
            }
            let help = self.bilingual(sheet, row, hints, "hint");

            let required = self
                .flag(
                    &sheet.name,
                    place,
                    Some(&header("required")),
                    "required",
                    cell("required"),
                )
                .unwrap_or(false);
            if required && kind == Kind::Note {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("required")),
                    "a note is never answered, so it cannot be required",
                );
            }

            let single = matches!(
                kind,
                Kind::Select {
                    multiple: false,
                    ..
                }
            );
            let likert = match cell("appearance").to_lowercase().as_str() {
                "" => false,
                "likert" if single => true,
                "likert" => {
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&header("appearance")),
                        format!("appearance likert applies to a select_one question, not to {type_text}"),
                    );
                    false
                }
                other => {
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&header("appearance")),
                        format!("appearance \"{other}\" is not supported: Campo reads likert (on select_one) only"),
                    );
                    false
                }
            };
            let faces = self
                .flag(
                    &sheet.name,
                    place,
                    Some(&header("campo_faces")),
                    "campo_faces",
                    cell("campo_faces"),
                )
                .unwrap_or(false);
            if faces && !likert {
                self.problem(
                    &sheet.name,
                    place,
                    Some(&header("campo_faces")),
                    "campo_faces puts faces on the buttons of a likert scale, and this question has no appearance likert",
                );
            }

            let (mut min, mut max, mut max_length) = (None, None, None);
            let constraint = cell("constraint");
            if !constraint.is_empty() {
                let fault = match (&kind, expr::parse_constraint(constraint)) {
                    (Kind::Number, Ok(Constraint::Bounds { min: lo, max: hi })) => {
                        (min, max) = (lo, hi);
                        match (lo, hi) {
                            (Some(lo), Some(hi)) if lo > hi => Some(format!(
                                "constraint \"{constraint}\": the lower bound {lo} is above the upper bound {hi}"
                            )),
                            _ => None,
                        }
                    }
                    (Kind::Text, Ok(Constraint::MaxLength(n))) => {
                        max_length = Some(n);
                        None
                    }
                    (Kind::Number | Kind::Text, Ok(_)) => Some(format!(
                        "constraint \"{constraint}\" does not apply to a {type_text} question: numbers take . >= A and . <= B, texts string-length(.) <= N"
                    )),
                    (Kind::Number | Kind::Text, Err(message)) => Some(message),
                    (_, _) => Some(format!(
                        "constraint \"{constraint}\" on a {type_text} question is not supported: Campo checks bounds on numbers and the length of texts only"
                    )),
                };
                if let Some(message) = fault {
                    self.problem(&sheet.name, place, Some(&header("constraint")), message);
                }
            }

            let relevant_text = cell("relevant");
            let relevant = if relevant_text.is_empty() {
                None
            } else {
                match expr::parse_relevant(relevant_text) {
                    Ok(condition) => Some((condition, relevant_text.to_string())),
                    Err(message) => {
                        self.problem(&sheet.name, place, Some(&header("relevant")), message);
                        None
                    }
                }
            };

            drafts.push(Draft {
                row: row.number,
                name: name.to_string(),
                kind,
                likert,
                faces,
                label,
                help,
                required,
                min,
                max,
                max_length,
                relevant,
            });
        }

        if drafts.is_empty() {
            if sheet.rows.is_empty() {
                self.problem(&sheet.name, None, None, "the survey sheet has no questions");
            }
            return None;
        }

        let mut items = Vec::new();
        let mut scoreless_lists: Vec<&str> = Vec::new();
        for (index, draft) in drafts.iter().enumerate() {
            let place = Some(draft.row);
            let mut options = Vec::new();
            if let Kind::Select { list, .. } = &draft.kind {
                match lists.get(list) {
                    None => self.problem(
                        &sheet.name,
                        place,
                        Some(&header("type")),
                        if choices_sheet.is_some() {
                            format!("list {list} is not in the choices sheet")
                        } else {
                            format!("list {list} is not in the choices sheet (the form has no choices sheet)")
                        },
                    ),
                    Some(choices) => {
                        if draft.likert && !scoreless_lists.contains(&list.as_str()) {
                            let mut reported = false;
                            for choice in choices.iter().filter(|c| c.score.is_none()) {
                                reported = true;
                                self.problem(
                                    choices_sheet.unwrap_or(CHOICES),
                                    Some(choice.row),
                                    Some("campo_score"),
                                    format!(
                                        "option \"{}\" of list {list} has no campo_score: question \"{}\" is a likert scale, and each option of a scale needs a score from 0 to 100",
                                        choice.name, draft.name
                                    ),
                                );
                            }
                            if reported {
                                scoreless_lists.push(list);
                            }
                        }
                        if scoring == Some(Scoring::PercentCorrect) && !draft.likert {
                            let correct = choices.iter().filter(|c| c.correct).count();
                            if correct != 1 {
                                self.problem(
                                    &sheet.name,
                                    place,
                                    Some(&header("type")),
                                    format!(
                                        "question \"{}\" of a quiz (campo_scoring percent_correct) needs exactly one option with campo_correct yes in list {list}; it has {correct}",
                                        draft.name
                                    ),
                                );
                            }
                        }
                        options = choices
                            .iter()
                            .map(|c| Choice {
                                value: c.name.clone(),
                                label: c.label.clone().unwrap_or_default(),
                                score: c.score,
                                correct: c.correct,
                            })
                            .collect();
                    }
                }
            }

            let relevant = draft.relevant.as_ref().and_then(|(condition, text)| {
                self.relevant(
                    sheet,
                    &drafts[..index],
                    draft,
                    condition,
                    text,
                    lists,
                    &names,
                )
            });

            let item_type = match &draft.kind {
                Kind::Select { multiple: true, .. } => ItemType::MultipleChoice,
                Kind::Select { .. } if draft.likert => ItemType::Scale,
                Kind::Select { .. } => ItemType::SingleChoice,
                Kind::Number => ItemType::Number,
                Kind::Text => ItemType::Text,
                Kind::Date => ItemType::Date,
                Kind::Note => ItemType::Note,
            };
            self.item_rows
                .entry(draft.name.clone())
                .or_insert(draft.row);
            items.push(Item {
                id: draft.name.clone(),
                item_type,
                label: draft.label.clone().unwrap_or_default(),
                help: draft.help.clone(),
                required: draft.required,
                options,
                faces: draft.faces,
                min: draft.min,
                max: draft.max,
                max_length: draft.max_length,
                relevant,
            });
        }
        Some(items)
    }

    /// A parsed `relevant` checked against the questions before it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn relevant(
        &mut self,
        sheet: &Sheet,
        earlier: &[Draft],
        draft: &Draft,
        condition: &expr::Condition,
        text: &str,
        lists: &HashMap<String, Vec<ChoiceDraft>>,
        names: &HashMap<String, u32>,
    ) -> Option<Relevant> {
        let place = Some(draft.row);
        let column = sheet
            .column("relevant")
            .map_or("relevant".to_string(), |c| sheet.header(c).to_string());
        let q = &condition.item;
        let Some(target) = earlier.iter().find(|d| &d.name == q) else {
            let message = match names.get(q) {
                Some(row) => format!(
                    "relevant \"{text}\" looks at ${{{q}}} (row {row}), which is not an earlier question: conditions may only look back"
                ),
                None => format!("relevant \"{text}\" looks at ${{{q}}}, which is not a question of this form"),
            };
            self.problem(&sheet.name, place, Some(&column), message);
            return None;
        };
        let Kind::Select { multiple, list } = &target.kind else {
            self.problem(
                &sheet.name,
                place,
                Some(&column),
                format!("relevant \"{text}\" looks at ${{{q}}}, which is not a select_one or select_multiple question: Campo's conditions look at the answer to a choice"),
            );
            return None;
        };
        let mut fine = true;
        if *multiple && condition.clauses.iter().any(|(t, _)| *t == Test::Equals) {
            fine = false;
            self.problem(
                &sheet.name,
                place,
                Some(&column),
                format!("relevant \"{text}\": on the select_multiple ${{{q}}}, = is true only when that option is the whole answer, which Campo cannot express; write selected(${{{q}}}, 'v') for \"v is among the answers\""),
            );
        }
        if let Some(options) = lists.get(list) {
            for (_, value) in &condition.clauses {
                if !options.iter().any(|o| &o.name == value) {
                    fine = false;
                    self.problem(
                        &sheet.name,
                        place,
                        Some(&column),
                        format!("relevant \"{text}\": '{value}' is not an option of ${{{q}}} (list {list})"),
                    );
                }
            }
        }
        fine.then(|| Relevant {
            item: q.clone(),
            any_of: condition.clauses.iter().map(|(_, v)| v.clone()).collect(),
        })
    }
}
