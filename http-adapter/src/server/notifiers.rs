//! The server's notifiers: an outbox directory (one JSON file per message) and
//! the log (token redacted unless `--dev`).

use std::io::Write;
use std::path::PathBuf;

use agentmart_core::{Message, Notifier};

type SendResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Writes each message as `<created_at>-<uuid>.json` holding
/// `{"to", "kind", "token", "link", "created_at"}`, readable by the owner only.
/// Files appear whole (written under a temporary name, then renamed).
#[derive(Debug, Clone)]
pub(crate) struct OutboxNotifier {
    dir: PathBuf,
}

impl OutboxNotifier {
    /// Uses (and creates) this directory.
    pub(crate) fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    fn write(&self, message: &Message) -> std::io::Result<PathBuf> {
        let name = format!("{}-{}", message.created_at.format("%Y%m%dT%H%M%S%.6fZ"), uuid::Uuid::now_v7());
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(format!("{name}.json"));
        let body = serde_json::to_vec_pretty(message).map_err(std::io::Error::other)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(&body)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }
}

#[async_trait::async_trait]
impl Notifier for OutboxNotifier {
    async fn send(&self, message: Message) -> SendResult {
        let this = self.clone();
        let kind = message.kind;
        let path = tokio::task::spawn_blocking(move || this.write(&message)).await??;
        tracing::info!(kind = ?kind, file = %path.display(), "message written to the outbox");
        Ok(())
    }
}

/// Logs each message; the token and link only with `reveal` (`--dev`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerLogNotifier {
    pub(crate) reveal: bool,
}

#[async_trait::async_trait]
impl Notifier for ServerLogNotifier {
    async fn send(&self, message: Message) -> SendResult {
        if self.reveal {
            tracing::warn!(
                to = %message.to,
                kind = ?message.kind,
                token = %message.token,
                link = %message.link,
                "message (dev mode: token shown in clear)"
            );
        } else {
            tracing::info!(
                to = %message.to,
                kind = ?message.kind,
                "message not delivered: token redacted (give --outbox DIR to deliver messages as files, or --dev to log them)"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentmart_core::MessageKind;

    #[tokio::test]
    async fn the_outbox_holds_one_json_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxNotifier::new(dir.path().join("out")).unwrap();
        for i in 0..2 {
            outbox
                .send(Message {
                    to: format!("u{i}@example.com"),
                    kind: MessageKind::PasswordReset,
                    token: format!("secret-{i}"),
                    link: format!("http://localhost:8080/reset?token=secret-{i}"),
                    created_at: chrono::Utc::now(),
                })
                .await
                .unwrap();
        }
        let mut files: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        assert_eq!(files.len(), 2);
        let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["created_at", "kind", "link", "to", "token"]);
        assert_eq!(value["kind"], "password_reset");
        assert!(value["token"].as_str().unwrap().starts_with("secret-"));
    }
}
