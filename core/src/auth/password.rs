//! Password policy (length, common passwords) and argon2id hashing off the
//! async executor.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OnceCell, Semaphore};
use unicode_normalization::UnicodeNormalization;

use crate::config::{HashingParams, PasswordPolicy};
use crate::error::{Error, FieldError, Result};

/// The bundled list of common passwords (one a line, `#` lines are comments).
const COMMON_PASSWORDS_TXT: &str = include_str!("../../data/common-passwords.txt");

/// The common-password list, loaded once.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS_TXT.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
});

/// True when the password (compared case-insensitively) is in the bundled common-password list.
pub(crate) fn is_common(password: &str) -> bool {
    COMMON_PASSWORDS.contains(password.to_lowercase().as_str())
}

/// The form of a password that is checked and hashed: Unicode NFKC, so that
/// the same characters typed on different keyboards give the same hash
/// (NIST SP 800-63B §5.1.1.2).
pub(crate) fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// Checks a (normalised) password against the policy, appending failures to
/// `errors` under `field`. Lengths count characters, not bytes.
pub(crate) fn check_policy(policy: &PasswordPolicy, field: &str, password: &str, errors: &mut Vec<FieldError>) {
    let len = password.chars().count();
    if len < policy.min_len {
        errors.push(FieldError::new(
            field,
            "too_short",
            format!("the password must have at least {} characters", policy.min_len),
        ));
    } else if len > policy.max_len {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("the password must have at most {} characters", policy.max_len),
        ));
    } else if policy.reject_common && is_common(password) {
        errors.push(FieldError::new(field, "too_common", "this password is too common; choose another"));
    }
}

/// Hashes and verifies passwords with argon2id on the blocking pool, at most
/// `permits` at a time (each hash takes `m_cost` KiB of memory).
pub(crate) struct Hasher {
    params: HashingParams,
    argon_params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified for unknown accounts so that a
    /// login for an unknown email takes as long as one for a known email.
    dummy: OnceCell<String>,
}

impl Hasher {
    /// A hasher for these parameters; `max_concurrent` defaults to the number of cores.
    pub(crate) fn new(params: HashingParams, max_concurrent: Option<usize>) -> Result<Self> {
        let argon_params = Params::new(params.m_cost, params.t_cost, params.p_cost, None)
            .map_err(|e| Error::invalid("hashing", "invalid", format!("argon2 parameters out of range: {e}")))?;
        let permits =
            max_concurrent.unwrap_or_else(|| std::thread::available_parallelism().map(usize::from).unwrap_or(1)).max(1);
        Ok(Self { params, argon_params, permits: Arc::new(Semaphore::new(permits)), dummy: OnceCell::new() })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Runs `work` on the blocking pool while holding a permit. The permit
    /// moves into the blocking task, so a cancelled caller still frees it
    /// only when the hash is done (memory stays bounded).
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let permit = self.permits.clone().acquire_owned().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(Error::internal)
    }

    /// The PHC string of an argon2id hash of `password` with a fresh random salt.
    pub(crate) async fn hash(&self, password: String) -> Result<String> {
        let params = self.argon_params.clone();
        self.run(move || {
            let mut salt = [0u8; 16];
            getrandom::fill(&mut salt).map_err(|e| Error::internal(format!("OS random source failed: {e}")))?;
            Self::argon2(params)
                .hash_password_with_salt(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| Error::internal(format!("argon2 hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `password` matches the PHC string (with the parameters stored in it).
    /// A stored hash that cannot be parsed is an internal error.
    pub(crate) async fn verify(&self, password: String, phc: String) -> Result<bool> {
        self.run(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| Error::internal(format!("stored password hash unreadable: {e}")))?;
            match Argon2::default().verify_password(password.as_bytes(), &parsed) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(e) => Err(Error::internal(format!("argon2 verification failed: {e}"))),
            }
        })
        .await?
    }

    /// Verifies `password` against a hash of a random password, to spend the
    /// same time as a real verification. Always false.
    pub(crate) async fn verify_dummy(&self, password: String) -> Result<bool> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                let mut random = [0u8; 24];
                getrandom::fill(&mut random).map_err(|e| Error::internal(format!("OS random source failed: {e}")))?;
                self.hash(hex::encode(random)).await
            })
            .await?
            .clone();
        self.verify(password, dummy).await.map(|_| false)
    }

    /// True when a stored hash was made with other parameters (or another
    /// algorithm or version) than the configured ones, so it should be
    /// recomputed at the next successful login.
    pub(crate) fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else { return true };
        if parsed.algorithm.as_str() != Algorithm::Argon2id.as_str() || parsed.version != Some(0x13) {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(p) => {
                p.m_cost() != self.params.m_cost || p.t_cost() != self.params.t_cost || p.p_cost() != self.params.p_cost
            }
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_list_is_loaded_and_case_insensitive() {
        assert!(COMMON_PASSWORDS.len() > 5_000);
        assert!(!COMMON_PASSWORDS.iter().any(|p| p.starts_with('#')));
        assert!(is_common("password"));
        assert!(is_common("PassWord"));
        assert!(is_common("12345678"));
        assert!(!is_common("correct horse battery staple 42"));
    }

    #[test]
    fn policy_counts_characters_and_rejects_common() {
        let policy = PasswordPolicy::default();
        let check = |pw: &str| {
            let mut errors = Vec::new();
            check_policy(&policy, "password", pw, &mut errors);
            errors.into_iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert_eq!(check("short"), vec!["too_short"]);
        // 8 characters, 16 bytes: long enough.
        assert!(check("éèàùçœæø").is_empty());
        // 7 characters of 4 bytes each (28 bytes): still too short.
        assert_eq!(check("🦀🦀🦀🦀🦀🦀🦀"), vec!["too_short"]);
        assert!(check(&"x".repeat(128)).is_empty());
        assert_eq!(check(&"x".repeat(129)), vec!["too_long"]);
        assert_eq!(check("Password"), vec!["too_common"]);
        // No composition rules.
        assert!(check("all lower case words").is_empty());
    }

    #[test]
    fn nfkc_normalisation_unifies_compatibility_forms() {
        // U+FB01 LATIN SMALL LIGATURE FI becomes "fi"; a decomposed é becomes one char.
        assert_eq!(normalize("\u{FB01}ve"), "five");
        assert_eq!(normalize("e\u{301}"), "é");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_work_is_bounded_by_the_semaphore() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Arc::new(Hasher::new(HashingParams::INSECURE_FAST_FOR_TESTS, Some(2)).unwrap());
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (hasher, running, peak) = (hasher.clone(), running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                hasher
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "{peak} hashes ran at once");
    }

    #[tokio::test]
    async fn hash_verify_and_rehash_detection() {
        let hasher = Hasher::new(HashingParams::INSECURE_FAST_FOR_TESTS, Some(2)).unwrap();
        let phc = hasher.hash("a fine password".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert!(hasher.verify("a fine password".into(), phc.clone()).await.unwrap());
        assert!(!hasher.verify("a fine passwore".into(), phc.clone()).await.unwrap());
        assert!(!hasher.needs_rehash(&phc));
        let stronger = Hasher::new(HashingParams { m_cost: 128, t_cost: 1, p_cost: 1 }, Some(1)).unwrap();
        assert!(stronger.needs_rehash(&phc));
        assert!(hasher.needs_rehash("not a phc string"));
        assert!(!hasher.verify_dummy("anything".into()).await.unwrap());
        assert!(hasher.verify("x".into(), "garbage".into()).await.is_err());
    }
}
