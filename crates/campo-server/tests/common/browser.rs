//! A browser as far as the console's tests need one: it keeps the session cookie, sends
//! the console's Origin with every form, reads form tokens off pages, and never follows a
//! redirect (the tests look at where it points).

use super::Server;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;

pub struct Browser<'s> {
    server: &'s Server,
    client: Client,
    cookie: Option<String>,
}

/// Status, Location and body of one answer.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The first form token on the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token on the page: {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    pub fn to_login(&self) -> bool {
        self.status == StatusCode::SEE_OTHER
            && self
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login"))
    }
}

impl<'s> Browser<'s> {
    pub fn new(server: &'s Server) -> Browser<'s> {
        Browser {
            server,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    fn keep(&mut self, r: Response) -> Page {
        for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair.to_string());
            }
        }
        Page {
            status: r.status(),
            location: r
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|l| l.to_str().unwrap().to_string()),
            headers: r.headers().clone(),
            body: r.text().unwrap(),
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let mut req = self.client.get(self.server.url(path));
        if let Some(c) = &self.cookie {
            req = req.header(reqwest::header::COOKIE, c);
        }
        let r = req.send().unwrap();
        self.keep(r)
    }

    /// A form post from the console's own page.
    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, form, Some(&self.server.base.clone()))
    }

    /// A form post claiming another Origin (or none).
    pub fn post_from(&mut self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Page {
        let mut req = self.client.post(self.server.url(path)).form(form);
        if let Some(c) = &self.cookie {
            req = req.header(reqwest::header::COOKIE, c);
        }
        if let Some(o) = origin {
            req = req.header(reqwest::header::ORIGIN, o);
        }
        let r = req.send().unwrap();
        self.keep(r)
    }

    pub fn login(&mut self, name: &str, password: &str) -> Page {
        self.post(
            "/login",
            &[("name", name), ("password", password), ("next", "/")],
        )
    }

    /// Signs in and checks it worked.
    pub fn signed_in(server: &'s Server, name: &str, password: &str) -> Browser<'s> {
        let mut b = Browser::new(server);
        let p = b.login(name, password);
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "login of {name}: {}",
            p.body
        );
        assert!(b.cookie.is_some(), "a session cookie");
        b
    }

    pub fn session_cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Forgets the session cookie, as a new browser would.
    pub fn set_cookie(&mut self, cookie: Option<String>) {
        self.cookie = cookie;
    }
}

/// Adds a console account with a password, through the CLI.
pub fn add_user(db: &super::TestDb, name: &str, role: &str, project: Option<&str>, password: &str) {
    use std::io::Write;
    let mut args = vec![
        "--db",
        db.arg(),
        "users",
        "add",
        "--name",
        name,
        "--role",
        role,
        "--password-stdin",
    ];
    if let Some(p) = project {
        args.extend(["--project", p]);
    }
    let mut child = std::process::Command::new(super::BIN)
        .args(&args)
        .env_remove("CAMPO_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "users add {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
