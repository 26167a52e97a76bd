//! Which address a console request comes from, for the per-address login limit and the
//! audit log: the connection's peer, or, when the peer is one of the `--trusted-proxy`
//! addresses, the client the proxy names last in X-Forwarded-For. A header from anyone
//! else is ignored: it is only a claim.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer.map(|p| p.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    // The proxy appends the address it saw; earlier entries are the client's own claims.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "10.9.9.9, 203.0.113.7".parse().unwrap());
        let proxy: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let stranger: SocketAddr = "198.51.100.2:4000".parse().unwrap();
        let trusted = ["127.0.0.1".parse().unwrap()];
        assert_eq!(client_address(Some(proxy), &h, &trusted), "203.0.113.7");
        assert_eq!(client_address(Some(stranger), &h, &trusted), "198.51.100.2");
        assert_eq!(
            client_address(Some(proxy), &HeaderMap::new(), &trusted),
            "127.0.0.1"
        );
        assert_eq!(client_address(Some(proxy), &h, &[]), "127.0.0.1");
        let mut bad = HeaderMap::new();
        bad.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(client_address(Some(proxy), &bad, &trusted), "127.0.0.1");
        assert_eq!(client_address(None, &h, &trusted), "unknown");
    }
}
