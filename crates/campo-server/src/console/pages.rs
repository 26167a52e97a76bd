//! What every console page shares: the frame (navigation for the role, who is signed in,
//! sign out), the language, and the small answers (not allowed, not found).

use super::access::{access, Area};
use super::labels::t;
use super::session::SignedIn;
use crate::store::Role;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use campo_core::Lang;
use maud::{html, Markup, PreEscaped, DOCTYPE};

pub const STYLESHEET: &str = include_str!("console.css");

/// The language of a page: `?lang=` when given, else the browser's preference (English
/// when it asks for it first, Italian otherwise, as the pilot's staff speak it).
pub fn lang(query: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(l) = query_value(query, "lang").as_deref().and_then(Lang::parse) {
        return l;
    }
    let preferred = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start();
    if preferred.starts_with("en") {
        Lang::En
    } else {
        Lang::It
    }
}

/// The decoded value of `key` in a query string.
pub fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| url_decode(v))
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn url_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const NAV: [(&str, &str, Area); 11] = [
    ("/", "overview", Area::Overview),
    ("/meetings", "meetings", Area::Records),
    ("/submissions", "submissions", Area::Records),
    ("/exports", "exports", Area::Exports),
    ("/devices", "devices", Area::Devices),
    ("/instruments", "instruments", Area::Instruments),
    ("/audit", "audit", Area::Audit),
    ("/carers", "carers", Area::Carers),
    ("/users", "users", Area::Administration),
    ("/projects", "projects", Area::Administration),
    ("/account", "account", Area::Overview),
];

pub fn role_label(role: Role, lang: Lang) -> &'static str {
    t(&format!("role_{}", role.as_str()), lang)
}

/// A whole page for a signed-in user. `here` is the path whose link is marked current.
pub fn frame(who: &SignedIn, lang: Lang, here: &str, title: &str, body: Markup) -> Response {
    let other = match lang {
        Lang::It => Lang::En,
        Lang::En => Lang::It,
    };
    let doc = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · " (t("console", lang)) }
                link rel="stylesheet" href="/console.css";
            }
            body {
                a.skip href="#main" { (t("skip", lang)) }
                header.top {
                    span.brand { (t("console", lang)) }
                    nav aria-label=(t("console", lang)) {
                        ul {
                            @for (path, key, area) in NAV {
                                @if access(who.user.role, area).any() {
                                    li {
                                        a href=(path) aria-current=[(path == here).then_some("page")] {
                                            (t(key, lang))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div.who {
                        span { (t("signed_in_as", lang)) " " strong { (who.user.name) } " (" (role_label(who.user.role, lang)) ")" }
                        a href={ (here) "?lang=" (other.code()) } lang=(other.code()) {
                            (match other { Lang::It => "Italiano", Lang::En => "English" })
                        }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(who.csrf);
                            button.secondary type="submit" { (t("logout", lang)) }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    data_page(StatusCode::OK, doc)
}

/// A page without a session (sign in, set a password).
pub fn public_page(status: StatusCode, lang: Lang, title: &str, body: Markup) -> Response {
    let doc = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · " (t("console", lang)) }
                link rel="stylesheet" href="/console.css";
            }
            body {
                header.top { span.brand { (t("console", lang)) } }
                main id="main" { h1 { (title) } (body) }
            }
        }
    };
    data_page(status, doc)
}

fn data_page(status: StatusCode, doc: Markup) -> Response {
    (status, Html(doc.into_string())).into_response()
}

/// A role that may not open this page.
pub fn not_allowed(who: &SignedIn, lang: Lang, here: &str) -> Response {
    let mut r = frame(
        who,
        lang,
        here,
        t("error", lang),
        html! { p.error { (t("not_allowed", lang)) } },
    );
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

pub fn not_found(who: &SignedIn, lang: Lang, here: &str) -> Response {
    let mut r = frame(
        who,
        lang,
        here,
        t("error", lang),
        html! { p.error { (t("not_found", lang)) } },
    );
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// Markup made elsewhere and already escaped (the report's tables and charts).
pub fn trusted(html: String) -> PreEscaped<String> {
    PreEscaped(html)
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_round_trip_and_query_values() {
        let s = "/devices?x=1&y=è é";
        assert_eq!(url_decode(&url_encode(s)), s);
        assert_eq!(url_encode("a b&c"), "a%20b%26c");
        assert_eq!(
            query_value(Some("a=1&next=%2Fusers%3Fx%3D1&b"), "next").as_deref(),
            Some("/users?x=1")
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz"), "%zz");
    }
}
