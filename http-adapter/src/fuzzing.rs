//! Entry point for the `forwarded_for` `cargo fuzz` target in `fuzz/`
//! (feature `fuzzing`; not a stable API).

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue};

/// `X-Forwarded-For` lines (the input split at `\n`, one header line each)
/// from a trusted proxy at 10.0.0.1, with 10.0.0.0/8 and 2001:db8::/32
/// trusted: the walk never panics, and the client it names is either not a
/// trusted proxy or every hop was one (then it is the left-most hop).
pub fn forwarded_for(input: &[u8]) {
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("net"), "2001:db8::/32".parse().expect("net")];
    let mut headers = HeaderMap::new();
    for line in input.split(|b| *b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append("x-forwarded-for", value);
        }
    }
    let peer: IpAddr = "10.0.0.1".parse().expect("address");
    if let Some(client) = crate::edge::walk_forwarded(&trusted, &headers, peer) {
        let all_trusted = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .all(|hop| crate::edge::parse_hop(hop).is_some_and(|ip| trusted.iter().any(|n| n.contains(&ip))));
        let is_trusted = trusted.iter().any(|n| n.contains(&client));
        assert!(!is_trusted || all_trusted, "a trusted proxy {client} was taken for the client");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_corpus_replays_without_a_failure() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/forwarded_for");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("seed corpus") {
            super::forwarded_for(&std::fs::read(entry.expect("entry").path()).expect("read"));
            seen += 1;
        }
        assert!(seen > 0);
    }
}
