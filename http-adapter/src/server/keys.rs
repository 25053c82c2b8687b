//! Where the access-token signing key comes from: key files (EdDSA/ES256),
//! `AGENTMART_JWT_SECRET` (HS256), or a random secret kept in the data directory.

use std::io::Write;
use std::path::Path;

use agentmart_core::JwtKey;

use super::args::{KeyAlgorithm, ServeArgs};
use super::{Fatal, fatal};

/// Name of the generated secret inside the data directory.
pub(crate) const GENERATED_SECRET_FILE: &str = "jwt-secret";

/// The signing key, and a warning to log when it was generated or loaded from the data directory.
pub(crate) fn resolve(
    args: &ServeArgs,
    secret_env: Option<String>,
    data_dir: Option<&Path>,
) -> Result<(JwtKey, Option<String>), Fatal> {
    if let (Some(private), Some(public)) = (&args.jwt_private_key, &args.jwt_public_key) {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| Fatal(format!("cannot read key file {}: {e}", p.display())))
        };
        let (private, public) = (read(private)?, read(public)?);
        let key = match args.jwt_algorithm {
            KeyAlgorithm::Eddsa => JwtKey::ed25519_pem(Some(private), public),
            KeyAlgorithm::Es256 => JwtKey::es256_pem(Some(private), public),
        };
        return Ok((key, None));
    }
    if let Some(secret) = secret_env {
        if secret.len() < 32 {
            return fatal!("AGENTMART_JWT_SECRET must be at least 32 bytes long (it has {})", secret.len());
        }
        return Ok((JwtKey::hs256(secret.into_bytes()), None));
    }
    let Some(dir) = data_dir else {
        return fatal!(
            "this store has no data directory to keep a generated key in: set AGENTMART_JWT_SECRET (at least 32 bytes) or give --jwt-private-key/--jwt-public-key"
        );
    };
    let (secret, created) = load_or_create_secret(dir)?;
    let path = dir.join(GENERATED_SECRET_FILE);
    let warning = if created {
        format!(
            "generated a random JWT secret and saved it in {} (owner-only); set AGENTMART_JWT_SECRET to share one key between servers",
            path.display()
        )
    } else {
        format!("using the JWT secret kept in {}; set AGENTMART_JWT_SECRET to choose the key", path.display())
    };
    Ok((JwtKey::hs256(secret), Some(warning)))
}

/// Reads `dir/jwt-secret`, or creates it with 32 random bytes (hex) readable by the owner only.
pub(crate) fn load_or_create_secret(dir: &Path) -> Result<(Vec<u8>, bool), Fatal> {
    let path = dir.join(GENERATED_SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().as_bytes().to_vec();
            if secret.len() < 32 {
                return fatal!(
                    "{} holds a secret shorter than 32 bytes; delete it to generate a new one",
                    path.display()
                );
            }
            return Ok((secret, false));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return fatal!("cannot read {}: {err}", path.display()),
    }
    std::fs::create_dir_all(dir).map_err(|e| Fatal(format!("cannot create {}: {e}", dir.display())))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Fatal(format!("no randomness from the OS: {e}")))?;
    let secret = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(|e| Fatal(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(secret.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
    Ok((secret.into_bytes(), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn serve_args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["agentmart", "serve"];
        argv.extend_from_slice(extra);
        match super::super::args::Cli::try_parse_from(argv).unwrap().command {
            super::super::args::Command::Serve(args) => args,
            _ => panic!("expected serve"),
        }
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = resolve(&serve_args(&[]), Some("too-short".into()), None).err().unwrap();
        assert!(err.0.contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn a_long_secret_is_used_as_hs256() {
        let (key, warning) = resolve(&serve_args(&[]), Some("x".repeat(32)), None).unwrap();
        assert_eq!(key.secret.as_deref(), Some("x".repeat(32).as_bytes()));
        assert!(warning.is_none());
    }

    #[test]
    fn without_a_secret_one_is_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let (first, warning) = resolve(&serve_args(&[]), None, Some(dir.path())).unwrap();
        assert!(warning.unwrap().contains("generated"));
        let (second, _) = resolve(&serve_args(&[]), None, Some(dir.path())).unwrap();
        assert_eq!(first.secret, second.secret, "the kept secret is reused");
        assert!(first.secret.unwrap().len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(GENERATED_SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn without_a_secret_or_data_dir_it_refuses() {
        assert!(resolve(&serve_args(&[]), None, None).is_err());
    }
}
