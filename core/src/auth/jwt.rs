//! Access tokens: JWTs signed with the configured key, verified against the
//! signing key and any verify-only keys (rotation).
//!
//! Everything expensive (keys, the `Validation`, the header, the JWKS) is
//! built once in [`Jwt::new`]; verification is a signature check plus a few
//! comparisons. `exp` and `nbf` are checked here against the injected clock
//! (with the configured leeway), not by `jsonwebtoken`, which would read the
//! system time.
//!
//! Verified tokens are remembered (a bounded cache keyed by the exact token
//! text): the signature check and the two JSON decodes of `jsonwebtoken`
//! were the largest single cost of an authenticated HTTP request, and a
//! client sends the same access token with every request for its lifetime.
//! Only a token whose every byte was verified with this instance's keys can
//! hit; the time checks (`exp`, `nbf`) still run on every call, and
//! `authenticate` still reads the session, so logout and revocation take
//! effect at once as before.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{JwtAlgorithm, JwtConfig, JwtKey};
use crate::error::{Error, FieldError, Result};
use crate::ids::{SessionId, UserId};
use crate::model::Role;

/// The claims agentmart puts in an access token.
#[derive(Serialize)]
struct IssuedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: UserId,
    sid: SessionId,
    role: Role,
    jti: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// The claims read back from a verified access token (`iss` and `aud` are
/// checked by the `Validation`).
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct AccessClaims {
    /// The user.
    pub(crate) sub: UserId,
    /// The session.
    pub(crate) sid: SessionId,
    /// Expiry, seconds since the epoch.
    pub(crate) exp: i64,
    /// Not before, seconds since the epoch.
    pub(crate) nbf: Option<i64>,
}

struct VerifyKey {
    kid: Option<String>,
    key: DecodingKey,
}

/// Signing and verification of access tokens. Built once per instance.
pub(crate) struct Jwt {
    header: Header,
    encoding: EncodingKey,
    keys: Vec<VerifyKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    leeway: i64,
    jwks: serde_json::Value,
    /// Claims of tokens already verified with `keys`, by token text.
    verified: quick_cache::sync::Cache<Box<str>, AccessClaims>,
}

/// How many verified tokens [`Jwt`] remembers (about 0.5 KiB each).
const VERIFIED_CACHE_TOKENS: usize = 16_384;

fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::HS256 => Algorithm::HS256,
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        JwtAlgorithm::ES256 => Algorithm::ES256,
    }
}

fn key_error(field: &str, what: &str, err: impl std::fmt::Display) -> Error {
    Error::Validation(vec![FieldError::new(field, "invalid_key", format!("{what}: {err}"))])
}

fn decoding_key(field: &str, key: &JwtKey) -> Result<DecodingKey> {
    match key.algorithm {
        JwtAlgorithm::HS256 => match &key.secret {
            Some(secret) => Ok(DecodingKey::from_secret(secret)),
            None => Err(key_error(field, "missing secret", "an HS256 key needs a secret")),
        },
        JwtAlgorithm::EdDSA | JwtAlgorithm::ES256 => {
            let pem = key.public_pem.as_deref().ok_or_else(|| key_error(field, "missing key", "no public PEM"))?;
            let parsed = if key.algorithm == JwtAlgorithm::EdDSA {
                DecodingKey::from_ed_pem(pem.as_bytes())
            } else {
                DecodingKey::from_ec_pem(pem.as_bytes())
            };
            parsed.map_err(|e| key_error(field, "unreadable public key PEM", e))
        }
    }
}

fn encoding_key(key: &JwtKey) -> Result<EncodingKey> {
    const FIELD: &str = "jwt.signing";
    match key.algorithm {
        JwtAlgorithm::HS256 => match &key.secret {
            Some(secret) => Ok(EncodingKey::from_secret(secret)),
            None => Err(key_error(FIELD, "missing secret", "an HS256 key needs a secret")),
        },
        JwtAlgorithm::EdDSA | JwtAlgorithm::ES256 => {
            let pem = key.private_pem.as_deref().ok_or_else(|| key_error(FIELD, "missing key", "no private PEM"))?;
            let parsed = if key.algorithm == JwtAlgorithm::EdDSA {
                EncodingKey::from_ed_pem(pem.as_bytes())
            } else {
                EncodingKey::from_ec_pem(pem.as_bytes())
            };
            parsed.map_err(|e| key_error(FIELD, "unreadable private key PEM (PKCS#8 expected)", e))
        }
    }
}

