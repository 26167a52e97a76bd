//! Console sessions: a random id in a cookie, only its SHA-256 in the database (a copy of
//! the database opens no session), 30 minutes idle and 12 hours at most. Under TLS the
//! cookie is `__Host-` prefixed and Secure, so no other site or path can set or read it;
//! always HttpOnly and SameSite=Strict.
//!
//! A form or any request that changes something must carry the session's CSRF token and
//! come from the console's own origin (Origin, or Referer when a browser sends no Origin).

use super::access::{access, Area};
use super::pages::not_allowed;
use super::Console;
use crate::http::State;
use crate::secret::{new_token, same, sha256_hex};
use crate::store::{SessionLimits, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use campo_core::Lang;
use chrono::{Duration, Utc};

pub const LIMITS: SessionLimits = SessionLimits {
    idle: Duration::minutes(30),
    absolute: Duration::hours(12),
};

/// The cookie's name: `__Host-` only means something (and is only accepted) under TLS.
pub fn cookie_name(console: &Console) -> &'static str {
    if console.secure {
        "__Host-campo_session"
    } else {
        "campo_session"
    }
}

/// The Set-Cookie value that starts a session with `id`.
pub fn start_cookie(console: &Console, id: &str) -> HeaderValue {
    let secure = if console.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(console)
    ))
    .expect("a token is a valid header value")
}

/// The Set-Cookie value that ends it in the browser.
pub fn end_cookie(console: &Console) -> HeaderValue {
    let secure = if console.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
        cookie_name(console)
    ))
    .expect("a valid header value")
}

/// The session id the request carries, if any.
pub fn session_id(console: &Console, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(console);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A new session for `user`: its id (for the cookie) once stored.
pub async fn start(state: &State, user: &User) -> Result<String, crate::store::StorageError> {
    let id = new_token();
    state
        .store
        .add_session(
            &sha256_hex(id.as_bytes()),
            user.id,
            &new_token(),
            Utc::now(),
        )
        .await?;
    Ok(id)
}

/// A signed-in user, read from the session cookie. Pages take it as an argument; without a
/// live session the browser is sent to the login page, back here afterwards.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub csrf: String,
    pub id_hash: String,
}

impl SignedIn {
    /// The request's form token is this session's, and the request comes from here.
    pub fn check_form(
        &self,
        console: &Console,
        headers: &HeaderMap,
        token: &str,
    ) -> Result<(), Refused> {
        if !same_origin(console, headers) {
            return Err(Refused(
                "the request does not come from this console's pages",
            ));
        }
        if !same(token.as_bytes(), self.csrf.as_bytes()) {
            return Err(Refused(
                "the form is out of date: reload the page and try again",
            ));
        }
        Ok(())
    }
}

impl SignedIn {
    /// Why an action posted to `area` may not go on, if it may not: a form not from this
    /// console or without this session's token (403, nothing looked at), or a role without
    /// the area (the not-allowed page). Every console action asks this first.
    pub fn refused(
        &self,
        console: &Console,
        headers: &HeaderMap,
        token: &str,
        area: Area,
        lang: Lang,
        here: &str,
    ) -> Option<Response> {
        if let Err(r) = self.check_form(console, headers, token) {
            return Some(r.into_response());
        }
        (!access(self.user.role, area).any()).then(|| not_allowed(self, lang, here))
    }
}

/// A form that carries nothing but its token.
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// A form refused before anything was looked at: 403 with the reason.
#[derive(Debug)]
pub struct Refused(pub &'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, self.0).into_response()
    }
}

impl From<Refused> for Response {
    fn from(r: Refused) -> Response {
        r.into_response()
    }
}

