//! The few XLSForm expressions Campo can honour, read and written: `relevant` as a list of
//! accepted answers to one earlier question, and `constraint` as inclusive bounds or a
//! longest text. Anything else is refused with the expression quoted, since evaluating only
//! part of it would ask or accept what the author did not mean.

use campo_core::Relevant;

/// How a relevant clause tests the earlier question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Test {
    /// `${q} = 'v'`: the whole answer is v.
    Equals,
    /// `selected(${q}, 'v')`: v is among the chosen options.
    Selected,
}

/// `${q} = 'a' or selected(${q}, 'b')`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    pub item: String,
    pub clauses: Vec<(Test, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Constraint {
    /// Inclusive, as Campo's number items take them.
    Bounds {
        min: Option<f64>,
        max: Option<f64>,
    },
    MaxLength(u32),
}

const RELEVANT_FORMS: &str =
    "Campo evaluates conditions on one earlier question, ${q} = 'v' or selected(${q}, 'v'), joined with or";

pub(crate) fn parse_relevant(expression: &str) -> Result<Condition, String> {
    let refuse = || {
        format!("relevant \"{expression}\" is not a condition Campo can evaluate: {RELEVANT_FORMS}")
    };
    let mut cursor = Cursor::new(expression);
    let mut clauses: Vec<(String, Test, String)> = Vec::new();
    cursor.disjunction(&mut clauses).ok_or_else(refuse)?;
    cursor.skip_space();
    if !cursor.at_end() {
        return Err(refuse());
    }
    let item = clauses[0].0.clone();
    let mut others: Vec<&str> = clauses
        .iter()
        .map(|(q, _, _)| q.as_str())
        .filter(|q| *q != item)
        .collect();
    others.dedup();
    if !others.is_empty() {
        return Err(format!(
            "relevant \"{expression}\" looks at more than one question (${{{item}}}, ${{{}}}): {RELEVANT_FORMS}",
            others[0]
        ));
    }
    Ok(Condition {
        item,
        clauses: clauses.into_iter().map(|(_, t, v)| (t, v)).collect(),
    })
}

/// The condition as written for a question of the given kind: `selected()` for a multiple
/// choice (where `=` would compare the whole set of answers), `=` otherwise.
pub(crate) fn format_relevant(relevant: &Relevant, multiple: bool) -> String {
    relevant
        .any_of
        .iter()
        .map(|value| {
            if multiple {
                format!("selected(${{{}}}, '{value}')", relevant.item)
            } else {
                format!("${{{}}} = '{value}'", relevant.item)
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

pub(crate) fn parse_constraint(expression: &str) -> Result<Constraint, String> {
    let refuse = || {
        format!(
            "constraint \"{expression}\" is not one Campo can check: it takes . >= A, . <= B or . >= A and . <= B on a number, string-length(.) <= N on a text"
        )
    };
    let mut cursor = Cursor::new(expression);
    cursor.skip_space();
    if cursor.eat("string-length") {
        cursor.skip_space();
        let ok = cursor.eat("(")
            && {
                cursor.skip_space();
                cursor.eat(".")
            }
            && {
                cursor.skip_space();
                cursor.eat(")")
            }
            && {
                cursor.skip_space();
                cursor.eat("<=")
            };
        if !ok {
            return Err(refuse());
        }
        cursor.skip_space();
        let digits = cursor.take_while(|c| c.is_ascii_digit());
        cursor.skip_space();
        if digits.is_empty() || !cursor.at_end() {
            return Err(refuse());
        }
        return match digits.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Constraint::MaxLength(n)),
            _ => Err(format!(
                "constraint \"{expression}\": the longest text must be from 1 to 4294967295 characters"
            )),
        };
    }

    let mut min = None;
    let mut max = None;
    loop {
        let (op, value) = cursor.bound().map_err(|strict| {
            if strict {
                format!(
                    "constraint \"{expression}\" uses > or <, but Campo's bounds are inclusive: write >= or <= with the bound itself"
                )
            } else {
                refuse()
            }
        })?;
        let slot = if op == ">=" { &mut min } else { &mut max };
        if slot.replace(value).is_some() {
            return Err(refuse());
        }
        cursor.skip_space();
        if cursor.at_end() {
            break;
        }
        if !cursor.eat_word("and") {
            return Err(refuse());
        }
    }
    Ok(Constraint::Bounds { min, max })
}

pub(crate) fn format_bounds(min: Option<f64>, max: Option<f64>) -> String {
    // f64's Display is the shortest text that parses back to the same number, and never
    // uses an exponent (which XPath would not read).
    match (min, max) {
        (Some(min), Some(max)) => format!(". >= {min} and . <= {max}"),
        (Some(min), None) => format!(". >= {min}"),
        (None, Some(max)) => format!(". <= {max}"),
        (None, None) => String::new(),
    }
}

pub(crate) fn format_max_length(max_length: u32) -> String {
    format!("string-length(.) <= {max_length}")
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { rest: text }
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// A keyword (`or`, `and`) that is not the start of a longer name.
    fn eat_word(&mut self, word: &str) -> bool {
        match self.rest.strip_prefix(word) {
            Some(rest) if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let end = self
            .rest
            .find(|c: char| !keep(c))
            .unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    /// `clause (or clause)*`, where a clause may sit in parentheses.
    fn disjunction(&mut self, out: &mut Vec<(String, Test, String)>) -> Option<()> {
        loop {
            self.skip_space();
            if self.eat("(") {
                self.disjunction(out)?;
                self.skip_space();
                if !self.eat(")") {
                    return None;
                }
            } else {
                out.push(self.clause()?);
            }
            let before = self.rest;
            self.skip_space();
            if !self.eat_word("or") {
                self.rest = before;
                return Some(());
            }
        }
    }

    fn clause(&mut self) -> Option<(String, Test, String)> {
        if self.eat_word("selected") {
            self.skip_space();
            if !self.eat("(") {
                return None;
            }
            self.skip_space();
            let item = self.reference()?;
            self.skip_space();
            if !self.eat(",") {
                return None;
            }
            self.skip_space();
            let value = self.quoted()?;
            self.skip_space();
            if !self.eat(")") {
                return None;
            }
            Some((item, Test::Selected, value))
        } else {
            let item = self.reference()?;
            self.skip_space();
            if !self.eat("=") {
                return None;
            }
            self.skip_space();
            let value = self.quoted()?;
            Some((item, Test::Equals, value))
        }
    }

    /// `${name}`
    fn reference(&mut self) -> Option<String> {
        if !self.eat("${") {
            return None;
        }
        let name = self.take_while(|c| c != '}').trim().to_string();
        (self.eat("}") && !name.is_empty()).then_some(name)
    }

    /// `'text'` or `"text"` (XPath 1.0 has no escapes inside).
    fn quoted(&mut self) -> Option<String> {
        let quote = self
            .rest
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')?;
        self.rest = &self.rest[1..];
        let value = self.take_while(|c| c != quote).to_string();
        self.eat(&quote.to_string()).then_some(value)
    }

    /// `. >= number` or `. <= number`; `Err(true)` for a strict `>` or `<`.
    fn bound(&mut self) -> Result<(&'static str, f64), bool> {
        self.skip_space();
        if !self.eat(".") {
            return Err(false);
        }
        self.skip_space();
        let op = if self.eat(">=") {
            ">="
        } else if self.eat("<=") {
            "<="
        } else if self.rest.starts_with('>') || self.rest.starts_with('<') {
            return Err(true);
        } else {
            return Err(false);
        };
        self.skip_space();
        let sign = if self.eat("-") { "-" } else { "" };
        let number = self.take_while(|c| c.is_ascii_digit() || c == '.');
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(false);
        }
        let value: f64 = format!("{sign}{number}").parse().map_err(|_| false)?;
        if !value.is_finite() {
            return Err(false);
        }
        Ok((op, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevant(item: &str, any_of: &[&str]) -> Relevant {
        Relevant {
            item: item.to_string(),
            any_of: any_of.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn relevant_forms_campo_reads() {
        let c = parse_relevant("${q1} = 'yes'").unwrap();
        assert_eq!(c.item, "q1");
        assert_eq!(c.clauses, vec![(Test::Equals, "yes".to_string())]);

        let c = parse_relevant(" selected( ${q1} , \"a\" ) or ${q1}='b' or (selected(${q1}, 'c'))")
            .unwrap();
        assert_eq!(
            c.clauses,
            vec![
                (Test::Selected, "a".to_string()),
                (Test::Equals, "b".to_string()),
                (Test::Selected, "c".to_string())
            ]
        );
    }

    #[test]
    fn relevant_forms_campo_refuses() {
        for expression in [
            "${q1} = 'a' and ${q1} = 'b'",
            "${q1} != 'a'",
            "${q1} > 3",
            "not(selected(${q1}, 'a'))",
            "${q1} = 'a' or",
            "${q1} = 'a' order",
            "count-selected(${q1}) > 1",
            "",
        ] {
            let message = parse_relevant(expression).unwrap_err();
            assert!(message.contains(&format!("\"{expression}\"")), "{message}");
        }
        let message = parse_relevant("${a} = 'x' or ${b} = 'y'").unwrap_err();
        assert!(message.contains("more than one question"), "{message}");
    }

    #[test]
    fn relevant_written_and_read_back() {
        let single = relevant("q1", &["a", "b"]);
        assert_eq!(
            format_relevant(&single, false),
            "${q1} = 'a' or ${q1} = 'b'"
        );
        assert_eq!(
            format_relevant(&single, true),
            "selected(${q1}, 'a') or selected(${q1}, 'b')"
        );
        let back = parse_relevant(&format_relevant(&single, true)).unwrap();
        assert_eq!(back.item, "q1");
        assert_eq!(back.clauses.len(), 2);
    }

    #[test]
    fn constraint_forms() {
        assert_eq!(
            parse_constraint(". >= 0 and . <= 120").unwrap(),
            Constraint::Bounds {
                min: Some(0.0),
                max: Some(120.0)
            }
        );
        assert_eq!(
            parse_constraint(".<=-2.5").unwrap(),
            Constraint::Bounds {
                min: None,
                max: Some(-2.5)
            }
        );
        assert_eq!(
            parse_constraint(". <= 9 and . >= .5").unwrap(),
            Constraint::Bounds {
                min: Some(0.5),
                max: Some(9.0)
            }
        );
        assert_eq!(
            parse_constraint("string-length(.) <= 500").unwrap(),
            Constraint::MaxLength(500)
        );
        assert!(parse_constraint(". > 0").unwrap_err().contains("inclusive"));
        assert!(parse_constraint(". >= 0 and . < 5")
            .unwrap_err()
            .contains("inclusive"));
        for expression in [
            ". >= 0 or . <= 5",
            ". >= 0 and . >= 5",
            "regex(., '^[0-9]+$')",
            "string-length(.) < 5",
            "string-length(.) <= 0",
            ". >= 1e3",
            ". >= 1.2.3",
        ] {
            assert!(parse_constraint(expression).is_err(), "{expression}");
        }
    }

    #[test]
    fn bounds_written_and_read_back() {
        for (min, max) in [
            (Some(0.0), Some(120.0)),
            (Some(-0.1), None),
            (None, Some(1e21)),
            (Some(0.30000000000000004), Some(1e-7)),
        ] {
            let text = format_bounds(min, max);
            assert_eq!(
                parse_constraint(&text).unwrap(),
                Constraint::Bounds { min, max },
                "{text}"
            );
        }
        assert_eq!(
            parse_constraint(&format_max_length(42)).unwrap(),
            Constraint::MaxLength(42)
        );
    }
}
