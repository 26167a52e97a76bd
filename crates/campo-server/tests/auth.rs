//! Enrollment and authentication against the real binary.

mod common;

use common::*;
use reqwest::StatusCode;

#[test]
fn health_needs_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("campo.db"));
    let health: serde_json::Value = http()
        .get(server.url("/api/v1/health"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert!(health["server_time"].is_string());
    assert!(health["version"].is_string());
}

#[test]
fn enroll_code_works_once_and_not_after_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    let client = http();
    let code = enroll_code(&db, "Tablet 1");
    let body = serde_json::json!({"code": code.to_lowercase(), "device_name": "tab-1"});
    let first = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(
        first.status(),
        StatusCode::OK,
        "case and dashes do not matter"
    );
    let enrolled: serde_json::Value = first.json().unwrap();
    assert_eq!(enrolled["token"].as_str().unwrap().len(), 43);
    let second = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    let err: serde_json::Value = second.json().unwrap();
    assert_eq!(err["code"], "invalid_enroll_code");
    assert_eq!(counts(&db).2, 1, "the used code made one device");

    // An expired code: age it in the database file itself.
    let stale = enroll_code(&db, "Tablet 2");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE enroll_codes SET expires_at = expires_at - 16 * 60 WHERE used_at IS NULL",
            [],
        )
        .unwrap();
    let resp = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&serde_json::json!({"code": stale, "device_name": "tab-2"}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(counts(&db).2, 1);

    // The token itself is never stored.
    let raw = std::fs::read(&db).unwrap();
    let token = enrolled["token"].as_str().unwrap();
    assert!(!raw.windows(token.len()).any(|w| w == token.as_bytes()));
}

#[test]
fn enrollment_is_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("campo.db"));
    let client = http();
    let statuses: Vec<u16> = (0..12)
        .map(|_| {
            client
                .post(server.url("/api/v1/devices/enroll"))
                .json(&serde_json::json!({"code": "AAAA-BBBB-CCCC", "device_name": "x"}))
                .send()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[10], 429);
}

fn protected(server: &Server, token: Option<&str>) -> Vec<(String, StatusCode)> {
    let client = http();
    let with = |rb: reqwest::blocking::RequestBuilder| match token {
        Some(t) => rb.bearer_auth(t),
        None => rb,
    };
    let push = serde_json::json!({"batch_id": uuid::Uuid::now_v7(), "records": []});
    vec![
        (
            "push".into(),
            with(client.post(server.url("/api/v1/sync/push")).json(&push))
                .send()
                .unwrap()
                .status(),
        ),
        (
            "pull".into(),
            with(client.get(server.url("/api/v1/sync/pull?since=0")))
                .send()
                .unwrap()
                .status(),
        ),
        (
            "openapi".into(),
            with(client.get(server.url("/api/v1/openapi.json")))
                .send()
                .unwrap()
                .status(),
        ),
        (
            "admin".into(),
            with(client.get(server.url("/admin")))
                .send()
                .unwrap()
                .status(),
        ),
    ]
}

#[test]
fn every_route_refuses_missing_bad_and_revoked_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    for (route, status) in protected(&server, None) {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{route} without a token");
    }
    for (route, status) in protected(&server, Some("not-a-token")) {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{route} with a bad token");
    }
    let device = enroll_device(&server, "Tablet");
    for (route, status) in protected(&server, Some(&device.token)) {
        if route != "admin" {
            assert_eq!(status, StatusCode::OK, "{route} with a good token");
        }
    }
    cli(&[
        "devices",
        "revoke",
        "--db",
        db.to_str().unwrap(),
        &device.device_id.to_string(),
    ]);
    for (route, status) in protected(&server, Some(&device.token)) {
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{route} with a revoked token"
        );
    }
    let listed = cli(&["devices", "list", "--db", db.to_str().unwrap(), "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert!(listed[0]["revoked_at"].is_string());
}

#[test]
fn admin_page_needs_the_admin_password_and_a_csrf_token_to_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("campo.db");
    let server = Server::start(&db);
    let client = http();
    // No password set yet: the page is closed.
    let resp = client
        .get(server.url("/admin"))
        .basic_auth("admin", Some("whatever-pass"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);

    let mut child = std::process::Command::new(BIN)
        .args([
            "admin-password",
            "--db",
            db.to_str().unwrap(),
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ufficio-valle-2026\n")
        .unwrap();
    assert!(child.wait().unwrap().success());

    let device = enroll_device(&server, "Tablet Valle");
    let wrong = client
        .get(server.url("/admin"))
        .basic_auth("admin", Some("nope-nope-nope"))
        .send()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("www-authenticate").is_some());
    let page = client
        .get(server.url("/admin?lang=en"))
        .basic_auth("admin", Some("ufficio-valle-2026"))
        .send()
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().unwrap();
    assert!(html.contains("Tablet Valle"));
    assert!(html.contains("<svg") || html.contains("<table"));
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let revoke = server.url(&format!("/admin/devices/{}/revoke", device.device_id));
    let forged = client
        .post(&revoke)
        .basic_auth("admin", Some("ufficio-valle-2026"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=forged")
        .send()
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let pull = |c: &reqwest::blocking::Client| {
        c.get(server.url("/api/v1/sync/pull"))
            .bearer_auth(&device.token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(pull(&client), StatusCode::OK);
    let no_redirect = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ok = no_redirect
        .post(&revoke)
        .basic_auth("admin", Some("ufficio-valle-2026"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(pull(&client), StatusCode::UNAUTHORIZED);
}
