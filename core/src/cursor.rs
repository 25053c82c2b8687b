//! Opaque, tamper-evident list cursors.
//!
//! A cursor is `base64url(payload ‖ tag)` where
//!
//! - `payload = version (1 byte) ‖ scope hash (16 bytes) ‖ JSON(position)`;
//! - the *scope* is everything a cursor is bound to: the list kind, its sort
//!   and its filters (any serde value; its JSON is hashed with SHA-256);
//! - `tag` is the first 16 bytes of HMAC-SHA256 over the payload, keyed with
//!   a key derived from `Config::cursor_secret`, or, when that is unset, from
//!   the JWT signing key material.
//!
//! Decoding checks the tag (constant time) before anything else, then the
//! scope: a tampered, truncated, foreign (other list, sort or filters) or
//! undecodable cursor is a [`Error::MalformedRequest`]. The position type is
//! generic, so every list of the marketplace uses the same codec.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::config::{Config, JwtKey};
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Format version, first byte of every payload.
const VERSION: u8 = 1;
/// Bytes of the scope hash kept in the payload.
const SCOPE_LEN: usize = 16;
/// Bytes of the HMAC tag kept (HMAC-SHA256-128).
const TAG_LEN: usize = 16;
/// Longest cursor accepted, in characters (positions are small).
const MAX_CURSOR_LEN: usize = 2048;
/// Label the cursor key is derived with, so it never equals another key.
const KEY_LABEL: &[u8] = b"agentmart/list-cursor/v1";

/// Encodes and verifies cursors. Built once per instance.
pub(crate) struct CursorCodec {
    /// HMAC state keyed with the derived cursor key, cloned for every use.
    mac: HmacSha256,
}

impl CursorCodec {
    /// A codec keyed from `config.cursor_secret`, or from the JWT signing key
    /// (HS256 secret, or the private/public PEM of an asymmetric key).
    pub(crate) fn new(config: &Config) -> Self {
        let material: Vec<u8> = match &config.cursor_secret {
            Some(secret) => secret.clone(),
            None => key_material(&config.jwt.signing),
        };
        Self::from_material(&material)
    }

    fn from_material(material: &[u8]) -> Self {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        // HMAC takes keys of any length, so `new_from_slice` does not fail;
        // the hash fallback only keeps this function total.
        let derived: [u8; 32] = match <HmacSha256 as KeyInit>::new_from_slice(material) {
            Ok(mut mac) => {
                mac.update(KEY_LABEL);
                mac.finalize().into_bytes().into()
            }
            Err(_) => Sha256::new().chain_update(KEY_LABEL).chain_update(material).finalize().into(),
        };
        // A key shorter than the block is zero-padded by HMAC itself, so this
        // is HMAC keyed with `derived`, built without a fallible call.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&derived);
        Self { mac: <HmacSha256 as KeyInit>::new(&block.into()) }
    }

    fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }

    /// The opaque cursor for resuming after `position` in the list described by `scope`.
    pub(crate) fn encode<S: Serialize + ?Sized, P: Serialize + ?Sized>(
        &self,
        scope: &S,
        position: &P,
    ) -> Result<String> {
        let json = serde_json::to_vec(position).map_err(Error::internal)?;
        self.seal(scope, &json)
    }

    /// `version | scope hash | payload | tag`, base64url: the cursor around a payload.
    fn seal<S: Serialize + ?Sized>(&self, scope: &S, payload: &[u8]) -> Result<String> {
        let mut bytes = Vec::with_capacity(1 + SCOPE_LEN + payload.len() + TAG_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&scope_hash(scope)?);
        bytes.extend_from_slice(payload);
        let mut mac = self.mac();
        mac.update(&bytes);
        let tag = mac.finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A cursor with a valid tag around an arbitrary position payload, for
    /// the fuzz target (so the position parser sees every input).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn sign_raw_for_fuzzing<S: Serialize + ?Sized>(&self, scope: &S, payload: &[u8]) -> String {
        self.seal(scope, payload).expect("a string scope serialises")
    }

    /// The position in a cursor made by [`CursorCodec::encode`] with the same
    /// scope; `malformed_request` for anything else.
    pub(crate) fn decode<S: Serialize + ?Sized, P: DeserializeOwned>(&self, scope: &S, cursor: &str) -> Result<P> {
        let bad = |why: &str| Error::MalformedRequest(format!("invalid cursor: {why}"));
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(bad("too long"));
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).map_err(|_| bad("not base64url"))?;
        if bytes.len() < 1 + SCOPE_LEN + TAG_LEN {
            return Err(bad("too short"));
        }
        let (payload, tag) = bytes.split_at(bytes.len() - TAG_LEN);
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_truncated_left(tag).map_err(|_| bad("it was altered or issued by another server"))?;
        if payload[0] != VERSION {
            return Err(bad("unsupported version"));
        }
        if payload[1..1 + SCOPE_LEN] != scope_hash(scope)? {
            return Err(bad("it belongs to a list with another sort or other filters"));
        }
        serde_json::from_slice(&payload[1 + SCOPE_LEN..]).map_err(|_| bad("unreadable position"))
    }
}

