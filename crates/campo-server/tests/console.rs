//! The office console against the real binary, on both engines: the role matrix (every
//! role and no session against every page and action, the exact allowed and refused set),
//! projects kept apart, CSRF and Origin, expired sessions, the login limits (the 11th
//! failure is 429 without a password being checked, the right password included), password
//! links, the old admin password, the audit log, and the headers on every page.

mod common;

use common::browser::{add_user, Browser, Page};
use common::*;
use reqwest::StatusCode;

on_both_engines!(
    every_role_against_every_page_and_action,
    a_user_of_one_project_sees_nothing_of_another,
    forms_without_the_token_or_from_elsewhere_change_nothing,
    sessions_end_after_30_idle_minutes_and_after_12_hours,
    the_eleventh_failed_login_is_429_even_with_the_right_password,
    a_password_link_works_once_and_a_new_password_ends_other_sessions,
    the_old_admin_password_signs_in_once_and_is_rehashed,
    the_audit_log_lists_who_did_what,
    a_review_with_issues_reaches_the_tablet_and_exports_read_back,
    an_xlsform_upload_is_checked_held_unpublished_and_published_on_request,
    the_records_pages_filter_by_tablet_and_devices_show_their_last_sync,
    a_coordinator_looks_up_exports_and_forgets_a_carer,
    the_information_sheet_set_on_the_console_reaches_the_tablets,
);

const PW: &str = "una password lunga";

/// Project `a` with a device; accounts of each role in it, an admin, and a coordinator of
/// project `b`.
fn pilot(db: &TestDb) -> (Server, campo_wire::EnrollResponse) {
    let (server, device, _) = pilot_with_data(db);
    (server, device)
}

/// What the tablet of project `a` sent: a training course with a satisfaction form and a
/// peer group with its satisfaction scale.
struct Sent {
    course: campo_core::Meeting,
    course_form: campo_core::Submission,
    peer: campo_core::Meeting,
    peer_form: campo_core::Submission,
}

fn pilot_with_data(db: &TestDb) -> (Server, campo_wire::EnrollResponse, Sent) {
    add_project(db, "a");
    add_project(db, "b");
    add_user(db, "root", "admin", None, PW);
    add_user(db, "coord", "coordinator", Some("a"), PW);
    add_user(db, "psy", "psychologist", Some("a"), PW);
    add_user(db, "view", "viewer", Some("a"), PW);
    add_user(db, "coord-b", "coordinator", Some("b"), PW);
    let server = Server::start(db);
    let device = enroll_device_in(&server, db, "a", "Tablet Alfa");
    let course = meeting(1, uuid::Uuid::now_v7());
    let course_form = satisfaction(course.id, 1);
    let peer = campo_core::Meeting {
        activity: campo_core::Activity::PeerGroup,
        topic: "Gruppo di mutuo aiuto".into(),
        ..meeting(1, uuid::Uuid::now_v7())
    };
    let mut peer_form = satisfaction(peer.id, 0);
    peer_form.instrument_id = "peer_satisfaction".into();
    peer_form.answers = [(
        "satisfaction".to_string(),
        campo_core::AnswerValue::Text("100".into()),
    )]
    .into_iter()
    .collect();
    let answer = push(
        &server,
        &device.token,
        &batch(vec![
            record(campo_wire::RecordBody::Meeting(course.clone())),
            record(campo_wire::RecordBody::Submission(course_form.clone())),
            record(campo_wire::RecordBody::Meeting(peer.clone())),
            record(campo_wire::RecordBody::Submission(peer_form.clone())),
        ]),
    );
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status == campo_wire::PushStatus::Stored),
        "{answer:?}"
    );
    let sent = Sent {
        course,
        course_form,
        peer,
        peer_form,
    };
    (server, device, sent)
}

/// A console request: method, path, and the form it posts (its token added per user).
type Request<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);

fn code(p: &Page) -> u16 {
    p.status.as_u16()
}

