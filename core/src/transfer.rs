//! Export, import and copy of a whole store as versioned JSON lines.
//!
//! The format (`agentmart-export`, version 1) is one JSON object per line:
//! first a header `{"format":"agentmart-export","version":1,"backend":"sled","sessions":false}`,
//! then one [`ExportRecord`] per line, `{"kind":"user","data":{...}}`, kind by
//! kind in [`ExportKind::ALL`] order. Users carry their password hashes, so an
//! export file is as sensitive as the store itself; sessions, refresh-token and
//! one-time-token hashes are only included when asked for
//! ([`ExportOptions::sessions`]). Throttle counters are never exported.
//!
//! Every function streams: it holds one page (export, copy) or one batch
//! (import) of records at a time, whatever the store's size.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use agentmart_core::testing::MemoryStore;
//! use agentmart_core::transfer::{self, ExportOptions, ImportOptions};
//!
//! let (from, to) = (MemoryStore::new(), MemoryStore::new());
//! let mut file = Vec::new();
//! transfer::export(&from, &mut file, &ExportOptions::default()).await.unwrap();
//! let summary = transfer::import(&to, &mut file.as_slice(), &ImportOptions::default()).await.unwrap();
//! assert_eq!(summary.records, 0);
//! # });
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::storage::{ExportKind, ExportRecord, StorageError, Store};

/// The `format` of the header line.
pub const FORMAT: &str = "agentmart-export";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The first line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version ([`VERSION`]).
    pub version: u32,
    /// The exporting backend (informative).
    pub backend: String,
    /// Whether sessions and token hashes are included.
    pub sessions: bool,
}

/// Options of [`export`] and [`copy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// Include sessions, refresh-token and one-time-token hashes (default false:
    /// users log in again after an import).
    pub sessions: bool,
    /// Records read per page (default 500).
    pub page_size: u32,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self { sessions: false, page_size: 500 }
    }
}

/// Options of [`import`] and [`copy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import into a store that already holds users, agents or audit records
    /// (default false: such a store is refused). Records whose keys exist fail with a conflict.
    pub force: bool,
    /// Records written per transaction (default 500).
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { force: false, batch_size: 500 }
    }
}

/// What a transfer moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TransferSummary {
    /// Records written or read, header excluded.
    pub records: u64,
    /// The same by kind (wire names).
    pub by_kind: BTreeMap<&'static str, u64>,
}

impl TransferSummary {
    fn count(&mut self, kind: ExportKind) {
        self.records += 1;
        *self.by_kind.entry(kind.as_str()).or_default() += 1;
    }
}

/// Errors of export, import and copy. [`code`](Self::code) is stable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// Reading or writing the stream failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The input is empty: no header line.
    #[error("line 1: missing header (expected {{\"format\":\"agentmart-export\",...}})")]
    MissingHeader,
    /// The first line is not an agentmart export header.
    #[error("line 1: bad header: {0}")]
    BadHeader(String),
    /// The header names a format version this build cannot read.
    #[error("line 1: unsupported export version {0} (this build reads version {VERSION})")]
    UnsupportedVersion(u32),
    /// A record line is not valid.
    #[error("line {line}: bad record: {message}")]
    BadRecord {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A record comes after records of a later kind.
    #[error("line {line}: `{kind}` record out of order (kinds must follow export order)")]
    OutOfOrder {
        /// 1-based line number.
        line: u64,
        /// The record's kind.
        kind: &'static str,
    },
    /// The target store is not empty and `force` was not given.
    #[error("the target store is not empty (import with force to add to it)")]
    NotEmpty,
    /// The store failed; `line` is the first line of the batch being written, if importing.
    #[error("storage error{}: {source}", line.map(|l| format!(" (batch from line {l})")).unwrap_or_default())]
    Storage {
        /// First line of the failed batch.
        line: Option<u64>,
        /// The store's error.
        #[source]
        source: StorageError,
    },
}

impl TransferError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TransferError::Io(_) => "io",
            TransferError::MissingHeader => "missing_header",
            TransferError::BadHeader(_) => "bad_header",
            TransferError::UnsupportedVersion(_) => "unsupported_version",
            TransferError::BadRecord { .. } => "bad_record",
            TransferError::OutOfOrder { .. } => "out_of_order",
            TransferError::NotEmpty => "store_not_empty",
            TransferError::Storage { .. } => "storage",
        }
    }
}

