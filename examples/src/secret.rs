//! The signing secret of the examples: never a published one.
//!
//! The examples used to fall back to a hard-coded secret; anyone who copied
//! one into a deployment signed tokens with a key printed in this repository.
//! Now the secret comes from `AGENTMART_JWT_SECRET`, or, when that is unset, is
//! generated at random for this run (tokens then die with the process); a
//! secret equal to any one published in this repository's docs, examples or
//! tests is refused. The Node and Python examples refuse the same list, read
//! from `examples/published-secrets.txt` (a test keeps it equal to
//! [`PUBLISHED_SECRETS`]).

/// Every secret string this repository publishes (docs, examples, tests,
/// benches). The test below scans the repository so that a new one cannot be
/// added without landing here.
pub const PUBLISHED_SECRETS: &[&str] = &[
    "package-check-secret-0123456789abcdef",
    "example-only-secret-change-me-0123456789",
    "quickstart-secret-change-me-0123456789",
    "express-example-secret-change-me-0123456789",
    "change-me-to-a-long-random-secret-value!!",
    "a-secret-of-at-least-32-bytes!!!",
    "agentmart-test-secret-0123456789abcdef",
    "an-example-secret-of-at-least-32-bytes!",
    "a-production-like-secret-0123456789abcdef",
    "bench-secret-0123456789abcdef-0123456789",
    "express-test-secret-0123456789abcdef",
    "node-test-secret-0123456789abcdef-0123",
    "typed-esm-secret-0123456789abcdef",
    "typed-example-secret-0123456789abcdef",
    "agentmart-bench-secret-0123456789abcdef",
    "agentmart-python-tests-secret-0123456789",
    "benchmark-secret-0123456789-abcdefghij",
    "load-test-secret-that-is-long-enough-0123456789",
    // Not a signing secret (a test's system prompt), but published all the same.
    "TOP-SECRET-SYSTEM-PROMPT-do-not-leak",
    "peer-benchmark-secret-that-is-long-enough-0123456789",
    "peer-benchmark-secret-0123456789abcdef",
];

/// Why the examples refuse to start.
#[derive(PartialEq, Eq)]
pub struct PublishedSecret;

// `main` returning `Err` prints the error's `Debug`: make that the message.
impl std::fmt::Debug for PublishedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for PublishedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "AGENTMART_JWT_SECRET is a secret published in the agentmart repository; \
             anyone can forge tokens with it. Generate your own: `openssl rand -hex 32`",
        )
    }
}

impl std::error::Error for PublishedSecret {}

/// The secret: `from_env` (the value of `AGENTMART_JWT_SECRET`) unless it is
/// a published one, else 32 random bytes (hex), announced on stderr.
pub fn resolve(from_env: Option<String>) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    match from_env {
        Some(secret) if PUBLISHED_SECRETS.contains(&secret.trim()) => Err(Box::new(PublishedSecret)),
        Some(secret) => Ok(secret.into_bytes()),
        None => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the OS: {e}"))?;
            eprintln!(
                "AGENTMART_JWT_SECRET is not set: using a random secret for this run \
                 (tokens stop verifying when the process ends)"
            );
            Ok(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_published_secret_is_refused_and_none_means_random() {
        for published in PUBLISHED_SECRETS {
            let err = resolve(Some((*published).to_string())).unwrap_err();
            assert!(err.to_string().contains("published"), "{err}");
        }
        let own = "from-the-vault-0123456789abcdef-0123456789".to_string();
        assert_eq!(resolve(Some(own.clone())).unwrap(), own.into_bytes());
        let (a, b) = (resolve(None).unwrap(), resolve(None).unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b, "a fresh secret each run");
    }

    #[test]
    fn the_node_and_python_examples_refuse_the_same_secrets() {
        // examples/node/secret.cjs and examples/python/example_secret.py read
        // this file; it lists exactly PUBLISHED_SECRETS.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("published-secrets.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let listed: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        assert_eq!(listed, PUBLISHED_SECRETS, "examples/published-secrets.txt must list PUBLISHED_SECRETS, in order");
    }

    /// Quoted literals of at least 32 characters that name themselves a
    /// secret, in every text file of the repository.
    fn literals_in(dir: &Path, found: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.')
                    && !["target", "node_modules", "venv", "agentmart-data"].contains(&name.as_str())
                {
                    literals_in(&path, found);
                }
                continue;
            }
            let texty = ["md", "rs", "py", "mjs", "cjs", "js", "ts", "mts", "toml", "sh"];
            if !texty.iter().any(|ext| name.ends_with(&format!(".{ext}"))) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            for quote in ['"', '\''] {
                for (i, piece) in text.split(quote).enumerate() {
                    if i % 2 == 1
                        && piece.len() >= 32
                        && piece.to_ascii_lowercase().contains("secret")
                        && !piece.contains(char::is_whitespace)
                        && !piece.contains(['{', '$', '(', '\\', '/', ':', '?'])
                    {
                        found.push((path.display().to_string(), piece.to_string()));
                    }
                }
            }
        }
    }

    #[test]
    fn every_secret_published_in_the_repository_is_listed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut found = Vec::new();
        literals_in(root, &mut found);
        assert!(found.iter().any(|(_, s)| s == "change-me-to-a-long-random-secret-value!!"), "the scan finds them");
        let missing: Vec<_> = found.iter().filter(|(_, s)| !PUBLISHED_SECRETS.contains(&s.as_str())).collect();
        assert!(missing.is_empty(), "add to PUBLISHED_SECRETS: {missing:#?}");
    }
}