impl Jwt {
    /// Loads the keys of `config` (already checked by `Config::validate`) and
    /// checks that the signing key's private and public halves match.
    pub(crate) fn new(config: &JwtConfig) -> Result<Self> {
        let alg = algorithm(config.signing.algorithm);
        let mut header = Header::new(alg);
        header.kid = config.signing.kid.clone();
        let encoding = encoding_key(&config.signing)?;

        let mut keys =
            vec![VerifyKey { kid: config.signing.kid.clone(), key: decoding_key("jwt.signing", &config.signing)? }];
        for (i, key) in config.verify_only.iter().enumerate() {
            let field = format!("jwt.verify_only[{i}]");
            if key.algorithm != config.signing.algorithm {
                return Err(key_error(&field, "algorithm mismatch", "every key must use the signing key's algorithm"));
            }
            keys.push(VerifyKey { kid: key.kid.clone(), key: decoding_key(&field, key)? });
        }

        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_audience(&[config.audience.as_str()]);
        // Time claims are checked against the injected clock in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;

        let jwks = match config.signing.algorithm {
            JwtAlgorithm::HS256 => serde_json::json!({ "keys": [] }),
            JwtAlgorithm::EdDSA | JwtAlgorithm::ES256 => {
                let mut set = JwkSet::default();
                for key in &keys {
                    let mut jwk = Jwk::from_decoding_key(&key.key, Some(alg))
                        .map_err(|e| key_error("jwt", "cannot export public key as JWK", e))?;
                    jwk.common.key_id = key.kid.clone();
                    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
                    set.keys.push(jwk);
                }
                serde_json::to_value(&set).map_err(Error::internal)?
            }
        };

        let jwt = Self {
            header,
            encoding,
            keys,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX),
            jwks,
            verified: quick_cache::sync::Cache::new(VERIFIED_CACHE_TOKENS),
        };
        // A private key that does not match its public key would issue tokens
        // nobody accepts: refuse the configuration instead.
        let probe =
            jwt.sign(UserId::new(), SessionId::new(), Role::User, DateTime::UNIX_EPOCH, chrono::Duration::seconds(60))?;
        let data = jsonwebtoken::decode::<AccessClaims>(&probe, &jwt.keys[0].key, &jwt.validation);
        if data.is_err() {
            return Err(key_error("jwt.signing", "key pair mismatch", "the private key does not match the public key"));
        }
        Ok(jwt)
    }

    /// Signs an access token for this user and session, valid for `ttl` from `now`.
    pub(crate) fn sign(
        &self,
        user: UserId,
        session: SessionId,
        role: Role,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<String> {
        let mut jti = [0u8; 16];
        super::tokens::random_bytes(&mut jti)?;
        let iat = now.timestamp();
        let claims = IssuedClaims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: user,
            sid: session,
            role,
            jti: URL_SAFE_NO_PAD.encode(jti),
            iat,
            nbf: iat,
            exp: (now + ttl).timestamp(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.encoding).map_err(Error::internal)
    }

    /// Verifies signature, algorithm, `iss`, `aud`, `exp` and `nbf` (with
    /// leeway, at `now`). A token past its `exp` is `token_expired`; anything
    /// else wrong is `token_invalid`.
    pub(crate) fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims> {
        let claims = match self.verified.get(token) {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signature(token)?;
                self.verified.insert(token.into(), claims);
                claims
            }
        };
        let now = now.timestamp();
        if let Some(nbf) = claims.nbf
            && nbf > now.saturating_add(self.leeway)
        {
            return Err(Error::TokenInvalid);
        }
        if claims.exp.saturating_add(self.leeway) <= now {
            return Err(Error::TokenExpired);
        }
        Ok(claims)
    }

    /// The claims of a token whose signature, algorithm, `iss` and `aud` check
    /// out; times are not checked. A token that names a `kid` is checked only
    /// with the key of that id, and refused when no configured key has it —
    /// with a single key too (RFC 8725 §3.10: an unknown `kid` is an error, not
    /// a hint). A token without `kid` (issued before ids were configured) is
    /// tried against each key.
    fn verify_signature(&self, token: &str) -> Result<AccessClaims> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Error::TokenInvalid)?;
        match header.kid {
            Some(kid) => {
                let key =
                    self.keys.iter().find(|k| k.kid.as_deref() == Some(kid.as_str())).ok_or(Error::TokenInvalid)?;
                self.decode_with(token, &key.key)
            }
            None => self.keys.iter().find_map(|k| self.decode_with(token, &k.key).ok()).ok_or(Error::TokenInvalid),
        }
    }

    fn decode_with(&self, token: &str, key: &DecodingKey) -> Result<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| Error::TokenInvalid)
    }

    /// The public keys as a JWK set (`{"keys": []}` for HS256).
    pub(crate) fn jwks(&self) -> serde_json::Value {
        self.jwks.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::Config;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn hs_config(secret: &[u8]) -> JwtConfig {
        Config::with_hs256_secret(secret.to_vec()).jwt
    }

    #[test]
    fn round_trip_and_expiry_with_leeway() {
        let jwt = Jwt::new(&hs_config(&[1u8; 32])).unwrap();
        let (user, session) = (UserId::new(), SessionId::new());
        let token = jwt.sign(user, session, Role::Admin, now(), chrono::Duration::minutes(15)).unwrap();
        let claims = jwt.verify(&token, now()).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        // Within the 30 s leeway after exp: still fine; past it: expired.
        assert!(jwt.verify(&token, now() + chrono::Duration::seconds(15 * 60 + 29)).is_ok());
        assert!(matches!(
            jwt.verify(&token, now() + chrono::Duration::seconds(15 * 60 + 30)),
            Err(Error::TokenExpired)
        ));
        // Issued in the future beyond the leeway: not yet valid.
        assert!(matches!(jwt.verify(&token, now() - chrono::Duration::seconds(31)), Err(Error::TokenInvalid)));
    }

    #[test]
    fn remembered_tokens_still_expire_and_only_exact_tokens_hit() {
        let jwt = Jwt::new(&hs_config(&[4u8; 32])).unwrap();
        let token =
            jwt.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(15)).unwrap();
        for _ in 0..3 {
            jwt.verify(&token, now()).unwrap();
        }
        assert_eq!(jwt.verified.len(), 1, "verified once, remembered");
        // Time checks run on every call, cached or not.
        let later = now() + chrono::Duration::hours(2);
        assert!(matches!(jwt.verify(&token, later), Err(Error::TokenExpired)));
        let earlier = now() - chrono::Duration::hours(2);
        assert!(matches!(jwt.verify(&token, earlier), Err(Error::TokenInvalid)));
        // Any other byte sequence is verified afresh (and a forgery is not remembered).
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(matches!(jwt.verify(&forged, now()), Err(Error::TokenInvalid)));
        assert_eq!(jwt.verified.len(), 1);
        // Another instance (other keys) has its own memory.
        let other = Jwt::new(&hs_config(&[5u8; 32])).unwrap();
        assert!(matches!(other.verify(&token, now()), Err(Error::TokenInvalid)));
    }

    #[test]
    fn wrong_key_issuer_audience_or_garbage_is_invalid() {
        let jwt = Jwt::new(&hs_config(&[1u8; 32])).unwrap();
        let other = Jwt::new(&hs_config(&[2u8; 32])).unwrap();
        let token =
            other.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5)).unwrap();
        assert!(matches!(jwt.verify(&token, now()), Err(Error::TokenInvalid)));

        let mut cfg = hs_config(&[1u8; 32]);
        cfg.audience = "someone-else".into();
        let foreign_aud = Jwt::new(&cfg).unwrap();
        let token = foreign_aud.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5));
        assert!(matches!(jwt.verify(&token.unwrap(), now()), Err(Error::TokenInvalid)));

        let mut cfg = hs_config(&[1u8; 32]);
        cfg.issuer = "mallory".into();
        let foreign_iss = Jwt::new(&cfg).unwrap();
        let token = foreign_iss.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5));
        assert!(matches!(jwt.verify(&token.unwrap(), now()), Err(Error::TokenInvalid)));

        assert!(matches!(jwt.verify("not.a.jwt", now()), Err(Error::TokenInvalid)));
        assert!(matches!(jwt.verify("", now()), Err(Error::TokenInvalid)));
    }

    #[test]
    fn an_expired_token_with_a_bad_signature_is_invalid_not_expired() {
        let jwt = Jwt::new(&hs_config(&[1u8; 32])).unwrap();
        let other = Jwt::new(&hs_config(&[2u8; 32])).unwrap();
        let token =
            other.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5)).unwrap();
        assert!(matches!(jwt.verify(&token, now() + chrono::Duration::hours(1)), Err(Error::TokenInvalid)));
    }

    #[test]
    fn alg_none_is_refused() {
        // A valid token's claims under an `{"alg":"none","typ":"JWT"}` header,
        // unsigned and with its original signature: both refused.
        let jwt = Jwt::new(&hs_config(&[1u8; 32])).unwrap();
        let token =
            jwt.sign(UserId::new(), SessionId::new(), Role::Admin, now(), chrono::Duration::minutes(5)).unwrap();
        let mut parts = token.split('.');
        let (_, claims, signature) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        for forged in [format!("{none}.{claims}."), format!("{none}.{claims}.{signature}")] {
            assert!(matches!(jwt.verify(&forged, now()), Err(Error::TokenInvalid)), "{forged}");
        }
        assert!(jwt.verify(&token, now()).is_ok(), "the untouched token verifies");
    }

    #[test]
    fn an_unknown_kid_is_refused_even_with_a_single_key() {
        let secret = vec![7u8; 32];
        let (user, session) = (UserId::new(), SessionId::new());
        let sign = |kid: Option<&str>| {
            let mut key = JwtKey::hs256(secret.clone());
            if let Some(kid) = kid {
                key = key.with_kid(kid);
            }
            let cfg = JwtConfig { signing: key, ..hs_config(&secret) };
            Jwt::new(&cfg).unwrap().sign(user, session, Role::User, now(), chrono::Duration::minutes(5)).unwrap()
        };
        // One key with id "k1": its own tokens verify, a token naming another id does not,
        // though the signature itself is right.
        let cfg = JwtConfig { signing: JwtKey::hs256(secret.clone()).with_kid("k1"), ..hs_config(&secret) };
        let jwt = Jwt::new(&cfg).unwrap();
        assert!(jwt.verify(&sign(Some("k1")), now()).is_ok());
        assert!(matches!(jwt.verify(&sign(Some("k2")), now()), Err(Error::TokenInvalid)));
        // A token without a kid (issued before ids were set) is still tried.
        assert!(jwt.verify(&sign(None), now()).is_ok());
        // One key without an id: a token naming any id is refused.
        let jwt = Jwt::new(&hs_config(&secret)).unwrap();
        assert!(jwt.verify(&sign(None), now()).is_ok());
        assert!(matches!(jwt.verify(&sign(Some("k1")), now()), Err(Error::TokenInvalid)));
    }

    #[test]
    fn rotation_accepts_verify_only_keys_by_kid() {
        let old = JwtConfig {
            signing: JwtKey::hs256(vec![1u8; 32]).with_kid("2025"),
            verify_only: vec![],
            issuer: "agentmart".into(),
            audience: "agentmart".into(),
            leeway: Duration::from_secs(30),
        };
        let rotated = JwtConfig {
            signing: JwtKey::hs256(vec![2u8; 32]).with_kid("2026"),
            verify_only: vec![JwtKey::hs256(vec![1u8; 32]).with_kid("2025")],
            ..old.clone()
        };
        let old_jwt = Jwt::new(&old).unwrap();
        let new_jwt = Jwt::new(&rotated).unwrap();
        let old_token = old_jwt.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5));
        let old_token = old_token.unwrap();
        assert!(new_jwt.verify(&old_token, now()).is_ok());
        let new_token = new_jwt.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5));
        let new_token = new_token.unwrap();
        assert_eq!(jsonwebtoken::decode_header(&new_token).unwrap().kid.as_deref(), Some("2026"));
        assert!(new_jwt.verify(&new_token, now()).is_ok());
        // The old instance does not know the new key.
        assert!(matches!(old_jwt.verify(&new_token, now()), Err(Error::TokenInvalid)));
    }

    #[test]
    fn hs256_jwks_is_empty() {
        let jwt = Jwt::new(&hs_config(&[1u8; 32])).unwrap();
        assert_eq!(jwt.jwks(), serde_json::json!({"keys": []}));
    }

    // Test-only key pairs (generated with openssl for these tests).
    const ED_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMaTdN4+rF2tER6swEjs/qxene6wltcJT7VRpV7ysZ4w\n-----END PRIVATE KEY-----\n";
    const ED_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEADlV839BVv6i7y8MO+MKxHCtcHaJaDK0587jQXVUTv8I=\n-----END PUBLIC KEY-----\n";
    const OTHER_ED_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA6978madsItuSHK0oQVh851UdAf0C7BCmak5CTx8n2w0=\n-----END PUBLIC KEY-----\n";
    const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGn2iokUTHHWCMPd3\nDz/wmcbh8vDc4sQsm6pM9qLaJm+hRANCAASQhM3Q1L/ow6cTm19186PlzUOX4x7D\n/CNDmDjIsZ8WoyUVHhg5+t25pwnOEso1rxbKSYzuwORAZA5KxGvbHypp\n-----END PRIVATE KEY-----\n";
    const EC_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkITN0NS/6MOnE5tfdfOj5c1Dl+Me\nw/wjQ5g4yLGfFqMlFR4YOfrduacJzhLKNa8WykmM7sDkQGQOSsRr2x8qaQ==\n-----END PUBLIC KEY-----\n";

    fn asym_config(key: JwtKey) -> JwtConfig {
        Config::with_jwt_key(key).jwt
    }

    #[test]
    fn eddsa_signs_verifies_and_exports_jwks() {
        let cfg = asym_config(JwtKey::ed25519_pem(Some(ED_PRIVATE.into()), ED_PUBLIC.into()).with_kid("ed-1"));
        let jwt = Jwt::new(&cfg).unwrap();
        let token = jwt.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5)).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::EdDSA, Some("ed-1")));
        assert!(jwt.verify(&token, now()).is_ok());
        let jwks = jwt.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kty"], "OKP");
        assert_eq!(keys[0]["crv"], "Ed25519");
        assert_eq!(keys[0]["kid"], "ed-1");
        assert_eq!(keys[0]["use"], "sig");
        assert_eq!(keys[0]["alg"], "EdDSA");
        assert!(keys[0].get("d").is_none(), "no private material in the JWKS");
        // The exported JWK verifies the token on its own.
        let jwk: Jwk = serde_json::from_value(keys[0].clone()).unwrap();
        let key = DecodingKey::from_jwk(&jwk).unwrap();
        assert!(jsonwebtoken::decode::<AccessClaims>(&token, &key, &jwt.validation).is_ok());
    }

    #[test]
    fn es256_signs_verifies_and_exports_jwks() {
        let cfg = asym_config(JwtKey::es256_pem(Some(EC_PRIVATE.into()), EC_PUBLIC.into()).with_kid("ec-1"));
        let jwt = Jwt::new(&cfg).unwrap();
        let token = jwt.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5)).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().alg, Algorithm::ES256);
        assert!(jwt.verify(&token, now()).is_ok());
        let jwks = jwt.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "EC");
        assert_eq!(jwks["keys"][0]["crv"], "P-256");
        assert_eq!(jwks["keys"][0]["kid"], "ec-1");
        assert!(jwks["keys"][0]["x"].is_string() && jwks["keys"][0]["y"].is_string());
    }

    #[test]
    fn algorithm_is_pinned() {
        // An HS256 token signed with the *public key bytes* as secret (the
        // classic confusion attack) and a plain HS256 token are refused.
        let ed = Jwt::new(&asym_config(JwtKey::ed25519_pem(Some(ED_PRIVATE.into()), ED_PUBLIC.into()))).unwrap();
        let hs = Jwt::new(&hs_config(ED_PUBLIC.as_bytes())).unwrap();
        let token = hs.sign(UserId::new(), SessionId::new(), Role::Admin, now(), chrono::Duration::minutes(5)).unwrap();
        assert!(matches!(ed.verify(&token, now()), Err(Error::TokenInvalid)));
        let es = Jwt::new(&asym_config(JwtKey::es256_pem(Some(EC_PRIVATE.into()), EC_PUBLIC.into()))).unwrap();
        let token = es.sign(UserId::new(), SessionId::new(), Role::User, now(), chrono::Duration::minutes(5)).unwrap();
        assert!(matches!(ed.verify(&token, now()), Err(Error::TokenInvalid)));
    }

    #[test]
    fn bad_or_mismatched_keys_are_configuration_errors() {
        let mismatched = asym_config(JwtKey::ed25519_pem(Some(ED_PRIVATE.into()), OTHER_ED_PUBLIC.into()));
        let err = Jwt::new(&mismatched).err().unwrap();
        assert_eq!(err.field_errors()[0].field, "jwt.signing");
        let garbage = asym_config(JwtKey::es256_pem(Some("not a pem".into()), EC_PUBLIC.into()));
        assert_eq!(Jwt::new(&garbage).err().unwrap().field_errors()[0].code, "invalid_key");
        let mut cfg = asym_config(JwtKey::ed25519_pem(Some(ED_PRIVATE.into()), ED_PUBLIC.into()));
        cfg.verify_only.push(JwtKey::ed25519_pem(None, "garbage".into()));
        assert_eq!(Jwt::new(&cfg).err().unwrap().field_errors()[0].field, "jwt.verify_only[0]");
    }

    #[test]
    fn verify_only_public_keys_are_in_the_jwks() {
        let mut cfg = asym_config(JwtKey::ed25519_pem(Some(ED_PRIVATE.into()), ED_PUBLIC.into()).with_kid("new"));
        cfg.verify_only.push(JwtKey::ed25519_pem(None, OTHER_ED_PUBLIC.into()).with_kid("old"));
        let jwt = Jwt::new(&cfg).unwrap();
        let kids: Vec<_> = jwt.jwks()["keys"].as_array().unwrap().iter().map(|k| k["kid"].clone()).collect();
        assert_eq!(kids, vec![serde_json::json!("new"), serde_json::json!("old")]);
    }
}