fn storage(line: Option<u64>) -> impl FnOnce(StorageError) -> TransferError {
    move |source| TransferError::Storage { line, source }
}

fn kinds(options: &ExportOptions) -> impl Iterator<Item = ExportKind> + '_ {
    ExportKind::ALL.into_iter().filter(|k| options.sessions || !k.is_session_data())
}

/// Writes the whole store to `out`: header, then every record, one per line.
pub async fn export(
    store: &dyn Store,
    out: &mut dyn Write,
    options: &ExportOptions,
) -> Result<TransferSummary, TransferError> {
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        backend: store.backend_name().into(),
        sessions: options.sessions,
    };
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    let mut summary = TransferSummary::default();
    for kind in kinds(options) {
        let mut after: Option<ExportRecord> = None;
        loop {
            let page =
                store.export_page(kind, after.as_ref(), options.page_size.max(1)).await.map_err(storage(None))?;
            for record in &page {
                serde_json::to_writer(&mut *out, record).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
                summary.count(kind);
            }
            match page.into_iter().last() {
                Some(last) => after = Some(last),
                None => break,
            }
        }
    }
    out.flush()?;
    Ok(summary)
}

fn read_header(line: &str) -> Result<Header, TransferError> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| TransferError::BadHeader(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(TransferError::BadHeader(format!("`format` must be \"{FORMAT}\"")));
    }
    let version = value
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| TransferError::BadHeader("`version` must be a number".into()))?;
    if version != u64::from(VERSION) {
        return Err(TransferError::UnsupportedVersion(u32::try_from(version).unwrap_or(u32::MAX)));
    }
    serde_json::from_value(value).map_err(|e| TransferError::BadHeader(e.to_string()))
}

async fn check_target(store: &dyn Store, options: &ImportOptions) -> Result<(), TransferError> {
    if !options.force && !store.is_empty_store().await.map_err(storage(None))? {
        return Err(TransferError::NotEmpty);
    }
    Ok(())
}

/// Reads an export from `input` into `store`, in batches of
/// [`ImportOptions::batch_size`] records (one transaction each). Refuses a
/// non-empty store unless `force`; checks the header and every line before
/// its batch is written, reporting the line number of the first bad one.
/// A failed import leaves the batches written before the failure.
pub async fn import(
    store: &dyn Store,
    input: &mut dyn BufRead,
    options: &ImportOptions,
) -> Result<TransferSummary, TransferError> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Err(TransferError::MissingHeader);
    }
    read_header(line.trim_end())?;
    check_target(store, options).await?;
    let mut summary = TransferSummary::default();
    let mut batch = Vec::with_capacity(options.batch_size.max(1));
    let mut batch_line = 2;
    let mut number = 1u64;
    let mut last_kind = ExportKind::User;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        number += 1;
        let text = line.trim_end();
        if text.is_empty() {
            continue;
        }
        let record: ExportRecord = serde_json::from_str(text)
            .map_err(|e| TransferError::BadRecord { line: number, message: e.to_string() })?;
        let kind = record.kind();
        if kind < last_kind {
            return Err(TransferError::OutOfOrder { line: number, kind: kind.as_str() });
        }
        last_kind = kind;
        if batch.is_empty() {
            batch_line = number;
        }
        batch.push(record);
        summary.count(kind);
        if batch.len() >= options.batch_size.max(1) {
            store.import_batch(&batch).await.map_err(storage(Some(batch_line)))?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.import_batch(&batch).await.map_err(storage(Some(batch_line)))?;
    }
    Ok(summary)
}

