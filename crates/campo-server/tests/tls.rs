//! HTTPS with rustls, with a self-signed certificate made for the test, on both engines.

mod common;

use common::*;

on_both_engines!(serves_https_with_the_given_certificate);

fn serves_https_with_the_given_certificate(db: TestDb) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert_path = db.dir().join("cert.pem");
    let key_path = db.dir().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let server = Server::start_with(
        &db,
        &[
            "--tls-cert",
            cert_path.to_str().unwrap(),
            "--tls-key",
            key_path.to_str().unwrap(),
        ],
    );
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let client = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let health: serde_json::Value = client
        .get(server.url("/api/v1/health"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    // Enrollment (which reads the client address for its rate limit) works over TLS too,
    // and so does an authenticated route.
    let code = enroll_code(&db, "Tablet TLS");
    let resp = client
        .post(server.url("/api/v1/devices/enroll"))
        .json(&enroll_body(&code, "tls"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let enrolled: campo_wire::EnrollResponse = resp.json().unwrap();
    let resp = client
        .get(server.url("/api/v1/sync/pull"))
        .bearer_auth(&enrolled.token)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A client that does not trust the certificate is refused at the handshake.
    assert!(http().get(server.url("/api/v1/health")).send().is_err());
    // Plain HTTP to the TLS port gets no answer.
    let plain = server.url("/api/v1/health").replace("https://", "http://");
    assert!(http()
        .get(plain)
        .send()
        .map(|r| !r.status().is_success())
        .unwrap_or(true));
}
