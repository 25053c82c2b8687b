//! The parts of the `agentmart` binary: arguments, store URLs, keys, notifiers,
//! the configuration file, graceful shutdown, and the commands (`transfer`:
//! `export`, `import`, `copy`).

pub(crate) mod args;
pub(crate) mod commands;
pub(crate) mod config_file;
pub(crate) mod keys;
pub(crate) mod notifiers;
pub(crate) mod shutdown;
pub(crate) mod store_url;
pub(crate) mod transfer;

/// A fatal error of a command, shown to the operator as one line.
#[derive(Debug)]
pub(crate) struct Fatal(pub(crate) String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Fatal {}

impl From<agentmart_core::Error> for Fatal {
    fn from(err: agentmart_core::Error) -> Self {
        match &err {
            agentmart_core::Error::Validation(fields) => Fatal(format!(
                "invalid configuration: {}",
                fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
            )),
            _ => {
                let mut text = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(s) = source {
                    text.push_str(": ");
                    text.push_str(&s.to_string());
                    source = s.source();
                }
                Fatal(text)
            }
        }
    }
}

/// Shorthand: `Err(Fatal(format!(...)))`.
macro_rules! fatal {
    ($($arg:tt)*) => { Err($crate::server::Fatal(format!($($arg)*))) };
}
pub(crate) use fatal;