/// The console's own origin: the public URL's when one is set, else the Host the
/// browser asked for.
fn own_origin(console: &Console, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = &console.public_url {
        return Some(origin_of(url)?.to_string());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if console.secure { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    Some(&url[..end])
}

/// The request comes from this console's own pages. Browsers say so in one of three ways,
/// checked in this order:
/// - `Origin` naming this console. Under `Referrer-Policy: no-referrer` (which the console
///   sends) a browser posts a form with `Origin: null`, which names nothing, so:
/// - `Sec-Fetch-Site: same-origin` (Fetch Metadata, set by the browser itself, never by a
///   page): any other value (`cross-site`, `same-site`, `none`) is refused;
/// - without either, `Referer` naming this console.
///
/// Neither header at all is refused.
pub fn same_origin(console: &Console, headers: &HeaderMap) -> bool {
    let Some(own) = own_origin(console, headers) else {
        return false;
    };
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = text(header::HeaderName::from_static("sec-fetch-site"));
    if let Some(site) = fetch_site {
        if !site.eq_ignore_ascii_case("same-origin") {
            return false;
        }
    }
    match text(header::ORIGIN) {
        Some(o) if !o.eq_ignore_ascii_case("null") => return o.eq_ignore_ascii_case(&own),
        // `null`: only Fetch Metadata can vouch for it.
        Some(_) => return fetch_site.is_some(),
        None => {}
    }
    if fetch_site.is_some() {
        return true;
    }
    text(header::REFERER)
        .and_then(origin_of)
        .is_some_and(|r| r.eq_ignore_ascii_case(&own))
}

impl FromRequestParts<State> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .filter(|p| p.starts_with('/') && !p.starts_with("//"))
                .unwrap_or("/");
            Redirect::to(&format!("/login?next={}", super::pages::url_encode(next))).into_response()
        };
        let Some(id) = session_id(&state.console, &parts.headers) else {
            return Err(to_login());
        };
        let id_hash = sha256_hex(id.as_bytes());
        let row = state
            .store
            .session(&id_hash, Utc::now(), LIMITS)
            .await
            .map_err(|e| crate::http::error::ApiErr::from(e).into_response())?;
        match row {
            Some(row) => Ok(SignedIn {
                user: row.user,
                csrf: row.csrf,
                id_hash,
            }),
            None => Err(to_login()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(secure: bool, public_url: Option<&str>) -> Console {
        Console {
            secure,
            public_url: public_url.map(str::to_string),
            ..Console::default()
        }
    }

    #[test]
    fn cookies_are_host_prefixed_and_secure_under_tls_only() {
        let tls = console(true, None);
        let plain = console(false, None);
        let c = start_cookie(&tls, "abc");
        assert_eq!(
            c.to_str().unwrap(),
            "__Host-campo_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert_eq!(
            start_cookie(&plain, "abc").to_str().unwrap(),
            "campo_session=abc; Path=/; HttpOnly; SameSite=Strict"
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "x=1; campo_session=abc; y=2".parse().unwrap(),
        );
        assert_eq!(session_id(&plain, &h).as_deref(), Some("abc"));
        assert_eq!(
            session_id(&tls, &h),
            None,
            "the plain cookie is not the TLS one"
        );
    }

    #[test]
    fn origin_must_be_the_console_s_own() {
        let c = console(true, Some("https://campo.example.org/"));
        let with = |name: header::HeaderName, v: &str| {
            let mut h = HeaderMap::new();
            h.insert(name, v.parse().unwrap());
            h.insert(header::HOST, "evil.example".parse().unwrap());
            h
        };
        assert!(same_origin(
            &c,
            &with(header::ORIGIN, "https://campo.example.org")
        ));
        assert!(!same_origin(
            &c,
            &with(header::ORIGIN, "https://evil.example")
        ));
        assert!(!same_origin(&c, &with(header::ORIGIN, "null")));
        assert!(same_origin(
            &c,
            &with(header::REFERER, "https://campo.example.org/users?x=1")
        ));
        assert!(!same_origin(
            &c,
            &with(header::REFERER, "https://campo.example.org.evil/")
        ));
        assert!(
            !same_origin(&c, &HeaderMap::new()),
            "neither header: refused"
        );
        // Without a public URL, the Host asked for is the origin.
        let local = console(false, None);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&local, &h));
    }
}
