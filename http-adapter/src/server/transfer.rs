//! The commands `export`, `import` and `copy` (over `agentmart_core::transfer`).
//! Records go to stdout / come from stdin; the summary goes to stderr.

use std::io::{BufReader, BufWriter};

use agentmart_core::transfer::{self, ExportOptions, ImportOptions, TransferError, TransferSummary};

use super::Fatal;
use super::args::{CopyArgs, ExportArgs, ImportArgs};
use super::store_url::StoreUrl;

fn failed<'a>(what: &'a str, url: &'a StoreUrl) -> impl FnOnce(TransferError) -> Fatal + 'a {
    move |e| Fatal(format!("{what} `{}` failed [{}]: {e}", url.redacted(), e.code()))
}

fn report(verb: &str, summary: &TransferSummary, url: &StoreUrl) {
    let kinds: Vec<String> = summary.by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    eprintln!("{verb} {} records ({}) {}", summary.records, kinds.join(", "), url.redacted());
}

async fn flush(store: &dyn agentmart_core::storage::Store) -> Result<(), Fatal> {
    store.flush().await.map_err(|e| Fatal::from(agentmart_core::Error::from(e)))
}

/// `agentmart export --store URL [--sessions] > FILE`.
pub(crate) async fn export(args: ExportArgs) -> Result<(), Fatal> {
    let url = StoreUrl::parse(&args.store.store)?;
    let store = url.open().await?;
    let options = ExportOptions { sessions: args.sessions, ..ExportOptions::default() };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let summary = transfer::export(&*store, &mut out, &options).await.map_err(failed("export from", &url))?;
    report("exported", &summary, &url);
    Ok(())
}

/// `agentmart import --store URL [--force] < FILE`.
pub(crate) async fn import(args: ImportArgs) -> Result<(), Fatal> {
    let url = StoreUrl::parse(&args.store.store)?;
    let store = url.open().await?;
    let options = ImportOptions { force: args.force, ..ImportOptions::default() };
    let mut input = BufReader::new(std::io::stdin().lock());
    let summary = transfer::import(&*store, &mut input, &options).await.map_err(failed("import into", &url))?;
    flush(&*store).await?;
    report("imported", &summary, &url);
    Ok(())
}

/// `agentmart copy --from URL --to URL [--sessions] [--force]`.
pub(crate) async fn copy(args: CopyArgs) -> Result<(), Fatal> {
    let (from_url, to_url) = (StoreUrl::parse(&args.from)?, StoreUrl::parse(&args.to)?);
    let from = from_url.open().await?;
    let to = to_url.open().await?;
    let export = ExportOptions { sessions: args.sessions, ..ExportOptions::default() };
    let import = ImportOptions { force: args.force, ..ImportOptions::default() };
    let summary = transfer::copy(&*from, &*to, &export, &import).await.map_err(failed("copy into", &to_url))?;
    flush(&*to).await?;
    report("copied", &summary, &to_url);
    Ok(())
}
