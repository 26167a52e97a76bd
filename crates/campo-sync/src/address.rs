//! Which server addresses the client accepts. The device token and every record travel in
//! each request, so they go over TLS: `https://`, except to this device's own loopback
//! address (a server on the same machine, as in a demo or a test), where nothing crosses a
//! network.

use crate::error::SyncError;
use reqwest::Url;
use std::net::IpAddr;

/// The server's base address, checked: an `http(s)://` URL with a host, and `https://`
/// unless the host is a loopback address (127.0.0.0/8, `::1`) or `localhost`. Returns it
/// without surrounding white space and trailing slashes.
pub fn check_server_url(url: &str) -> Result<String, SyncError> {
    let base = url.trim().trim_end_matches('/').to_string();
    let parsed = Url::parse(&base).map_err(|_| SyncError::InvalidUrl(url.into()))?;
    if parsed.host().is_none() {
        return Err(SyncError::InvalidUrl(url.into()));
    }
    match parsed.scheme() {
        "https" => Ok(base),
        "http" if is_loopback(&parsed) => Ok(base),
        "http" => Err(SyncError::InsecureUrl(url.into())),
        _ => Err(SyncError::InvalidUrl(url.into())),
    }
}

/// Whether the URL's host is this device itself. The URL parser has already read
/// `127.1`, `0x7f.0.0.1` and the like as the IPv4 address they mean, and lowered the case
/// of names.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_accepted_anywhere() {
        for url in [
            "https://campo.example.org",
            " https://campo.example.org/ ",
            "https://10.0.0.5:8443",
            "https://[2001:db8::1]",
            "https://127.0.0.1:8770",
        ] {
            let base = check_server_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!base.ends_with('/') && !base.starts_with(' '), "{base}");
        }
    }

    #[test]
    fn plain_http_is_accepted_on_loopback_only() {
        for url in [
            "http://127.0.0.1:8770",
            "http://127.8.9.10",
            "http://127.1",
            "http://[::1]:8770/",
            "http://localhost:8770",
            "http://LOCALHOST",
        ] {
            assert!(check_server_url(url).is_ok(), "{url}");
        }
        for url in [
            "http://campo.example.org",
            "http://192.168.1.20:8770",
            "http://10.0.0.1",
            "http://[2001:db8::1]",
            "http://[::ffff:127.0.0.1]",
            "http://localhost.campo.example.org",
            "http://128.0.0.1",
            "http://0.0.0.0:8770",
        ] {
            match check_server_url(url) {
                Err(e @ SyncError::InsecureUrl(_)) => {
                    assert_eq!(e.code(), "insecure_url");
                    assert_eq!(e.class(), None, "a setting to fix, not a network state");
                    assert!(!e.is_retryable());
                    let message = e.to_string();
                    assert!(
                        message.contains("https://") && message.contains(url),
                        "{message}"
                    );
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn what_is_not_an_http_url_is_invalid() {
        for url in [
            "ftp://campo.example.org",
            "not a url",
            "",
            "https://",
            "file:///x",
        ] {
            assert!(
                matches!(check_server_url(url), Err(SyncError::InvalidUrl(_))),
                "{url}"
            );
        }
    }
}
