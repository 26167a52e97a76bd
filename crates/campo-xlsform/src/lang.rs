//! The language part of an XLSForm column header (`label::Italian (it)`).

use campo_core::Lang;

/// How the writer names each language, as pyxform and ODK Collect show it.
pub(crate) fn column_language(lang: Lang) -> &'static str {
    match lang {
        Lang::It => "Italian (it)",
        Lang::En => "English (en)",
    }
}

/// English names of the languages, for messages.
pub(crate) fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::It => "Italian",
        Lang::En => "English",
    }
}

/// `Italian (it)`, `English (en)`, `en-GB`, `Italiano`, ... The code in parentheses decides
/// when there is one, as it is what ODK tools match on; the name alone otherwise.
pub(crate) fn parse_language(text: &str) -> Option<Lang> {
    let text = text.trim();
    if let Some(open) = text.rfind('(') {
        if let Some(inner) = text[open + 1..].strip_suffix(')') {
            return parse_code(inner.trim());
        }
    }
    parse_code(text).or_else(|| match text.to_lowercase().as_str() {
        "italian" | "italiano" => Some(Lang::It),
        "english" | "inglese" => Some(Lang::En),
        _ => None,
    })
}

/// `it`, `en` and their regional forms (`it-CH`, `en_GB`).
fn parse_code(code: &str) -> Option<Lang> {
    let code = code.to_lowercase();
    let primary = code.split(['-', '_']).next().unwrap_or("");
    match primary {
        "it" | "ita" => Some(Lang::It),
        "en" | "eng" => Some(Lang::En),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_code_or_name() {
        assert_eq!(parse_language("Italian (it)"), Some(Lang::It));
        assert_eq!(parse_language("English (en)"), Some(Lang::En));
        assert_eq!(parse_language("Inglese (en-GB)"), Some(Lang::En));
        assert_eq!(parse_language("Italiano"), Some(Lang::It));
        assert_eq!(parse_language("english"), Some(Lang::En));
        assert_eq!(parse_language("en"), Some(Lang::En));
        assert_eq!(parse_language("French (fr)"), None);
        assert_eq!(parse_language("Deutsch"), None);
        // The code decides: a misnamed column is read by its code.
        assert_eq!(parse_language("Italian (en)"), Some(Lang::En));
        assert_eq!(parse_language("English (fr)"), None);
    }
}