/// Copies every record of `from` into `to` page by page, without a file in
/// between: the same as [`export`] then [`import`].
pub async fn copy(
    from: &dyn Store,
    to: &dyn Store,
    export_options: &ExportOptions,
    import_options: &ImportOptions,
) -> Result<TransferSummary, TransferError> {
    check_target(to, import_options).await?;
    let mut summary = TransferSummary::default();
    for kind in kinds(export_options) {
        let mut after: Option<ExportRecord> = None;
        loop {
            let page =
                from.export_page(kind, after.as_ref(), export_options.page_size.max(1)).await.map_err(storage(None))?;
            if page.is_empty() {
                break;
            }
            to.import_batch(&page).await.map_err(storage(None))?;
            for _ in &page {
                summary.count(kind);
            }
            after = page.into_iter().last();
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AuditRecord;
    use crate::storage::{AuditStore as _, ExportStore as _};
    use crate::testing::MemoryStore;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    async fn store_with_audit(n: usize) -> MemoryStore {
        let store = MemoryStore::new();
        for i in 0..n {
            let at = chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap();
            store.append_audit(&AuditRecord::new(at, "test.event")).await.unwrap();
        }
        store
    }

    #[test]
    fn large_stores_move_page_by_page_and_batch_by_batch() {
        block_on(async {
            let source = store_with_audit(1_050).await;
            let mut file = Vec::new();
            let summary = export(&source, &mut file, &ExportOptions { sessions: false, page_size: 100 }).await.unwrap();
            assert_eq!(summary.records, 1_050);
            assert_eq!(summary.by_kind.get("audit"), Some(&1_050));
            assert_eq!(file.iter().filter(|b| **b == b'\n').count(), 1_051, "header + one line per record");

            // Batches are written as they are read: a bad line 150 leaves the first batch (lines 2..=101) written.
            let text = String::from_utf8(file.clone()).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines[149] = "{\"kind\":\"audit\"}";
            let broken = lines.join("\n");
            let target = MemoryStore::new();
            let e = import(&target, &mut broken.as_bytes(), &ImportOptions { force: false, batch_size: 100 }).await;
            assert!(matches!(e, Err(TransferError::BadRecord { line: 150, .. })), "{e:?}");
            let written = target.export_page(ExportKind::Audit, None, 10_000).await.unwrap();
            assert_eq!(written.len(), 100, "only whole batches before the bad line are written");

            let fresh = MemoryStore::new();
            let read =
                import(&fresh, &mut file.as_slice(), &ImportOptions { force: false, batch_size: 100 }).await.unwrap();
            assert_eq!(read, summary);
            let copied = MemoryStore::new();
            let options = ExportOptions { sessions: false, page_size: 7 };
            let moved = copy(&fresh, &copied, &options, &ImportOptions::default()).await.unwrap();
            assert_eq!(moved, summary);
            let a = source.export_page(ExportKind::Audit, None, 10_000).await.unwrap();
            assert_eq!(copied.export_page(ExportKind::Audit, None, 10_000).await.unwrap(), a);
        });
    }

    #[test]
    fn headers_are_checked() {
        block_on(async {
            let store = MemoryStore::new();
            let cases: [(&[u8], &str); 4] = [
                (b"", "missing_header"),
                (b"[1]\n", "bad_header"),
                (b"{\"format\":\"other\",\"version\":1}\n", "bad_header"),
                (b"{\"format\":\"agentmart-export\",\"version\":2}\n", "unsupported_version"),
            ];
            for (input, code) in cases {
                let e = import(&store, &mut &input[..], &ImportOptions::default()).await.unwrap_err();
                assert_eq!(e.code(), code, "{e}");
            }
            let out_of_order = "{\"format\":\"agentmart-export\",\"version\":1,\"backend\":\"m\",\"sessions\":false}\n\
                {\"kind\":\"audit\",\"data\":{\"id\":\"0190a000-0000-7000-8000-000000000001\",\"at\":\"2026-01-01T00:00:00Z\",\"action\":\"x\",\"details\":{}}}\n\
                {\"kind\":\"usage_user\",\"data\":{\"agent_id\":\"0190a000-0000-7000-8000-000000000002\",\
                \"date\":\"2026-01-01\",\"user_id\":\"0190a000-0000-7000-8000-000000000003\"}}\n";
            let e = import(&store, &mut out_of_order.as_bytes(), &ImportOptions::default()).await.unwrap_err();
            assert!(matches!(e, TransferError::OutOfOrder { line: 3, kind: "usage_user" }), "{e}");
        });
    }
}