fn every_role_against_every_page_and_action(db: TestDb) {
    let (server, device, sent) = pilot_with_data(&db);
    let revoke = format!("/devices/{}/revoke", device.device_id);
    let course_page = format!("/meetings/{}?project=a", sent.course.id);
    let peer_page = format!("/meetings/{}?project=a", sent.peer.id);
    let (course_id, peer_id) = (
        sent.course_form.id.to_string(),
        sent.peer_form.id.to_string(),
    );
    // What each request is, as (method, path, form); the form's token is filled in per user.
    #[rustfmt::skip]
    let requests: Vec<Request> = vec![
        ("GET", "/?project=a".into(), vec![]),
        ("GET", "/devices?project=a".into(), vec![]),
        ("GET", "/audit".into(), vec![]),
        ("GET", "/users".into(), vec![]),
        ("GET", "/projects".into(), vec![]),
        ("GET", "/account".into(), vec![]),
        ("GET", "/meetings?project=a".into(), vec![]),
        ("GET", course_page.clone(), vec![]),
        ("GET", peer_page.clone(), vec![]),
        ("GET", "/submissions?project=a".into(), vec![]),
        ("GET", "/exports?project=a".into(), vec![]),
        ("GET", "/exports/download?project=a&format=json".into(), vec![]),
        ("GET", "/instruments?project=a".into(), vec![]),
        ("GET", "/audit.csv".into(), vec![]),
        ("POST", "/review".into(), vec![("project", "a"), ("id", &course_id), ("state", "approved")]),
        ("POST", "/review".into(), vec![("project", "a"), ("id", &peer_id), ("state", "approved")]),
        ("POST", "/devices/enroll".into(), vec![("project", "a"), ("name", "Tablet Nuovo")]),
        ("POST", "/users".into(), vec![("name", "nuovo"), ("role", "viewer"), ("project", "a")]),
        ("POST", "/users/view/reset".into(), vec![]),
        ("POST", "/projects".into(), vec![("id", "c"), ("name", "Valle C")]),
        ("POST", "/projects/a/targets".into(), vec![
            ("eligible_carers", "300"), ("reach_fraction", "0.33"), ("pilot_start", ""),
            ("pilot_end", ""), ("courses_per_month", "1"), ("peer_meetings_per_month", "1"),
            ("satisfaction_min", "75"), ("understanding_min", "75"),
            ("co_assessment_every_months", "4"),
        ]),
        ("POST", "/users/view/disable".into(), vec![]),
        ("POST", "/instruments/committee_goals/1/retire".into(), vec![("project", "a")]),
        ("GET", "/carers?project=a".into(), vec![]),
        ("POST", "/carers/look".into(), vec![("project", "a"), ("code", "P001")]),
        ("POST", "/carers/export".into(), vec![("project", "a"), ("code", "P001")]),
        // Without the confirmation box: refused (422) by those allowed, and nothing forgotten.
        ("POST", "/carers/forget".into(), vec![("project", "a"), ("code", "P001")]),
        ("POST", "/projects/a/privacy".into(), vec![("retention_months", "24")]),
        ("POST", revoke.clone(), vec![]),
    ];
    // Expected status per request, for: admin, coordinator, psychologist, viewer.
    // 200 page, 303 done (redirect), 403 not allowed, 404 not theirs to see (the
    // psychologist and the training course).
    #[rustfmt::skip]
    let expected: [(&str, [u16; 29]); 4] = [
        //        /    dev  aud  usr  prj  acc  mtg  crs  peer sub  exp  dl   ins  acsv rev  rev  enr  uadd ures padd tgt  udis ret  car  look cexp forg priv revoke
        ("root",  [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 303, 303, 200, 200, 200, 303, 303, 303, 303, 200, 200, 200, 422, 303, 303]),
        ("coord", [200, 200, 200, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 303, 303, 200, 403, 403, 403, 403, 403, 303, 200, 200, 200, 422, 403, 303]),
        ("psy",   [200, 403, 403, 403, 403, 200, 200, 404, 200, 200, 200, 200, 403, 403, 404, 303, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
        ("view",  [200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
    ];
    // The psychologist is told what share of the report they see.
    let mut psy = Browser::signed_in(&server, "psy", PW);
    let page = psy.get("/?lang=en");
    assert!(page
        .body
        .contains("You see the peer groups and the project's totals"));
    // The navigation offers each role its own pages only.
    let mut view = Browser::signed_in(&server, "view", PW);
    let nav = view.get("/?lang=en").body;
    assert!(
        nav.contains("href=\"/\"")
            && !nav.contains("href=\"/devices\"")
            && !nav.contains("href=\"/users\"")
    );
    // The actions that change something run last, by the last role allowed them, so that
    // every earlier row meets the same state: root's row runs last.
    for (name, want) in expected.iter().rev() {
        let mut b = Browser::signed_in(&server, name, PW);
        let token = b.get("/account").csrf();
        let got: Vec<u16> = requests
            .iter()
            .map(|(method, path, form)| {
                if *method == "GET" {
                    code(&b.get(path))
                } else {
                    let mut f = form.clone();
                    f.push(("csrf", &token));
                    code(&b.post(path, &f))
                }
            })
            .collect();
        assert_eq!(got, want.to_vec(), "{name}");
    }
    // An action on an account that is none of disable, enable, reset: not found.
    let mut root = Browser::signed_in(&server, "root", PW);
    let token = root.get("/users").csrf();
    let p = root.post("/users/coord/promote", &[("csrf", &token)]);
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Without a session: every page and action sends the browser to the login page, and
    // changes nothing (the device is revoked once, by root, above; a new one stays).
    let other = enroll_device_in(&server, &db, "a", "Tablet Beta");
    let mut nobody = Browser::new(&server);
    for (method, path, form) in &requests {
        let p = if *method == "GET" {
            nobody.get(path)
        } else {
            nobody.post(path, form)
        };
        assert!(p.to_login(), "{method} {path}: {p:?}");
    }
    let p = nobody.post(
        &format!("/devices/{}/revoke", other.device_id),
        &[("csrf", "x")],
    );
    assert!(p.to_login());
    assert!(cli(&db, &["devices", "list", "--project", "a"]).contains("active"));
}

fn a_user_of_one_project_sees_nothing_of_another(db: TestDb) {
    let (server, device) = pilot(&db);
    let mut b = Browser::signed_in(&server, "coord-b", PW);
    // Its own project's pages, with none of A's devices.
    let devices = b.get("/devices?lang=en");
    assert_eq!(devices.status, StatusCode::OK);
    assert!(!devices.body.contains("Tablet Alfa"), "{}", devices.body);
    // Asking for A by name finds nothing.
    assert_eq!(b.get("/?project=a").status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/devices?project=a").status, StatusCode::NOT_FOUND);
    let token = devices.csrf();
    let p = b.post(
        &format!("/devices/{}/revoke", device.device_id),
        &[("csrf", &token)],
    );
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = b.post(
        "/devices/enroll",
        &[("csrf", &token), ("project", "a"), ("name", "x")],
    );
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(cli(&db, &["devices", "list", "--project", "a"]).contains("active"));
    // Its audit page holds no line about A.
    let mut a = Browser::signed_in(&server, "coord", PW);
    let t = a.get("/devices?project=a").csrf();
    assert_eq!(
        a.post(
            "/devices/enroll",
            &[("csrf", &t), ("project", "a"), ("name", "Tablet Gamma")]
        )
        .status,
        StatusCode::OK
    );
    let audit = b.get("/audit").body;
    assert!(!audit.contains("enroll_code"), "{audit}");
    assert!(a.get("/audit").body.contains("enroll_code"));
    // The admin sees both.
    let mut root = Browser::signed_in(&server, "root", PW);
    assert!(root
        .get("/devices?project=a&lang=en")
        .body
        .contains("Tablet Alfa"));
}

fn forms_without_the_token_or_from_elsewhere_change_nothing(db: TestDb) {
    let (server, device) = pilot(&db);
    let mut b = Browser::signed_in(&server, "coord", PW);
    let token = b.get("/devices?project=a").csrf();
    let path = format!("/devices/{}/revoke", device.device_id);
    assert_eq!(
        b.post(&path, &[]).status.as_u16(),
        422,
        "no token at all: the form is refused"
    );
    assert_eq!(
        b.post(&path, &[("csrf", "forged")]).status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post_from(&path, &[("csrf", &token)], Some("http://evil.example"))
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post_from(&path, &[("csrf", &token)], None).status,
        StatusCode::FORBIDDEN
    );
    // Another user's token is not this session's.
    let mut other = Browser::signed_in(&server, "root", PW);
    let theirs = other.get("/account").csrf();
    assert_eq!(
        b.post(&path, &[("csrf", &theirs)]).status,
        StatusCode::FORBIDDEN
    );
    assert!(
        cli(&db, &["devices", "list", "--project", "a"]).contains("active"),
        "still active"
    );
    // As a browser sends a form under no-referrer: Origin null, vouched for by its Fetch
    // Metadata; the same from another site is refused.
    let as_browser = |site: &str, token: &str| {
        http()
            .post(server.url(&path))
            .header("Cookie", b.session_cookie().unwrap())
            .header("Origin", "null")
            .header("Sec-Fetch-Site", site)
            .form(&[("csrf", token)])
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(as_browser("cross-site", &token), StatusCode::FORBIDDEN);
    assert_eq!(as_browser("same-site", &token), StatusCode::FORBIDDEN);
    assert!(
        cli(&db, &["devices", "list", "--project", "a"]).contains("active"),
        "still active"
    );
    // The login form, too, only from here.
    let mut fresh = Browser::new(&server);
    let p = fresh.post_from(
        "/login",
        &[("name", "coord"), ("password", PW)],
        Some("http://evil.example"),
    );
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // With the token, from here: done.
    assert_eq!(
        b.post(&path, &[("csrf", &token)]).status,
        StatusCode::SEE_OTHER
    );
    assert!(cli(&db, &["devices", "list", "--project", "a"]).contains("revoked"));
}

/// Moves every session's times back by `minutes`, as if that long had passed.
fn age_sessions(db: &TestDb, column: &str, minutes: i64) {
    db.execute(
        &format!(
            "UPDATE sessions SET {column} = {column} - {}",
            minutes * 60 * 1_000_000
        ),
        &format!("UPDATE sessions SET {column} = {column} - interval '{minutes} minutes'"),
    );
}

fn sessions_end_after_30_idle_minutes_and_after_12_hours(db: TestDb) {
    let (server, _) = pilot(&db);
    let mut b = Browser::signed_in(&server, "coord", PW);
    assert_eq!(b.get("/").status, StatusCode::OK);
    age_sessions(&db, "last_seen", 29);
    assert_eq!(
        b.get("/").status,
        StatusCode::OK,
        "29 idle minutes: still signed in"
    );
    age_sessions(&db, "last_seen", 31);
    let p = b.get("/devices");
    assert!(
        p.to_login(),
        "31 idle minutes: back to the login page: {p:?}"
    );
    assert_eq!(p.location.as_deref(), Some("/login?next=/devices"));

    let mut b = Browser::signed_in(&server, "coord", PW);
    // Used all along, but signed in 12 hours and a minute ago.
    age_sessions(&db, "created_at", 12 * 60 + 1);
    assert!(
        b.get("/").to_login(),
        "12 hours after signing in: back to the login page"
    );
    // Signing out ends the session at the server, not only the cookie.
    let mut c = Browser::signed_in(&server, "coord", PW);
    let cookie = c.session_cookie().unwrap().to_string();
    let token = c.get("/account").csrf();
    assert_eq!(
        c.post("/logout", &[("csrf", &token)]).location.as_deref(),
        Some("/login")
    );
    c.set_cookie(Some(cookie));
    assert!(c.get("/").to_login(), "the old cookie opens nothing");
}

fn the_eleventh_failed_login_is_429_even_with_the_right_password(db: TestDb) {
    let (server, _) = pilot(&db);
    let mut b = Browser::new(&server);
    for i in 0..10 {
        assert_eq!(
            b.login("coord", "wrong password!").status,
            StatusCode::UNAUTHORIZED,
            "try {i}"
        );
    }
    // The door is shut for that account: the right password is not even checked.
    let p = b.login("coord", PW);
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.body.contains("15"), "{}", p.body);
    // Another account from the same address: the address has 10 failures too.
    assert_eq!(b.login("view", PW).status, StatusCode::TOO_MANY_REQUESTS);
    // Failures older than 15 minutes no longer count.
    db.execute(
        &format!(
            "UPDATE login_failures SET at = at - {}",
            16 * 60 * 1_000_000i64
        ),
        "UPDATE login_failures SET at = at - interval '16 minutes'",
    );
    assert_eq!(b.login("coord", PW).status, StatusCode::SEE_OTHER);

    // Behind a trusted proxy the address is the one it forwards: one client's failures do
    // not shut out another. From an untrusted peer the header is ignored.
    let proxied = Server::start_with(&db, &["--trusted-proxy", "127.0.0.1"]);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_from = |ip: &str, name: &str, pw: &str| {
        client
            .post(proxied.url("/login"))
            .header("Origin", &proxied.base)
            .header("X-Forwarded-For", ip)
            .form(&[("name", name), ("password", pw)])
            .send()
            .unwrap()
            .status()
    };
    for i in 0..10 {
        // A different account each time: only the address limit can close.
        assert_eq!(
            login_from("203.0.113.9", &format!("nobody{i}"), "x"),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_from("203.0.113.9", "psy", PW),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(login_from("198.51.100.4", "psy", PW), StatusCode::SEE_OTHER);
    let spoofing = Browser::new(&server);
    drop(spoofing);
    let plain = client
        .post(server.url("/login"))
        .header("Origin", &server.base)
        .header("X-Forwarded-For", "198.51.100.77")
        .form(&[("name", "psy"), ("password", "wrong")])
        .send()
        .unwrap()
        .status();
    assert_eq!(plain, StatusCode::UNAUTHORIZED);
    let audit = db.query_text(
        "SELECT address FROM audit WHERE action = 'login_failed' ORDER BY seq DESC LIMIT 1",
        "SELECT address FROM audit WHERE action = 'login_failed' ORDER BY seq DESC LIMIT 1",
    );
    assert_eq!(
        audit,
        ["127.0.0.1"],
        "an untrusted peer's X-Forwarded-For is ignored"
    );
}

fn a_password_link_works_once_and_a_new_password_ends_other_sessions(db: TestDb) {
    let (server, _) = pilot(&db);
    let out = cli(
        &db,
        &[
            "users",
            "add",
            "--name",
            "giulia",
            "--role",
            "viewer",
            "--project",
            "a",
            "--public-url",
            &server.base,
        ],
    );
    let link = out
        .lines()
        .find(|l| l.contains("/set-password/"))
        .expect(&out)
        .trim()
        .to_string();
    let path = link.strip_prefix(&server.base).unwrap().to_string();
    let mut b = Browser::new(&server);
    assert_eq!(
        b.login("giulia", "").status,
        StatusCode::UNAUTHORIZED,
        "no password yet"
    );
    assert_eq!(b.get(&path).status, StatusCode::OK);
    let short = b.post(&path, &[("new", "corta"), ("repeat", "corta")]);
    assert_eq!(short.status.as_u16(), 422);
    let differ = b.post(
        &path,
        &[
            ("new", "una password lunga 1"),
            ("repeat", "una password lunga 2"),
        ],
    );
    assert_eq!(differ.status.as_u16(), 422);
    let done = b.post(
        &path,
        &[
            ("new", "giulia ha una password"),
            ("repeat", "giulia ha una password"),
        ],
    );
    assert_eq!(done.location.as_deref(), Some("/login?done=password_set"));
    assert_eq!(b.get(&path).status, StatusCode::NOT_FOUND, "used up");
    let mut first = Browser::signed_in(&server, "giulia", "giulia ha una password");
    let mut second = Browser::signed_in(&server, "giulia", "giulia ha una password");
    // Changing the password ends every other session; this browser stays signed in.
    let token = second.get("/account").csrf();
    let wrong = second.post(
        "/account",
        &[
            ("csrf", &token),
            ("current", "nope"),
            ("new", "un'altra password lunga"),
            ("repeat", "un'altra password lunga"),
        ],
    );
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let changed = second.post(
        "/account",
        &[
            ("csrf", &token),
            ("current", "giulia ha una password"),
            ("new", "un'altra password lunga"),
            ("repeat", "un'altra password lunga"),
        ],
    );
    assert_eq!(
        changed.location.as_deref(),
        Some("/account?done=password_changed")
    );
    assert_eq!(second.get("/account").status, StatusCode::OK);
    assert!(first.get("/").to_login());
    assert_eq!(
        Browser::new(&server)
            .login("giulia", "giulia ha una password")
            .status,
        StatusCode::UNAUTHORIZED
    );
    Browser::signed_in(&server, "giulia", "un'altra password lunga");
    // A reset voids the password and gives a new link.
    let out = cli(&db, &["users", "reset", "--name", "giulia"]);
    assert!(out.contains("/set-password/"), "{out}");
    assert_eq!(
        Browser::new(&server)
            .login("giulia", "un'altra password lunga")
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A disabled account cannot sign in.
    cli(&db, &["users", "disable", "--name", "coord"]);
    assert_eq!(
        Browser::new(&server).login("coord", PW).status,
        StatusCode::UNAUTHORIZED
    );
    cli(&db, &["users", "enable", "--name", "coord"]);
    Browser::signed_in(&server, "coord", PW);
    let listed = cli(&db, &["users", "list"]);
    assert!(listed.contains("giulia  viewer  a  active"), "{listed}");
}

fn the_old_admin_password_signs_in_once_and_is_rehashed(db: TestDb) {
    // As the release before the console left it: one PBKDF2 hash in the settings.
    let old = campo_server::admin_password::hash_password("ufficio-valle-2026");
    db.with_store(|s| async move { s.set_setting("admin_password_hash", &old).await.unwrap() });
    let server = Server::start(&db);
    let mut b = Browser::new(&server);
    assert_eq!(
        b.login("admin", "wrong-wrong-wrong").status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.login("admin", "ufficio-valle-2026").status,
        StatusCode::SEE_OTHER
    );
    let hash = db.query_text(
        "SELECT password_hash FROM users WHERE name = 'admin'",
        "SELECT password_hash FROM users WHERE name = 'admin'",
    );
    assert!(hash[0].starts_with("$argon2id$"), "{hash:?}");
    assert_eq!(b.get("/users").status, StatusCode::OK, "an admin");
    // /admin and its shared password are gone.
    assert_eq!(
        http().get(server.url("/admin")).send().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    server.stop();
    // A restart makes no second account, and the new hash still signs in.
    let server = Server::start(&db);
    Browser::signed_in(&server, "admin", "ufficio-valle-2026");
    assert_eq!(
        cli(&db, &["users", "list"])
            .lines()
            .filter(|l| l.starts_with("admin "))
            .count(),
        1
    );
}

fn the_audit_log_lists_who_did_what(db: TestDb) {
    let (server, device) = pilot(&db);
    let mut root = Browser::signed_in(&server, "root", PW);
    let token = root.get("/account").csrf();
    root.post(
        "/devices/enroll",
        &[("csrf", &token), ("project", "a"), ("name", "Tablet Nuovo")],
    );
    root.post(
        &format!("/devices/{}/revoke", device.device_id),
        &[("csrf", &token)],
    );
    root.post(
        "/users",
        &[
            ("csrf", &token),
            ("name", "nuovo"),
            ("role", "viewer"),
            ("project", "a"),
        ],
    );
    Browser::new(&server).login("coord", "wrong password!");
    let page = root.get("/audit?lang=en");
    for action in [
        "login",
        "login_failed",
        "enroll_code",
        "device_revoked",
        "user_added",
    ] {
        assert!(
            page.body.contains(&format!("<code>{action}</code>")),
            "{action}: {}",
            page.body
        );
    }
    let csv = root.get("/audit.csv?action=login_failed");
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .body
        .starts_with("seq,at,actor,address,action,project,target,detail\r\n"));
    assert!(csv.body.contains(",login_failed,"), "{}", csv.body);
    assert!(!csv.body.contains(",user_added,"), "filtered");
    let filtered = root.get("/audit?action=login_failed").body;
    assert!(
        filtered.contains("<code>login_failed</code>")
            && !filtered.contains("<code>user_added</code>")
    );
    // Every page carries the headers.
    for path in ["/", "/audit", "/login", "/devices", "/users"] {
        let p = root.get(path);
        let h = |n: &str| {
            p.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert!(
            h("content-security-policy").contains("default-src 'none'"),
            "{path}"
        );
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            h("content-security-policy").contains("form-action 'self'"),
            "{path}"
        );
        assert!(!h("content-security-policy").contains("unsafe"), "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
    }
    // The help names the accounts command.
    let help = String::from_utf8(
        std::process::Command::new(BIN)
            .arg("--help")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(help.contains("users"), "{help}");
}

fn a_review_with_issues_reaches_the_tablet_and_exports_read_back(db: TestDb) {
    let (server, device, sent) = pilot_with_data(&db);
    let other = enroll_device_in(&server, &db, "a", "Tablet Beta");
    let before = pull(&server, &device.token, 0, None).cursor;
    let mut coord = Browser::signed_in(&server, "coord", PW);
    let page = coord.get(&format!("/meetings/{}?project=a&lang=en", sent.course.id));
    assert!(page.body.contains("Received"), "{}", page.body);
    let token = page.csrf();
    let id = sent.course_form.id.to_string();
    let back = format!("/meetings/{}?project=a", sent.course.id);
    let done = coord.post(
        "/review",
        &[
            ("csrf", &token),
            ("project", "a"),
            ("id", &id),
            ("state", "has_issues"),
            ("comment", "Manca la firma del modulo"),
            ("back", &back),
        ],
    );
    assert_eq!(done.location.as_deref(), Some(back.as_str()));
    // The tablet that sent it gets the note at its next pull, with the comment; another
    // tablet of the project gets nothing.
    let page = pull(&server, &device.token, before, None);
    assert_eq!(page.notes.len(), 1, "{:?}", page.notes);
    let note = &page.notes[0];
    assert_eq!(note.submission_id, sent.course_form.id);
    assert_eq!(note.meeting_id, sent.course.id);
    assert_eq!(note.state, campo_wire::ReviewState::HasIssues);
    assert_eq!(note.comment, "Manca la firma del modulo");
    assert!(pull(&server, &other.token, 0, None).notes.is_empty());
    // The correction goes back the usual way and shows on the page.
    let mut fix = satisfaction(sent.course.id, 2);
    fix.replaces = Some(sent.course_form.id);
    let answer = push(
        &server,
        &device.token,
        &batch(vec![record(campo_wire::RecordBody::Submission(
            fix.clone(),
        ))]),
    );
    assert_eq!(answer.results[0].status, campo_wire::PushStatus::Stored);
    let page = coord.get(&format!("/meetings/{}?project=a&lang=en", sent.course.id));
    assert!(page.body.contains("correction"), "{}", page.body);
    assert!(
        page.body.contains(&format!("s-{}", fix.id)),
        "the correction is listed"
    );
    assert!(
        !page.body.contains(&format!("s-{}", sent.course_form.id)),
        "the corrected one is not"
    );

    // The XLSX download reads back: one sheet per instrument version, the correction in
    // place of what it corrects, numbers as numbers.
    let xlsx = http()
        .get(server.url("/exports/download?project=a&format=xlsx&lang=en"))
        .header("Cookie", coord.session_cookie().unwrap())
        .send()
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let bytes = xlsx.bytes().unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    assert!(
        names.contains(&"training_satisfaction_v1".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"peer_satisfaction_v1".to_string()),
        "{names:?}"
    );
    let sheet = book.worksheet_range("training_satisfaction_v1").unwrap();
    let ids: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(ids, vec![fix.id.to_string()]);
    assert_eq!(sheet.rows().next().unwrap()[0].to_string(), "submission_id");

    // A psychologist's export holds the peer group only.
    let mut psy = Browser::signed_in(&server, "psy", PW);
    let json = psy.get("/exports/download?project=a&format=json");
    assert_eq!(json.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert!(v.get("peer_satisfaction_v1").is_some(), "{v}");
    assert!(v.get("training_satisfaction_v1").is_none(), "{v}");
    assert!(!json.body.contains(&fix.id.to_string()));

    // The overview says which submissions it counts; approving changes what "approved
    // only" counts.
    let all = coord.get("/?project=a&lang=en");
    assert!(all.body.contains("All but the excluded ones"));
    let only = coord.get("/?project=a&lang=en&count=approved");
    assert!(only.body.contains("Approved ones only"));
    // The audit log has the review and the exports, without the comment.
    let audit = coord.get("/audit").body;
    assert!(audit.contains("<code>review</code>") && audit.contains("<code>export</code>"));
    assert!(
        !audit.contains("Manca la firma"),
        "no free text in the audit log"
    );
}

/// Posts a file as the instrument upload form does.
fn upload(server: &Server, cookie: &str, token: &str, file: Vec<u8>) -> (StatusCode, String) {
    let form = reqwest::blocking::multipart::Form::new()
        .text("csrf", token.to_string())
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(file).file_name("form.xlsx"),
        );
    let r = http()
        .post(server.url("/instruments/upload?project=a&lang=en"))
        .header("Cookie", cookie)
        .header("Origin", &server.base)
        .multipart(form)
        .send()
        .unwrap();
    (r.status(), r.text().unwrap())
}

fn an_xlsform_upload_is_checked_held_unpublished_and_published_on_request(db: TestDb) {
    let (server, device) = pilot(&db);
    let mut coord = Browser::signed_in(&server, "coord", PW);
    let cookie = coord.session_cookie().unwrap().to_string();
    let token = coord.get("/instruments?project=a").csrf();
    // Not a spreadsheet: refused, its fault named, nothing added.
    let (status, page) = upload(&server, &cookie, &token, b"not a spreadsheet".to_vec());
    assert_eq!(status.as_u16(), 422, "{page}");
    assert!(page.contains("The form was not added"), "{page}");
    // A real XLSForm of a new questionnaire: held unpublished, tablets do not get it yet.
    let mut instrument = campo_core::catalog::Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    instrument.id = "gradimento_sede".into();
    let bytes = campo_xlsform::write_xlsform(&instrument).unwrap();
    let (status, page) = upload(&server, &cookie, &token, bytes.clone());
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("gradimento_sede v1: added, unpublished"),
        "{page}"
    );
    let has = |token: &str| {
        pull_all(&server, token, None)
            .iter()
            .any(|p| p.instruments.iter().any(|i| i.id == "gradimento_sede"))
    };
    assert!(!has(&device.token));
    // The same version again is refused with its reason.
    let (status, page) = upload(&server, &cookie, &token, bytes);
    assert_eq!(status.as_u16(), 422);
    assert!(
        page.contains("give the form a version greater than 1"),
        "{page}"
    );
    // Roles without the instruments may neither upload nor publish.
    let mut psy = Browser::signed_in(&server, "psy", PW);
    let psy_token = psy.get("/account").csrf();
    let (status, _) = upload(
        &server,
        psy.session_cookie().unwrap(),
        &psy_token,
        b"x".to_vec(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
    let p = psy.post(
        "/instruments/gradimento_sede/1/publish",
        &[("csrf", &psy_token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // Published on request: the next pull brings it.
    let p = coord.post(
        "/instruments/gradimento_sede/1/publish",
        &[("csrf", &token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(has(&device.token));
    let p = coord.post(
        "/instruments/nothing/9/publish",
        &[("csrf", &token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Retired on request: the tablet's next pull says so, once; the version stays in the
    // catalog (pushes with it are still taken) and the page says since when.
    let cursor = pull_all(&server, &device.token, None)
        .last()
        .unwrap()
        .cursor;
    let p = psy.post(
        "/instruments/gradimento_sede/1/retire",
        &[("csrf", &psy_token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = coord.post(
        "/instruments/gradimento_sede/1/retire",
        &[("csrf", &token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let page = pull(&server, &device.token, cursor, None);
    assert_eq!(
        page.retired,
        vec![campo_wire::RetiredInstrument {
            id: "gradimento_sede".into(),
            version: 1
        }]
    );
    assert!(pull(&server, &device.token, page.cursor, None)
        .retired
        .is_empty());
    let page = coord.get("/instruments?project=a&lang=en").body;
    assert!(page.contains("Retired 20"), "{page}");
    let list = cli(&db, &["instruments", "list", "--project", "a"]);
    let line = |v: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("gradimento_sede  {v}  ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("v1").ends_with("  (retired)"), "{list}");

    // A version held unpublished cannot be retired: nothing offers it.
    instrument.version = 2;
    let (status, _) = upload(
        &server,
        &cookie,
        &token,
        campo_xlsform::write_xlsform(&instrument).unwrap(),
    );
    assert_eq!(status, StatusCode::OK);
    let p = coord.post(
        "/instruments/gradimento_sede/2/retire?lang=en",
        &[("csrf", &token), ("project", "a")],
    );
    assert_eq!(p.status.as_u16(), 422);
    assert!(p.body.contains("is not published"), "{}", p.body);
    let list = cli(&db, &["instruments", "list", "--project", "a"]);
    assert!(
        list.contains("gradimento_sede  v2")
            && list.matches("(retired)").count() == 1
            && list.contains("(unpublished)"),
        "{list}"
    );
    let p = coord.post(
        "/instruments/gradimento_sede/1/promote",
        &[("csrf", &token), ("project", "a")],
    );
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let audit = coord.get("/audit").body;
    assert!(
        audit.contains("<code>instrument_added</code>")
            && audit.contains("<code>instrument_published</code>")
            && audit.contains("<code>instrument_retired</code>")
    );
}

fn the_records_pages_filter_by_tablet_and_devices_show_their_last_sync(db: TestDb) {
    let (server, alfa, _) = pilot_with_data(&db);
    let beta = enroll_device_in(&server, &db, "a", "Tablet Beta");
    let mut coord = Browser::signed_in(&server, "coord", PW);
    // Beta has not synced yet; Alfa pushed its week.
    let devices = coord.get("/devices?project=a&lang=en").body;
    let row = |name: &str| {
        devices
            .split("<tr>")
            .find(|r| r.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("Tablet Beta").contains("<td>Never</td>"), "{devices}");
    assert!(!row("Tablet Alfa").contains("Never"), "{devices}");
    let beta_meeting = campo_core::Meeting {
        topic: "Incontro del tablet Beta".into(),
        ..meeting(1, uuid::Uuid::now_v7())
    };
    let answer = push(
        &server,
        &beta.token,
        &batch(vec![record(campo_wire::RecordBody::Meeting(
            beta_meeting.clone(),
        ))]),
    );
    assert_eq!(answer.results[0].status, campo_wire::PushStatus::Stored);
    let devices = coord.get("/devices?project=a&lang=en").body;
    assert!(!devices.contains("<td>Never</td>"), "{devices}");
    // The meetings page, filtered by each tablet, lists that tablet's meetings only.
    let listed = |b: &mut Browser, device: &uuid::Uuid| {
        b.get(&format!("/meetings?project=a&device={device}")).body
    };
    let of_alfa = listed(&mut coord, &alfa.device_id);
    assert!(
        of_alfa.contains("Gruppo di mutuo aiuto") && !of_alfa.contains("Incontro del tablet Beta")
    );
    let of_beta = listed(&mut coord, &beta.device_id);
    assert!(
        of_beta.contains("Incontro del tablet Beta") && !of_beta.contains("Gruppo di mutuo aiuto")
    );
    // A device of no project of theirs keeps nothing; no device, everything.
    let none = listed(&mut coord, &uuid::Uuid::now_v7());
    assert!(!none.contains("Incontro del tablet Beta") && !none.contains("Gruppo di mutuo aiuto"));
    let all = coord.get("/meetings?project=a").body;
    assert!(all.contains("Incontro del tablet Beta") && all.contains("Gruppo di mutuo aiuto"));
    // The overview counts the chosen tablet's meetings: Alfa held two, Beta one.
    let held = |b: &mut Browser, device: &uuid::Uuid| {
        let page = b.get(&format!("/?project=a&lang=en&device={device}")).body;
        assert!(page.contains("<svg class=\"trend\""), "{page}");
        page
    };
    let alfa_page = held(&mut coord, &alfa.device_id);
    let beta_page = held(&mut coord, &beta.device_id);
    assert!(alfa_page.contains(&format!("option value=\"{}\" selected", alfa.device_id)));
    assert_ne!(alfa_page, beta_page);
    // The exports follow the same filter: Beta sent no submission.
    let json = coord
        .get(&format!(
            "/exports/download?project=a&format=json&device={}",
            beta.device_id
        ))
        .body;
    assert!(!json.contains(&alfa.device_id.to_string()), "{json}");
}

fn a_coordinator_looks_up_exports_and_forgets_a_carer(db: TestDb) {
    let (server, device, sent) = pilot_with_data(&db);
    let mut coord = Browser::signed_in(&server, "coord", PW);
    let token = coord.get("/carers?project=a").csrf();
    let form = |code: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("project", "a".into()),
            ("code", code.into()),
        ]
    };
    let post = |b: &mut Browser, path: &str, f: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post(&format!("{path}?lang=en"), &f)
    };
    // Looked up: the meetings it attended, on the page.
    let page = post(&mut coord, "/carers/look", form("P001"));
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Held under the code") && page.body.contains("2026-03-10"),
        "{}",
        page.body
    );
    // Exported: the same JSON as the command line's.
    let json = post(&mut coord, "/carers/export", form("P001"));
    let export: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(export["code"], "P001");
    assert_eq!(export["project"], "a");
    let meetings: Vec<&str> = export["attendances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["meeting_id"].as_str().unwrap())
        .collect();
    assert!(meetings.contains(&sent.course.id.to_string().as_str()));
    // Unknown and malformed codes: said so, nothing changed.
    let none = post(&mut coord, "/carers/look", form("P999"));
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert!(none
        .body
        .contains("The project holds nothing under this code"));
    let bad = post(&mut coord, "/carers/look", form(" "));
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.body);
    // Another project's coordinator: not found, before anything is looked at.
    let mut other = Browser::signed_in(&server, "coord-b", PW);
    let other_token = other.get("/account").csrf();
    let p = other.post(
        "/carers/forget",
        &[
            ("csrf", &other_token),
            ("project", "a"),
            ("code", "P001"),
            ("confirm", "yes"),
        ],
    );
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Forgotten with the confirmation: the meeting's total stays, the code is gone from the
    // server and from the tablet's next pull; the audit log says so without the code.
    let before = pull_all(&server, &device.token, None);
    let cursor = before.last().unwrap().cursor;
    let mut f = form("P001");
    f.push(("confirm", "yes".into()));
    let done = post(&mut coord, "/carers/forget", f);
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Carer forgotten"), "{}", done.body);
    let again = post(&mut coord, "/carers/look", form("P001"));
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let page = pull(&server, &device.token, cursor, None);
    assert_eq!(page.erasures.len(), 1, "{page:?}");
    // It names the roster entries of the code (this tablet sent none), never a meeting or
    // an answer.
    assert!(page.erasures[0].records.is_empty(), "{page:?}");
    let input = db.with_store(|s| async move { s.report_input("a").await.unwrap() });
    let course = input
        .meetings
        .iter()
        .find(|m| m.id == sent.course.id)
        .unwrap();
    assert!(course.attendance.participants.is_empty());
    assert_eq!(course.attendance.total(), sent.course.attendance.total());
    let audit = coord.get("/audit?lang=en").body;
    assert!(
        audit.contains("<code>carer_looked_up</code>")
            && audit.contains("<code>carer_exported</code>")
            && audit.contains("<code>carer_forgotten</code>"),
        "{audit}"
    );
    assert!(!audit.contains("P001"), "{audit}");
}

fn the_information_sheet_set_on_the_console_reaches_the_tablets(db: TestDb) {
    let (server, device) = pilot(&db);
    let mut root = Browser::signed_in(&server, "root", PW);
    let token = root.get("/projects").csrf();
    assert!(pull(&server, &device.token, 0, None)
        .information_sheet
        .is_none());
    // Half a sheet, or a retention that is no number: refused, nothing changed.
    let half = root.post(
        "/projects/a/privacy",
        &[
            ("csrf", &token),
            ("sheet_version", "2026-01"),
            ("sheet_it", "Scheda"),
            ("sheet_en", ""),
        ],
    );
    assert_eq!(half.status.as_u16(), 422, "{}", half.body);
    let months = root.post(
        "/projects/a/privacy",
        &[("csrf", &token), ("retention_months", "many")],
    );
    assert_eq!(months.status.as_u16(), 422);
    assert!(pull(&server, &device.token, 0, None)
        .information_sheet
        .is_none());
    assert!(cli(&db, &["carers", "export", "P001", "--project", "a"]).contains("P001"));
    // The whole sheet and a retention: every page of the next pull carries the sheet.
    let done = root.post(
        "/projects/a/privacy",
        &[
            ("csrf", &token),
            ("sheet_version", "2026-01"),
            ("sheet_it", "Scheda informativa del progetto"),
            ("sheet_en", "The project's information sheet"),
            ("retention_months", "24"),
        ],
    );
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let pages = pull_all(&server, &device.token, Some(1));
    assert!(pages.len() > 1);
    assert!(pages.iter().all(|p| {
        p.information_sheet.as_ref().is_some_and(|s| {
            s.version == "2026-01" && s.text.en == "The project's information sheet"
        })
    }));
    let page = root.get("/projects?lang=en").body;
    assert!(
        page.contains("Scheda informativa del progetto") && page.contains("value=\"24\""),
        "{page}"
    );
    // Emptied: the project has none again.
    let cleared = root.post(
        "/projects/a/privacy",
        &[
            ("csrf", &token),
            ("sheet_version", ""),
            ("sheet_it", ""),
            ("sheet_en", ""),
            ("retention_months", ""),
        ],
    );
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(pull(&server, &device.token, 0, None)
        .information_sheet
        .is_none());
    assert!(root
        .get("/audit?lang=en")
        .body
        .contains("<code>privacy_changed</code>"));
}
