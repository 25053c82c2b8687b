//! Store URLs. Opening is `agentmart_stores::open` (one parser for every
//! adapter: `sled:PATH`, `sqlite:PATH`, `postgres://…`);
//! this module only adds what the server needs beside it.

use std::path::PathBuf;
use std::sync::Arc;

use agentmart_core::storage::Store;

use super::Fatal;

/// A store URL as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreUrl(String);

impl StoreUrl {
    /// Keeps the URL; `open` checks it.
    pub(crate) fn parse(url: &str) -> Result<Self, Fatal> {
        Ok(StoreUrl(url.trim().to_string()))
    }

    /// The directory the server may keep files in (the generated JWT secret):
    /// the sled directory; none for other stores.
    pub(crate) fn data_dir(&self) -> Option<PathBuf> {
        let path = self.0.strip_prefix("sled:")?;
        let path = path.strip_prefix("//").unwrap_or(path);
        (!path.is_empty()).then(|| PathBuf::from(path))
    }

    /// Opens the store, creating it if needed.
    pub(crate) async fn open(&self) -> Result<Arc<dyn Store>, Fatal> {
        agentmart_stores::open(&self.0)
            .await
            .map_err(|err| Fatal(format!("cannot open the store `{}`: {}", self.redacted(), Fatal::from(err))))
    }

    /// Creates or upgrades the schema: opening does it (SQL stores run their
    /// migrations on open; sled has no schema to migrate).
    pub(crate) async fn migrate(&self) -> Result<String, Fatal> {
        let store = self.open().await?;
        store.flush().await.map_err(|e| Fatal::from(agentmart_core::Error::from(e)))?;
        Ok(format!("the {} store at `{}` is ready", store.backend_name(), self.redacted()))
    }

    /// The URL with its credentials masked: the only form printed or logged.
    pub(crate) fn redacted(&self) -> String {
        agentmart_stores::redact_url(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sled_urls_have_a_data_dir() {
        assert_eq!(StoreUrl::parse("sled:./data").unwrap().data_dir(), Some(PathBuf::from("./data")));
        assert_eq!(StoreUrl::parse("sled:///var/lib/am").unwrap().data_dir(), Some(PathBuf::from("/var/lib/am")));
        assert_eq!(StoreUrl::parse("postgres://u@h/db").unwrap().data_dir(), None);
        assert_eq!(StoreUrl::parse("sled:").unwrap().data_dir(), None);
    }

    #[tokio::test]
    async fn unreachable_and_unknown_stores_answer_with_a_clear_error() {
        let err = StoreUrl::parse("postgres://u@127.0.0.1:1/db").unwrap().open().await.err().unwrap();
        assert!(err.0.contains("cannot connect to PostgreSQL"), "{err}");
        let err = StoreUrl::parse("./data").unwrap().open().await.err().unwrap();
        assert!(err.0.contains("no scheme"), "{err}");
    }

    #[tokio::test]
    async fn store_credentials_never_reach_the_operator() {
        let url = StoreUrl::parse("postgres://app:pa55-secret@127.0.0.1:1/db?password=pa55-secret").unwrap();
        let err = url.open().await.err().unwrap();
        assert!(!err.0.contains("pa55-secret"), "{err}");
        assert!(err.0.contains("postgres://app:***@127.0.0.1:1/db?password=***"), "{err}");
    }

    #[tokio::test]
    async fn migrate_opens_and_flushes_a_sled_store() {
        let dir = tempfile::tempdir().unwrap();
        let url = StoreUrl::parse(&format!("sled:{}", dir.path().join("db").display())).unwrap();
        assert!(url.migrate().await.unwrap().contains("sled"));
    }
}
