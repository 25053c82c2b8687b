//! Opaque secret tokens (refresh, password reset, email verification, email change).
//!
//! A token is a short prefix naming its purpose followed by 32 random bytes
//! from the OS CSPRNG, base64url-encoded without padding. Only its SHA-256
//! ([`TokenHash`]) is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::TokenHash;

/// Prefix of refresh tokens.
pub(crate) const REFRESH_PREFIX: &str = "amr_";
/// Prefix of password-reset tokens.
pub(crate) const RESET_PREFIX: &str = "amp_";
/// Prefix of email-verification tokens.
pub(crate) const VERIFY_PREFIX: &str = "amv_";
/// Prefix of email-change confirmation tokens.
pub(crate) const CHANGE_PREFIX: &str = "amc_";

/// Length of the encoded random part (32 bytes in unpadded base64url).
const ENCODED_LEN: usize = 43;

/// A freshly issued token: the secret for the client and the hash for the store.
pub(crate) struct IssuedToken {
    /// The secret, given to the client once.
    pub(crate) secret: String,
    /// Its SHA-256, what the store keeps.
    pub(crate) hash: TokenHash,
}

/// Fills `buf` from the OS random source.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::internal(format!("OS random source failed: {e}")))
}

/// A new random token with this prefix.
pub(crate) fn issue(prefix: &str) -> Result<IssuedToken> {
    let mut raw = [0u8; 32];
    random_bytes(&mut raw)?;
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(raw));
    let hash = hash(&secret);
    Ok(IssuedToken { secret, hash })
}

/// The SHA-256 of a token as presented.
pub(crate) fn hash(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// The hash of a presented token when it has the expected prefix and shape;
/// `token_invalid` otherwise (without touching the store).
pub(crate) fn parse(prefix: &str, token: &str) -> Result<TokenHash> {
    let token = token.trim();
    match token.strip_prefix(prefix) {
        Some(rest)
            if rest.len() == ENCODED_LEN
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(hash(token))
        }
        _ => Err(Error::TokenInvalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_prefixed_random_and_hash_to_their_stored_form() {
        let a = issue(REFRESH_PREFIX).unwrap();
        let b = issue(REFRESH_PREFIX).unwrap();
        assert!(a.secret.starts_with("amr_"));
        assert_eq!(a.secret.len(), 4 + ENCODED_LEN);
        assert_ne!(a.secret, b.secret);
        assert_ne!(a.hash, b.hash);
        assert_eq!(parse(REFRESH_PREFIX, &a.secret).unwrap(), a.hash);
        // Surrounding whitespace from copy-paste is tolerated.
        assert_eq!(parse(REFRESH_PREFIX, &format!(" {}\n", a.secret)).unwrap(), a.hash);
    }

    #[test]
    fn wrong_prefix_or_shape_is_token_invalid() {
        let t = issue(RESET_PREFIX).unwrap();
        assert!(matches!(parse(VERIFY_PREFIX, &t.secret), Err(Error::TokenInvalid)));
        assert!(matches!(parse(RESET_PREFIX, "amp_short"), Err(Error::TokenInvalid)));
        assert!(matches!(parse(RESET_PREFIX, ""), Err(Error::TokenInvalid)));
        let mut bad = t.secret.clone();
        bad.pop();
        bad.push('!');
        assert!(matches!(parse(RESET_PREFIX, &bad), Err(Error::TokenInvalid)));
    }

    #[test]
    fn hash_is_sha256_of_the_whole_token() {
        assert_eq!(hex::encode(hash("abc").0), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
