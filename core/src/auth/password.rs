//! Password policy (length, common passwords) and argon2id hashing off the
//! async executor.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
///
/// The argon2 working memory is allocated once per permit and reused (see
/// [`MemoryPool`]): allocating and freeing ~19 MiB per login from whichever
/// blocking-pool thread runs it leaves that much parked in each of glibc's
/// per-thread arenas, which grew a login storm's RSS by hundreds of MiB.
pub(crate) struct Hasher {
    params: HashingParams,
    argon_params: Params,
    permits: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
    /// A hash of a random password, verified for unknown accounts so that a
    /// login for an unknown email takes as long as one for a known email.
    dummy: OnceCell<String>,
}

/// Reusable argon2 working memory: at most one buffer per permit is kept, and
/// each is zeroed when handed back, so no password-derived state lingers.
struct MemoryPool {
    free: Mutex<Vec<Vec<Block>>>,
    /// Buffers larger than this (from a stored hash with a bigger `m_cost`)
    /// are freed instead of kept.
    keep_blocks: usize,
}

impl MemoryPool {
    /// Runs `f` with at least `blocks` blocks of working memory.
    fn with_blocks<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut buffer = self.free.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::new());
        }
        let out = f(&mut buffer[..blocks]);
        if buffer.len() <= self.keep_blocks {
            buffer.fill(Block::new());
            self.free.lock().unwrap_or_else(PoisonError::into_inner).push(buffer);
        }
        out
    }
}

impl Hasher {
    /// A hasher for these parameters; `max_concurrent` defaults to the number of cores.
    pub(crate) fn new(params: HashingParams, max_concurrent: Option<usize>) -> Result<Self> {
        let argon_params = Params::new(params.m_cost, params.t_cost, params.p_cost, None)
            .map_err(|e| Error::invalid("hashing", "invalid", format!("argon2 parameters out of range: {e}")))?;
        let permits =
            max_concurrent.unwrap_or_else(|| std::thread::available_parallelism().map(usize::from).unwrap_or(1)).max(1);
        let memory = MemoryPool { free: Mutex::new(Vec::new()), keep_blocks: argon_params.block_count() };
        Ok(Self {
            params,
            argon_params,
            permits: Arc::new(Semaphore::new(permits)),
            memory: Arc::new(memory),
            dummy: OnceCell::new(),
        })
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
        let memory = self.memory.clone();
        self.run(move || {
            let mut salt = [0u8; 16];
            getrandom::fill(&mut salt).map_err(|e| Error::internal(format!("OS random source failed: {e}")))?;
            let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
            let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
            memory
                .with_blocks(params.block_count(), |blocks| {
                    argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
                })
                .map_err(|e| Error::internal(format!("argon2 hashing failed: {e}")))?;
            let phc = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(Error::internal)?,
                salt: Some(Salt::new(&salt).map_err(Error::internal)?),
                hash: Some(Output::new(&out).map_err(Error::internal)?),
            };
            Ok(phc.to_string())
        })
        .await?
    }

    /// Whether `password` matches the PHC string (with the algorithm, version
    /// and parameters stored in it). A stored hash that cannot be parsed is an
    /// internal error.
    pub(crate) async fn verify(&self, password: String, phc: String) -> Result<bool> {
        let memory = self.memory.clone();
        self.run(move || {
            let unreadable =
                |e: &dyn std::fmt::Display| Error::internal(format!("stored password hash unreadable: {e}"));
            let parsed = PasswordHash::new(&phc).map_err(|e| unreadable(&e))?;
            let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| unreadable(&e))?;
            let version = match parsed.version {
                Some(v) => Version::try_from(v).map_err(|e| unreadable(&e))?,
                None => Version::default(),
            };
            let params = Params::try_from(&parsed).map_err(|e| unreadable(&e))?;
            let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
                return Err(unreadable(&"no salt or hash"));
            };
            let argon2 = Argon2::new(algorithm, version, params.clone());
            let mut out = vec![0u8; expected.len()];
            memory
                .with_blocks(params.block_count(), |blocks| {
                    argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
                })
                .map_err(|e| Error::internal(format!("argon2 verification failed: {e}")))?;
            // `Output` compares in constant time.
            Ok(Output::new(&out).map_err(Error::internal)? == *expected)
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

    #[tokio::test]
    async fn hashes_interoperate_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = Hasher::new(HashingParams { m_cost: 256, t_cost: 2, p_cost: 1 }, Some(1)).unwrap();
        // Ours verify with the argon2 crate's own verifier...
        let ours = hasher.hash("interop password".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"interop password", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"interop passwore", &parsed).is_err());
        // ... and theirs (other parameters, another variant, a longer output) with ours.
        let params = Params::new(512, 1, 2, Some(48)).unwrap();
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i] {
            let theirs = Argon2::new(algorithm, Version::V0x13, params.clone())
                .hash_password_with_salt(b"interop password", b"sixteen byte sal")
                .unwrap()
                .to_string();
            assert!(hasher.verify("interop password".into(), theirs.clone()).await.unwrap(), "{theirs}");
            assert!(!hasher.verify("Interop password".into(), theirs.clone()).await.unwrap());
            assert!(hasher.needs_rehash(&theirs));
        }
    }

    #[tokio::test]
    async fn working_memory_is_reused_and_zeroed() {
        let hasher = Hasher::new(HashingParams { m_cost: 64, t_cost: 1, p_cost: 1 }, Some(1)).unwrap();
        for _ in 0..3 {
            let phc = hasher.hash("reuse".into()).await.unwrap();
            assert!(hasher.verify("reuse".into(), phc).await.unwrap());
        }
        {
            let free = hasher.memory.free.lock().unwrap();
            assert_eq!(free.len(), 1, "one permit, one buffer");
            assert!(free[0].iter().all(|b| b.as_ref().iter().all(|w| *w == 0)), "zeroed after use");
        }
        // A stored hash with a bigger m_cost still verifies; its memory is not kept.
        let big = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(128, 1, 1, None).unwrap());
        let theirs =
            argon2::password_hash::PasswordHasher::hash_password_with_salt(&big, b"reuse", b"saltsaltsaltsalt")
                .unwrap()
                .to_string();
        assert!(hasher.verify("reuse".into(), theirs).await.unwrap());
        assert!(hasher.memory.free.lock().unwrap().iter().all(|b| b.len() <= 64));
    }
}