fn scope_hash<S: Serialize + ?Sized>(scope: &S) -> Result<[u8; SCOPE_LEN]> {
    let json = serde_json::to_vec(scope).map_err(Error::internal)?;
    let digest = Sha256::digest(&json);
    let mut out = [0u8; SCOPE_LEN];
    out.copy_from_slice(&digest[..SCOPE_LEN]);
    Ok(out)
}

fn key_material(key: &JwtKey) -> Vec<u8> {
    if let Some(secret) = &key.secret {
        return secret.clone();
    }
    if let Some(private) = &key.private_pem {
        return private.as_bytes().to_vec();
    }
    key.public_pem.as_deref().unwrap_or_default().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Pos {
        n: u64,
        s: String,
    }

    fn codec() -> CursorCodec {
        CursorCodec::new(&Config::for_tests())
    }

    #[test]
    fn round_trip_and_scope_binding() {
        let c = codec();
        let pos = Pos { n: 42, s: "abc".into() };
        let cursor = c.encode(&("agents", "popular"), &pos).unwrap();
        assert!(cursor.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'));
        assert_eq!(c.decode::<_, Pos>(&("agents", "popular"), &cursor).unwrap(), pos);
        let err = c.decode::<_, Pos>(&("agents", "newest"), &cursor).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::MalformedRequest);
    }

    #[test]
    fn keys_differ_by_secret_and_explicit_secret_wins() {
        let a = codec();
        let mut config = Config::for_tests();
        config.cursor_secret = Some(b"another cursor secret".to_vec());
        let b = CursorCodec::new(&config);
        let cursor = a.encode("s", &1u32).unwrap();
        assert!(b.decode::<_, u32>("s", &cursor).is_err());
        let other_jwt = CursorCodec::new(&Config::with_hs256_secret(vec![9u8; 32]));
        assert!(other_jwt.decode::<_, u32>("s", &cursor).is_err());
        // The same configuration on another instance accepts it.
        assert_eq!(codec().decode::<_, u32>("s", &cursor).unwrap(), 1);
    }

    #[test]
    fn asymmetric_keys_derive_a_key() {
        let key = JwtKey::ed25519_pem(Some("private".into()), "public".into());
        let other = JwtKey::ed25519_pem(Some("private-2".into()), "public".into());
        let a = CursorCodec::new(&Config::with_jwt_key(key));
        let b = CursorCodec::new(&Config::with_jwt_key(other));
        let cursor = a.encode("s", &7u8).unwrap();
        assert_eq!(a.decode::<_, u8>("s", &cursor).unwrap(), 7);
        assert!(b.decode::<_, u8>("s", &cursor).is_err());
    }

    #[test]
    fn garbage_is_malformed() {
        let c = codec();
        for input in ["", "!!!!", "AAAA", &"A".repeat(5000)] {
            let err = c.decode::<_, u32>("s", input).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::MalformedRequest, "{input:?}");
        }
    }

    #[test]
    fn a_position_of_another_type_is_malformed() {
        let c = codec();
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let cursor = c.encode("s", &at).unwrap();
        assert!(c.decode::<_, u64>("s", &cursor).is_err());
        assert_eq!(c.decode::<_, chrono::DateTime<Utc>>("s", &cursor).unwrap(), at);
    }

    proptest! {
        #[test]
        fn round_trips(n in any::<u64>(), s in ".{0,40}", scope in "[a-z]{0,12}") {
            let c = codec();
            let pos = Pos { n, s };
            let cursor = c.encode(&scope, &pos).unwrap();
            prop_assert_eq!(c.decode::<_, Pos>(&scope, &cursor).unwrap(), pos);
        }

        #[test]
        fn any_byte_change_is_rejected(n in any::<u64>(), s in ".{0,40}", index in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let c = codec();
            let cursor = c.encode("scope", &Pos { n, s }).unwrap();
            let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
            let i = index.index(bytes.len());
            bytes[i] ^= flip;
            let tampered = URL_SAFE_NO_PAD.encode(&bytes);
            let err = c.decode::<_, Pos>("scope", &tampered).unwrap_err();
            prop_assert_eq!(err.code(), crate::ErrorCode::MalformedRequest);
        }

        #[test]
        fn truncation_and_extension_are_rejected(n in any::<u64>(), cut in 1usize..200, extra in prop::collection::vec(any::<u8>(), 1..8)) {
            let c = codec();
            let cursor = c.encode("scope", &Pos { n, s: "x".into() }).unwrap();
            let bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
            let short = &bytes[..bytes.len().saturating_sub(cut)];
            prop_assert!(c.decode::<_, Pos>("scope", &URL_SAFE_NO_PAD.encode(short)).is_err());
            let mut long = bytes.clone();
            long.extend_from_slice(&extra);
            prop_assert!(c.decode::<_, Pos>("scope", &URL_SAFE_NO_PAD.encode(&long)).is_err());
        }

        #[test]
        fn arbitrary_strings_never_decode(input in "[A-Za-z0-9_-]{0,120}") {
            let c = codec();
            prop_assert!(c.decode::<_, Pos>("scope", &input).is_err());
        }
    }
}
