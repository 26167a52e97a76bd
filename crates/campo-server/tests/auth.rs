//! Enrollment and authentication against the real binary, on both engines: every route
//! that needs a device token refuses none, a bad one and a revoked one. (The office
//! console's accounts and sessions are tested in console.rs.)

mod common;

use common::*;
use reqwest::StatusCode;

on_both_engines!(
    health_needs_no_token,
    enroll_code_works_once_and_not_after_expiry,
    enrollment_is_rate_limited_per_address_across_processes,
    every_route_refuses_missing_bad_and_revoked_tokens,
);

fn health_needs_no_token(db: TestDb) {
    let server = Server::start(&db);
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

fn enroll_code_works_once_and_not_after_expiry(db: TestDb) {
    let server = Server::start(&db);
    let client = http();
    let code = enroll_code(&db, "Tablet 1");
    let body = enroll_body(&code.to_lowercase(), "tab-1");
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
    let token = enrolled["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);
    let second = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    let err: serde_json::Value = second.json().unwrap();
    assert_eq!(err["code"], "invalid_enroll_code");
    assert_eq!(db.counts().devices, 1, "the used code made one device");

    // An expired code: age it in the database itself.
    let stale = enroll_code(&db, "Tablet 2");
    db.execute(
        "UPDATE enroll_codes SET expires_at = expires_at - 16 * 60 WHERE used_at IS NULL",
        "UPDATE enroll_codes SET expires_at = expires_at - interval '16 minutes' WHERE used_at IS NULL",
    );
    let resp = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&enroll_body(&stale, "tab-2"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(db.counts().devices, 1);

    // A device name out of bounds is refused before the code is used up.
    let fresh = enroll_code(&db, "Tablet 3");
    let resp = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&enroll_body(&fresh, "   "))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    enroll_with_code(&server, &fresh, "tab-3");
    assert_eq!(db.counts().devices, 2);

    // Neither the token nor the code is stored: only their hashes.
    let dump = db.dump();
    assert!(dump.contains("tab-1"), "the dump reads the devices table");
    assert!(!dump.contains(&token), "a token is stored in clear");
    let normalized: String = code.chars().filter(|c| *c != '-').collect();
    assert!(
        !dump.contains(&code) && !dump.contains(&normalized),
        "an enrollment code is stored in clear"
    );
    if let Some(path) = db.sqlite_path() {
        for file in [path.clone(), path.with_extension("db-wal")] {
            if let Ok(raw) = std::fs::read(&file) {
                assert!(
                    !raw.windows(token.len()).any(|w| w == token.as_bytes()),
                    "token in {}",
                    file.display()
                );
            }
        }
    }
}

/// Waits until the current minute has at least 15 s left, so a burst of attempts stays in
/// one rate-limit window.
fn away_from_a_minute_boundary() {
    loop {
        let second = chrono::Utc::now().timestamp() % 60;
        if second < 45 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

fn enrollment_is_rate_limited_per_address_across_processes(db: TestDb) {
    let one = Server::start(&db);
    let two = Server::start(&db);
    let client = http();
    let attempt = |server: &Server| {
        client
            .post(server.url("/api/v1/devices/enroll"))
            .json(&enroll_body("AAAA-BBBB-CCCC", "x"))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    away_from_a_minute_boundary();
    // Ten attempts a minute from one address, whichever process answers them: the count
    // lives in the database.
    let statuses: Vec<u16> = (0..10)
        .map(|i| attempt(if i % 2 == 0 { &one } else { &two }))
        .collect();
    assert_eq!(statuses, [401; 10]);
    assert_eq!(attempt(&two), 429);
    assert_eq!(attempt(&one), 429);
    // A good code is refused too while the limit holds.
    let code = enroll_code(&db, "Tablet");
    let resp = client
        .post(one.url("/api/v1/devices/enroll"))
        .json(&enroll_body(&code, "x"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let err: serde_json::Value = resp.json().unwrap();
    assert_eq!(err["code"], "rate_limited");
    assert_eq!(db.counts().devices, 0);
}

/// Every route that needs a device token, called with `token`.
fn protected(server: &Server, token: Option<&str>) -> Vec<(String, reqwest::blocking::Response)> {
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
                .unwrap(),
        ),
        (
            "pull".into(),
            with(client.get(server.url("/api/v1/sync/pull?since=0")))
                .send()
                .unwrap(),
        ),
        (
            "pull paged".into(),
            with(client.get(server.url("/api/v1/sync/pull?since=0&limit=1")))
                .send()
                .unwrap(),
        ),
        (
            "openapi".into(),
            with(client.get(server.url("/api/v1/openapi.json")))
                .send()
                .unwrap(),
        ),
    ]
}

fn assert_unauthorized(server: &Server, token: Option<&str>, what: &str) {
    for (route, resp) in protected(server, token) {
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{route} with {what}"
        );
        let err: serde_json::Value = resp.json().unwrap();
        assert_eq!(err["code"], "unauthorized", "{route} with {what}");
    }
}

fn every_route_refuses_missing_bad_and_revoked_tokens(db: TestDb) {
    let server = Server::start(&db);
    assert_unauthorized(&server, None, "no token");
    assert_unauthorized(&server, Some("not-a-token"), "a bad token");
    assert_unauthorized(&server, Some(&"x".repeat(200)), "an overlong token");
    let device = enroll_device(&server, &db, "Tablet");
    let other = enroll_device(&server, &db, "Other");
    for (route, resp) in protected(&server, Some(&device.token)) {
        assert_eq!(resp.status(), StatusCode::OK, "{route} with a good token");
    }
    // A token that is almost right is wrong.
    let mut near = device.token.clone();
    let last = near.pop().unwrap();
    near.push(if last == 'A' { 'B' } else { 'A' });
    assert_unauthorized(&server, Some(&near), "a token one character off");
    // Basic auth is not a device token.
    let resp = http()
        .get(server.url("/api/v1/sync/pull"))
        .basic_auth("device", Some(&device.token))
        .send()
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let out = cli(&db, &["devices", "revoke", &device.device_id.to_string()]);
    assert!(out.contains("revoked"), "{out}");
    // Refused from the very next request, by the running server, without a restart.
    assert_unauthorized(&server, Some(&device.token), "a revoked token");
    for (route, resp) in protected(&server, Some(&other.token)) {
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{route}: another device is unaffected"
        );
    }
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&db, &["devices", "list", "--json"])).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for d in listed {
        let revoked = d["id"] == device.device_id.to_string();
        assert_eq!(d["revoked_at"].is_string(), revoked, "{d}");
    }
    // Revoking again keeps the device revoked and says so; an unknown id is an error.
    cli(&db, &["devices", "revoke", &device.device_id.to_string()]);
    assert_unauthorized(&server, Some(&device.token), "a token revoked twice");
    let err = cli_fails(
        &db,
        &["devices", "revoke", &uuid::Uuid::now_v7().to_string()],
    );
    assert!(err.contains("no device"), "{err}");
}
